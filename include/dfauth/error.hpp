#pragma once
// The one error type of df-auth. Domain code throws it; the HTTP layer writes it as the
// reference's envelope {"errors":[{"message","code","field"?,"extra_data"?}]} in one place.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dfauth {

/// One entry of the {"errors":[…]} envelope.
struct ErrorEntry {
  std::string code;
  std::string message;
  std::optional<std::string> field;  ///< absent (not null) when not set
  std::string extra_data_json;       ///< serialized JSON object, empty when absent
};

/// An error answered to the client: an HTTP status and one or more envelope entries.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string message,
           std::optional<std::string> field = std::nullopt)
      : std::runtime_error(code), status_(status) {
    entries_.push_back({std::move(code), std::move(message), std::move(field), {}});
  }
  ApiError(int status, std::vector<ErrorEntry> entries)
      : std::runtime_error(entries.empty() ? "error" : entries.front().code),
        status_(status), entries_(std::move(entries)) {}

  int Status() const noexcept { return status_; }
  const std::vector<ErrorEntry>& Entries() const noexcept { return entries_; }
  const std::string& Code() const noexcept { return entries_.front().code; }
  /// Extra headers (e.g. WWW-Authenticate, Retry-After) the response must carry.
  std::vector<std::pair<std::string, std::string>> headers;

  ApiError& WithHeader(std::string name, std::string value) & {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  ApiError&& WithHeader(std::string name, std::string value) && {
    headers.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
  }
  ApiError&& WithExtraData(std::string json) && {
    entries_.front().extra_data_json = std::move(json);
    return std::move(*this);
  }
  /// What the operator reads in the error log beside this answer (never sent to the client;
  /// never a secret): e.g. why the database was unavailable.
  ApiError&& WithLogDetail(std::string detail) && {
    log_detail_ = std::move(detail);
    return std::move(*this);
  }
  const std::string& LogDetail() const noexcept { return log_detail_; }

 private:
  int status_;
  std::vector<ErrorEntry> entries_;
  std::string log_detail_;
};

/// Builders for the errors the reference contract names (reference-contract.md §1.1).
namespace errors {
inline constexpr const char* kWwwAuthenticate = "Bearer realm=\"api\"";

inline ApiError Invalid(std::string message, std::optional<std::string> field = std::nullopt) {
  return ApiError(400, "invalid", std::move(message), std::move(field));
}
inline ApiError Required(std::string field) {
  return ApiError(400, "required", "This field is required.", std::move(field));
}
inline ApiError NotAuthenticated() {
  return ApiError(401, "not_authenticated", "Authentication credentials were not provided.")
      .WithHeader("WWW-Authenticate", kWwwAuthenticate);
}
inline ApiError AuthenticationFailed(std::string message = "Incorrect authentication credentials.") {
  return ApiError(401, "authentication_failed", std::move(message))
      .WithHeader("WWW-Authenticate", kWwwAuthenticate);
}
inline ApiError TokenNotValid(std::string message = "Token is invalid or expired") {
  return ApiError(401, "token_not_valid", std::move(message))
      .WithHeader("WWW-Authenticate", kWwwAuthenticate);
}
inline ApiError PermissionDenied() {
  return ApiError(403, "permission_denied", "You do not have permission to perform this action.");
}
inline ApiError NotFound(std::string message = "Not found.") {
  return ApiError(404, "not_found", std::move(message));
}
inline ApiError MethodNotAllowed(const std::string& method) {
  return ApiError(405, "method_not_allowed", "Method \"" + method + "\" not allowed.");
}
inline ApiError ServiceUnavailable(std::string message = "Service temporarily unavailable, try again later.") {
  return ApiError(503, "service_unavailable", std::move(message));
}
}  // namespace errors

}  // namespace dfauth
