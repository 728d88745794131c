// SocialStore on PostgreSQL: social_links (migration 5).
#include "store/errors.hpp"
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

constexpr const char* kSelectLink =
    "SELECT id, user_id, provider, uid, extra_json, created_at FROM social_links WHERE provider = $1 AND uid = $2";

SocialLink ReadLink(const Rows& rows, int r) {
  return {rows.Int64(r, 0), rows.Int64(r, 1), rows.Text(r, 2), rows.Text(r, 3), rows.Text(r, 4), rows.Int64(r, 5)};
}

class PostgresSocialStore final : public SocialStore {
 public:
  explicit PostgresSocialStore(Pool& pool) : pool_(pool) {}

  std::optional<SocialLink> FindLink(std::string_view provider, std::string_view uid) override {
    Pool::Lease c(pool_);
    auto rows = c->Run(kSelectLink, Params().Add(provider).Add(uid));
    if (rows.Empty()) return std::nullopt;
    return ReadLink(rows, 0);
  }

  SocialLink Link(int64_t user_id, std::string_view provider, std::string_view uid, std::string_view extra_json,
                  int64_t now) override {
    Pool::Lease c(pool_);
    // UNIQUE(provider, uid): a concurrent link of the same account waits for the first writer
    // and then inserts nothing; both read the first writer's row.
    auto inserted = c->Run("INSERT INTO social_links(user_id, provider, uid, extra_json, created_at) "
                           "VALUES($1, $2, $3, $4, $5) ON CONFLICT (provider, uid) DO NOTHING "
                           "RETURNING id, user_id, provider, uid, extra_json, created_at",
                           Params().Add(user_id).Add(provider).Add(uid).Add(extra_json).Add(now));
    if (!inserted.Empty()) return ReadLink(inserted, 0);
    auto rows = c->Run(kSelectLink, Params().Add(provider).Add(uid));
    if (rows.Empty()) throw StoreUnavailable("social link vanished after insert");
    return ReadLink(rows, 0);
  }

  void UpdateExtra(int64_t link_id, std::string_view extra_json) override {
    Pool::Lease c(pool_);
    c->Run("UPDATE social_links SET extra_json = $1 WHERE id = $2", Params().Add(extra_json).Add(link_id));
  }

  std::vector<SocialLink> ListLinks(int64_t user_id, int64_t offset, int64_t limit) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT id, user_id, provider, uid, extra_json, created_at FROM social_links "
                       "WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
                       Params().Add(user_id).Add(limit < 0 ? int64_t{0} : limit).Add(offset < 0 ? int64_t{0} : offset));
    std::vector<SocialLink> out;
    for (int r = 0; r < rows.Count(); ++r) out.push_back(ReadLink(rows, r));
    return out;
  }

  int64_t CountLinks(int64_t user_id) override {
    Pool::Lease c(pool_);
    return c->Run("SELECT count(*) FROM social_links WHERE user_id = $1", Params().Add(user_id)).Int64(0, 0);
  }

  UnlinkResult Unlink(int64_t user_id, std::string_view provider, bool has_other_login) override {
    Pool::Lease c(pool_);
    // The user's row is locked first, so two concurrent disconnects of a user's last two links
    // (on any replicas) run one after the other and the second sees the first one's delete.
    Transaction tx(*c);
    c->Run("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", Params().Add(user_id));
    auto counts = c->Run("SELECT count(*) FILTER (WHERE provider = $2), count(*) FILTER (WHERE provider <> $2) "
                         "FROM social_links WHERE user_id = $1",
                         Params().Add(user_id).Add(provider));
    const int64_t mine = counts.Int64(0, 0), others = counts.Int64(0, 1);
    if (mine == 0) return UnlinkResult::kNotLinked;
    if (others == 0 && !has_other_login) return UnlinkResult::kLastLogin;
    c->Run("DELETE FROM social_links WHERE user_id = $1 AND provider = $2", Params().Add(user_id).Add(provider));
    tx.Commit();
    return UnlinkResult::kRemoved;
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<SocialStore> MakeSocialStore(Pool& pool) { return std::make_unique<PostgresSocialStore>(pool); }

}  // namespace dfauth::store::postgres
