#include "audit/audit.hpp"

#include <gtest/gtest.h>

#include "store/testing.hpp"

namespace dfauth::audit {
namespace {

TEST(AuditFormat, OneTabSeparatedLineWithDashesForEmptyFields) {
  store::AuditEvent e;
  e.at = 1765085400;
  e.event = event::kLogin;
  e.outcome = kFailure;
  e.method = "password";
  e.user_id = 7;
  e.ip = "192.0.2.1";
  EXPECT_EQ(FormatLine(e), "2025-12-07T05:30:00Z\tlogin\tfailure\tpassword\tuser=7\tactor=-\tip=192.0.2.1\t-");
}

TEST(AuditRecord, WritesEveryFieldAndPurgesByRetention) {
  store::testing::TempDir dir;
  auto db = store::OpenDatabase("sqlite://" + dir.File("a.sqlite3"), 2);
  db->Migrate();
  Record(*db, 1000, {event::kDeviceDeleted, 7, {9, "198.51.100.4"}, "totp", kSuccess, "device 3"});
  Record(*db, 1000 + 2 * 86'400, {event::kTokensRevoked, 7, {}, "", kSuccess, ""});
  store::AuditPage page = db->Audit().List({});
  ASSERT_EQ(page.events.size(), 2u);
  const store::AuditEvent& e = page.events[1];
  EXPECT_EQ(e.event, "device_deleted");
  EXPECT_EQ(e.user_id, std::optional<int64_t>(7));
  EXPECT_EQ(e.actor_id, std::optional<int64_t>(9));
  EXPECT_EQ(e.ip, "198.51.100.4");
  EXPECT_EQ(e.method, "totp");
  EXPECT_EQ(e.detail, "device 3");
  EXPECT_EQ(page.events[0].actor_id, std::nullopt);
  // Retention 1 day at now = the second entry's time: the first (2 days old) goes.
  EXPECT_TRUE(PurgeExpired(*db, 1000 + 2 * 86'400, 1, 400));
  page = db->Audit().List({});
  ASSERT_EQ(page.events.size(), 1u);
  EXPECT_EQ(page.events[0].event, "tokens_revoked");
  EXPECT_TRUE(PurgeExpired(*db, 1000 + 900 * 86'400, 0, 400));  // 0 days: kept for ever
  EXPECT_EQ(db->Audit().List({}).count, 1);
}

}  // namespace
}  // namespace dfauth::audit
