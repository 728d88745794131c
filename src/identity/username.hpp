#pragma once
// The username a sign-up gets when none was submitted (reference-contract R6, creation step 1).

#include <map>
#include <string>
#include <vector>

namespace dfauth::identity {

/// The first non-empty value among `identity_fields_in_order` in `values` ("" when none), so an
/// email sign-up gets its normalised email and a phone-only sign-up its E.164 number.
std::string DeriveUsername(const std::vector<std::string>& identity_fields_in_order,
                           const std::map<std::string, std::string>& values);

}  // namespace dfauth::identity
