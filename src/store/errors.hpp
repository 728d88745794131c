#pragma once
// The exceptions every store throws, whatever its backend.

#include <stdexcept>
#include <string>

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

/// The database cannot be reached or answered an error. The store says what happened; the
/// api layer decides what the client sees (503 service_unavailable, api::TranslateError), and
/// `Detail()` goes to the log only (it never holds a password: URLs are masked).
class StoreUnavailable : public std::runtime_error {
 public:
  explicit StoreUnavailable(std::string detail)
      : std::runtime_error("store unavailable"), detail_(std::move(detail)) {}
  const std::string& Detail() const noexcept { return detail_; }

 private:
  std::string detail_;
};

}  // namespace dfauth::store
