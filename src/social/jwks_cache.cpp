#include "social/jwks_cache.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "social/provider.hpp"

namespace dfauth::social {

std::optional<int64_t> MaxAge(std::string_view cache_control) {
  std::string lower;
  for (char ch : cache_control) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto pos = lower.find("max-age=");
  if (pos == std::string::npos) return std::nullopt;
  pos += 8;
  int64_t value = 0;
  size_t digits = 0;
  while (pos < lower.size() && std::isdigit(static_cast<unsigned char>(lower[pos])) && digits < 12) {
    value = value * 10 + (lower[pos] - '0');
    ++pos;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return value;
}

JwksCache::JwksCache(Fetcher fetcher, Clock clock) : fetcher_(std::move(fetcher)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return static_cast<int64_t>(std::time(nullptr)); };
}

int64_t JwksCache::Fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

void JwksCache::Load(const std::string& url, Entry& entry, int64_t now) {
  ++fetches_;
  FetchResponse response = fetcher_(url, {"Accept: application/json"});
  if (response.status != 200) throw ProviderUnavailable();
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    throw ProviderUnavailable();
  std::map<std::string, std::shared_ptr<const token::Key>, std::less<>> keys;
  for (const auto& jwk : doc["keys"]) {
    if (!jwk.is_object()) continue;
    // Encryption keys and algorithms we do not verify with are skipped, not fatal: a provider
    // may publish more kinds of keys than we use.
    if (jwk.contains("use") && jwk["use"] != "sig") continue;
    try {
      token::Key key = token::KeyFromJwk(jwk.dump());
      std::string kid = key.kid;
      keys[kid] = std::make_shared<const token::Key>(std::move(key));
    } catch (const token::KeyError&) {
      continue;
    }
  }
  int64_t max_age = std::clamp<int64_t>(MaxAge(response.cache_control).value_or(kDefaultMaxAge), 0, 86400);
  entry.keys = std::move(keys);
  entry.loaded = true;
  entry.expires_at = now + max_age;
}

std::shared_ptr<const token::Key> JwksCache::Lookup(const Entry& entry, std::string_view kid) {
  if (kid.empty()) return entry.keys.size() == 1 ? entry.keys.begin()->second : nullptr;
  auto it = entry.keys.find(kid);
  return it == entry.keys.end() ? nullptr : it->second;
}

std::shared_ptr<const token::Key> JwksCache::Find(const std::string& url, std::string_view kid) {
  // One lock for the whole lookup: a fetch blocks other lookups of the cache for at most the
  // fetch timeout, and concurrent logins after an expiry cause one fetch instead of many.
  std::lock_guard lock(mutex_);
  const int64_t now = clock_();
  Entry& entry = entries_[url];
  bool fetched_now = false;
  if (!entry.loaded || now >= entry.expires_at) {
    Load(url, entry, now);
    fetched_now = true;
  }
  if (auto key = Lookup(entry, kid)) return key;
  if (fetched_now || now - entry.last_unknown_refetch < kUnknownKidInterval) return nullptr;
  entry.last_unknown_refetch = now;
  Load(url, entry, now);
  return Lookup(entry, kid);
}

}  // namespace dfauth::social
