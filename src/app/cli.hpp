#pragma once

namespace dfauth::app {

/// The df-auth command line (interface.md §1). Exit codes: 0 ok, 2 usage or configuration
/// error, 1 anything else.
int Main(int argc, char** argv);

}  // namespace dfauth::app
