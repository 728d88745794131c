#pragma once
// Provider signing keys (JWKS documents) cached per URL: kept for the document's
// Cache-Control max-age (1 h without one), and refetched early when a token names an unknown
// `kid` (a key rotation), at most once a minute per URL so random kids cannot hammer the provider.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "social/fetch.hpp"
#include "token/jws.hpp"

namespace dfauth::social {

class JwksCache {
 public:
  using Clock = std::function<int64_t()>;  ///< Unix seconds

  static constexpr int64_t kDefaultMaxAge = 3600;
  static constexpr int64_t kUnknownKidInterval = 60;

  explicit JwksCache(Fetcher fetcher, Clock clock = {});

  /// The key `kid` of the JWKS at `url` (the only key when `kid` is empty and the set has
  /// one), or nullptr. Throws ApiError 502 provider_error when the document cannot be fetched
  /// or parsed. Thread-safe.
  std::shared_ptr<const token::Key> Find(const std::string& url, std::string_view kid);

  /// How many times documents were fetched (for tests and metrics).
  int64_t Fetches() const;

 private:
  struct Entry {
    bool loaded = false;
    std::map<std::string, std::shared_ptr<const token::Key>, std::less<>> keys;
    int64_t expires_at = 0;
    int64_t last_unknown_refetch = INT64_MIN / 2;
  };

  void Load(const std::string& url, Entry& entry, int64_t now);
  static std::shared_ptr<const token::Key> Lookup(const Entry& entry, std::string_view kid);

  Fetcher fetcher_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  ///< guarded by mutex_
  int64_t fetches_ = 0;                    ///< guarded by mutex_
};

/// The max-age of a Cache-Control value, or nullopt.
std::optional<int64_t> MaxAge(std::string_view cache_control);

}  // namespace dfauth::social
