#pragma once
// The process's open-file limit and the connections it leaves room for. Every connection is a
// file descriptor: a server started with the usual soft limit of 1024 could not hold the 10,000
// keep-alive connections interface.md §5 asks for, and accept() would fail with EMFILE.

#include <cstdint>

namespace dfauth::http {

/// Descriptors kept for everything that is not a client connection: the listening socket,
/// database connections, log and key files, the SMTP and provider calls.
inline constexpr std::uint64_t kReservedDescriptors = 256;

struct OpenFileLimit {
  std::uint64_t soft = 0;  ///< after raising
  std::uint64_t hard = 0;
  bool raised = false;  ///< the soft limit was below the hard one and now equals it
};

/// Raises the soft RLIMIT_NOFILE to the hard limit (what a process may do without privilege).
OpenFileLimit RaiseOpenFileLimit();

/// The connections to allow: `configured` (0: as many as fit) capped to what `soft_limit`
/// leaves after kReservedDescriptors, and never below 1.
std::uint64_t ConnectionLimit(std::uint64_t configured, std::uint64_t soft_limit);

}  // namespace dfauth::http
