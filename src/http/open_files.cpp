#include "http/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace dfauth::http {

OpenFileLimit RaiseOpenFileLimit() {
  OpenFileLimit out;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return out;
  out.soft = limit.rlim_cur;
  out.hard = limit.rlim_max;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
      out.soft = limit.rlim_cur;
      out.raised = true;
    }
  }
  return out;
}

std::uint64_t ConnectionLimit(std::uint64_t configured, std::uint64_t soft_limit) {
  const std::uint64_t room = soft_limit > kReservedDescriptors ? soft_limit - kReservedDescriptors : 1;
  return std::max<std::uint64_t>(1, configured == 0 ? room : std::min(configured, room));
}

}  // namespace dfauth::http
