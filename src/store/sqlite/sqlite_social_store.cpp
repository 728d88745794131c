// SocialStore on the SQLite Pool (table social_links, migration 5).
#include "store/social_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store {
namespace sqlite {
namespace {

constexpr const char* kColumns = "id, user_id, provider, uid, extra_json, created_at";

SocialLink ReadLink(Statement& st) {
  SocialLink link;
  link.id = st.Int64(0);
  link.user_id = st.Int64(1);
  link.provider = st.Text(2);
  link.uid = st.Text(3);
  link.extra_json = st.Text(4);
  link.created_at = st.Int64(5);
  return link;
}

std::optional<SocialLink> FindLinkOn(Connection& c, std::string_view provider, std::string_view uid) {
  auto st = c.Prepare(std::string("SELECT ") + kColumns +
                      " FROM social_links WHERE provider = ?1 AND uid = ?2");
  if (!st.Bind(1, provider).Bind(2, uid).Step()) return std::nullopt;
  return ReadLink(st);
}

class SqliteSocialStore final : public SocialStore {
 public:
  explicit SqliteSocialStore(Pool& pool) : pool_(pool) {}

  std::optional<SocialLink> FindLink(std::string_view provider, std::string_view uid) override {
    Pool::Lease c(pool_);
    return FindLinkOn(*c, provider, uid);
  }

  SocialLink Link(int64_t user_id, std::string_view provider, std::string_view uid,
                  std::string_view extra_json, int64_t now) override {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);
    // The UNIQUE(provider, uid) constraint makes this race-safe: a concurrent link of the same
    // account leaves the first writer's row, which both callers then read.
    c->Prepare(
         "INSERT INTO social_links(user_id, provider, uid, extra_json, created_at) "
         "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(provider, uid) DO NOTHING")
        .Bind(1, user_id)
        .Bind(2, provider)
        .Bind(3, uid)
        .Bind(4, extra_json)
        .Bind(5, now)
        .Run();
    auto link = FindLinkOn(*c, provider, uid);
    tx.Commit();
    if (!link) throw StoreUnavailable("social link vanished after insert");
    return *link;
  }

  void UpdateExtra(int64_t link_id, std::string_view extra_json) override {
    Pool::WriteLease c(pool_);
    c->Prepare("UPDATE social_links SET extra_json = ?1 WHERE id = ?2")
        .Bind(1, extra_json)
        .Bind(2, link_id)
        .Run();
  }

  std::vector<SocialLink> ListLinks(int64_t user_id, int64_t offset, int64_t limit) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare(std::string("SELECT ") + kColumns +
                         " FROM social_links WHERE user_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3");
    st.Bind(1, user_id).Bind(2, limit).Bind(3, offset < 0 ? int64_t{0} : offset);
    std::vector<SocialLink> out;
    while (st.Step()) out.push_back(ReadLink(st));
    return out;
  }

  int64_t CountLinks(int64_t user_id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT count(*) FROM social_links WHERE user_id = ?1");
    st.Bind(1, user_id).Step();
    return st.Int64(0);
  }

  UnlinkResult Unlink(int64_t user_id, std::string_view provider, bool has_other_login) override {
    Pool::WriteLease c(pool_);
    // Count and delete in one write transaction, so two concurrent disconnects of a user's
    // last two links cannot both pass the check.
    Transaction tx(*c, TransactionMode::kImmediate);
    int64_t mine = 0, others = 0;
    {
      auto st = c->Prepare(
          "SELECT coalesce(sum(provider = ?2), 0), coalesce(sum(provider <> ?2), 0) "
          "FROM social_links WHERE user_id = ?1");
      st.Bind(1, user_id).Bind(2, provider).Step();
      mine = st.Int64(0);
      others = st.Int64(1);
    }
    if (mine == 0) return UnlinkResult::kNotLinked;
    if (others == 0 && !has_other_login) return UnlinkResult::kLastLogin;
    c->Prepare("DELETE FROM social_links WHERE user_id = ?1 AND provider = ?2")
        .Bind(1, user_id)
        .Bind(2, provider)
        .Run();
    tx.Commit();
    return UnlinkResult::kRemoved;
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<SocialStore> MakeSocialStore(Pool& pool) { return std::make_unique<SqliteSocialStore>(pool); }

}  // namespace sqlite

}  // namespace dfauth::store
