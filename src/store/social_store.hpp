#pragma once
// Social links: which provider account (provider, uid) belongs to which user. Backend-neutral,
// thread-safe, blocking: call it from a worker pool.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/errors.hpp"

namespace dfauth::store {

struct SocialLink {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string provider;  ///< "google-oauth2", "facebook", "apple-id"
  std::string uid;       ///< the provider's stable id of the account
  std::string extra_json = "{}";  ///< the provider's profile, a JSON object
  int64_t created_at = 0;
};

enum class UnlinkResult {
  kRemoved,    ///< the user's links to the provider are gone
  kNotLinked,  ///< the user has no link to the provider
  kLastLogin,  ///< refused: no other link and `has_other_login` was false
};

class SocialStore {
 public:
  virtual ~SocialStore() = default;

  /// The link of a provider account, whoever owns it.
  virtual std::optional<SocialLink> FindLink(std::string_view provider, std::string_view uid) = 0;
  /// Links (provider, uid) to `user_id` unless the account is linked already; returns the link
  /// now stored (the existing one, possibly another user's, when it was linked before).
  virtual SocialLink Link(int64_t user_id, std::string_view provider, std::string_view uid,
                          std::string_view extra_json, int64_t now) = 0;
  /// Replaces the stored profile of a link.
  virtual void UpdateExtra(int64_t link_id, std::string_view extra_json) = 0;
  /// The user's links ordered by id.
  virtual std::vector<SocialLink> ListLinks(int64_t user_id, int64_t offset, int64_t limit) = 0;
  virtual int64_t CountLinks(int64_t user_id) = 0;
  /// Removes the user's links to `provider` atomically, unless they are the user's last links
  /// and `has_other_login` (a password, an email or a phone) is false.
  virtual UnlinkResult Unlink(int64_t user_id, std::string_view provider, bool has_other_login) = 0;
};


}  // namespace dfauth::store
