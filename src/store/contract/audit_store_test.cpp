#include <gtest/gtest.h>

#include "store/audit_store.hpp"
#include "store/contract/backend.hpp"

namespace dfauth::store {
namespace {

class AuditStoreTest : public contract::BackendTest {
 protected:
  AuditStore& Audit() { return Db().Audit(); }
  int64_t Add(int64_t at, std::string event, std::optional<int64_t> user, std::optional<int64_t> actor = std::nullopt) {
    AuditEvent e;
    e.at = at;
    e.event = std::move(event);
    e.outcome = "success";
    e.user_id = user;
    e.actor_id = actor;
    return Audit().Append(e);
  }
};

TEST_P(AuditStoreTest, AppendKeepsEveryFieldAndListsNewestFirst) {
  AuditEvent e;
  e.at = 1700000000;
  e.event = "login";
  e.method = "password";
  e.outcome = "failure";
  e.user_id = 7;
  e.actor_id = 9;
  e.ip = "2001:db8::1";
  e.detail = "device 3";
  const int64_t first = Audit().Append(e);
  const int64_t second = Add(1700000000, "logout", std::nullopt);  // same second: insertion order decides
  const int64_t third = Add(1700000005, "password_change", 7, 7);
  EXPECT_GT(second, first);
  AuditPage page = Audit().List({});
  EXPECT_EQ(page.count, 3);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.events[0].id, third);
  EXPECT_EQ(page.events[1].id, second);
  EXPECT_EQ(page.events[1].user_id, std::nullopt);
  EXPECT_EQ(page.events[1].actor_id, std::nullopt);
  const AuditEvent& got = page.events[2];
  EXPECT_EQ(got.id, first);
  EXPECT_EQ(got.at, 1700000000);
  EXPECT_EQ(got.event, "login");
  EXPECT_EQ(got.method, "password");
  EXPECT_EQ(got.outcome, "failure");
  EXPECT_EQ(got.user_id, std::optional<int64_t>(7));
  EXPECT_EQ(got.actor_id, std::optional<int64_t>(9));
  EXPECT_EQ(got.ip, "2001:db8::1");
  EXPECT_EQ(got.detail, "device 3");
}

TEST_P(AuditStoreTest, FiltersByUserAndSinceAndPaginates) {
  Add(100, "a", 1);
  Add(200, "b", 2);
  Add(300, "c", 1);
  Add(400, "d", 1);
  AuditFilter by_user;
  by_user.user_id = 1;
  AuditPage page = Audit().List(by_user);
  EXPECT_EQ(page.count, 3);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.events[0].event, "d");
  EXPECT_EQ(page.events[2].event, "a");
  AuditFilter since = by_user;
  since.since = 300;  // inclusive
  page = Audit().List(since);
  EXPECT_EQ(page.count, 2);
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.events[1].event, "c");
  AuditFilter window;
  window.limit = 2;
  window.offset = 1;
  page = Audit().List(window);
  EXPECT_EQ(page.count, 4);
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.events[0].event, "c");
  EXPECT_EQ(page.events[1].event, "b");
  AuditFilter none;
  none.user_id = 3;
  EXPECT_EQ(Audit().List(none).count, 0);
}

TEST_P(AuditStoreTest, PurgeRemovesOlderEntriesInBoundedRounds) {
  for (int i = 0; i < 450; ++i) Add(1000 + i % 5, "old", 1);
  Add(5000, "kept", 1);
  // A round removes whole chunks of 200 until it has passed the limit: 400 of 450.
  EXPECT_FALSE(Audit().PurgeBefore(2000, 300));
  EXPECT_EQ(Audit().List({}).count, 51);
  EXPECT_TRUE(Audit().PurgeBefore(2000, 300));
  AuditPage left = Audit().List({});
  EXPECT_EQ(left.count, 1);
  ASSERT_EQ(left.events.size(), 1u);
  EXPECT_EQ(left.events[0].event, "kept");
  EXPECT_TRUE(Audit().PurgeBefore(2000, 300));
}

TEST_P(AuditStoreTest, EntriesOutliveTheirUser) {
  const int64_t ada = NewUser("ada");
  Add(100, "admin_deactivate", ada, ada);
  EXPECT_TRUE(Db().Users().DeleteUser(ada));
  AuditPage page = Audit().List({});
  ASSERT_EQ(page.events.size(), 1u);
  EXPECT_EQ(page.events[0].user_id, std::optional<int64_t>(ada));
}

DFAUTH_ON_EVERY_BACKEND(AuditStoreTest);

}  // namespace
}  // namespace dfauth::store
