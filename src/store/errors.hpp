#pragma once
// The exceptions every store throws, whatever its backend.

#include <stdexcept>
#include <string>

#include "dfauth/error.hpp"

namespace dfauth::store {

/// A unique identity (username, email case-insensitively, phone_number) is already taken.
class DuplicateError : public std::runtime_error {
 public:
  explicit DuplicateError(std::string field)
      : std::runtime_error("duplicate " + field), field_(std::move(field)) {}
  const std::string& Field() const noexcept { return field_; }

 private:
  std::string field_;
};

/// The database cannot be reached or answered an error: the client gets 503
/// service_unavailable; `Detail()` is for the log only.
class StoreUnavailable : public ApiError {
 public:
  explicit StoreUnavailable(std::string detail)
      : ApiError(503, "service_unavailable", "Service temporarily unavailable, try again later."),
        detail_(std::move(detail)) {}
  const std::string& Detail() const noexcept { return detail_; }

 private:
  std::string detail_;
};

}  // namespace dfauth::store
