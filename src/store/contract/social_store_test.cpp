#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/social_store.hpp"
#include "store/contract/backend.hpp"

namespace dfauth::store {
namespace {

class SocialStoreTest : public contract::BackendTest {
 protected:
  void SetUp() override {
    contract::BackendTest::SetUp();
    links_ = &Db().Social();
  }

  int64_t NewUser(const std::string& username) {
    User u;
    u.username = username;
    u.date_joined = 1;
    return Db().Users().CreateUser(u);
  }

  SocialStore* links_ = nullptr;
};

TEST_P(SocialStoreTest, LinkIsFoundByProviderAndUid) {
  int64_t ada = NewUser("ada");
  SocialLink link = links_->Link(ada, "google-oauth2", "g-1", R"({"a":1})", 1000);
  EXPECT_GT(link.id, 0);
  auto found = links_->FindLink("google-oauth2", "g-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, link.id);
  EXPECT_EQ(found->user_id, ada);
  EXPECT_EQ(found->provider, "google-oauth2");
  EXPECT_EQ(found->uid, "g-1");
  EXPECT_EQ(found->extra_json, R"({"a":1})");
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_FALSE(links_->FindLink("facebook", "g-1"));
  EXPECT_FALSE(links_->FindLink("google-oauth2", "G-1"));
}

TEST_P(SocialStoreTest, LinkingATakenAccountReturnsTheExistingOwner) {
  int64_t ada = NewUser("ada");
  int64_t eve = NewUser("eve");
  links_->Link(ada, "google-oauth2", "g-1", "{}", 1000);
  SocialLink again = links_->Link(eve, "google-oauth2", "g-1", R"({"x":1})", 2000);
  EXPECT_EQ(again.user_id, ada);
  EXPECT_EQ(again.extra_json, "{}");
  EXPECT_EQ(links_->CountLinks(eve), 0);
}

TEST_P(SocialStoreTest, ListCountAndUpdateExtra) {
  int64_t ada = NewUser("ada");
  auto first = links_->Link(ada, "google-oauth2", "g-1", "{}", 1);
  links_->Link(ada, "facebook", "f-1", "{}", 2);
  links_->Link(NewUser("bob"), "facebook", "f-2", "{}", 3);
  EXPECT_EQ(links_->CountLinks(ada), 2);
  auto all = links_->ListLinks(ada, 0, 100);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].provider, "google-oauth2");
  EXPECT_EQ(all[1].provider, "facebook");
  auto page = links_->ListLinks(ada, 1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].uid, "f-1");
  links_->UpdateExtra(first.id, R"({"new":true})");
  EXPECT_EQ(links_->FindLink("google-oauth2", "g-1")->extra_json, R"({"new":true})");
}

TEST_P(SocialStoreTest, UnlinkKeepsTheLastWayToLogIn) {
  int64_t ada = NewUser("ada");
  links_->Link(ada, "google-oauth2", "g-1", "{}", 1);
  EXPECT_EQ(links_->Unlink(ada, "facebook", false), UnlinkResult::kNotLinked);
  EXPECT_EQ(links_->Unlink(ada, "google-oauth2", false), UnlinkResult::kLastLogin);
  EXPECT_TRUE(links_->FindLink("google-oauth2", "g-1"));
  links_->Link(ada, "facebook", "f-1", "{}", 2);
  EXPECT_EQ(links_->Unlink(ada, "google-oauth2", false), UnlinkResult::kRemoved);
  EXPECT_FALSE(links_->FindLink("google-oauth2", "g-1"));
  EXPECT_EQ(links_->Unlink(ada, "facebook", true), UnlinkResult::kRemoved);
  EXPECT_EQ(links_->CountLinks(ada), 0);
}

TEST_P(SocialStoreTest, DeletingTheUserDeletesItsLinks) {
  int64_t ada = NewUser("ada");
  links_->Link(ada, "google-oauth2", "g-1", "{}", 1);
  ASSERT_TRUE(Db().Users().DeleteUser(ada));
  EXPECT_FALSE(links_->FindLink("google-oauth2", "g-1"));
}

DFAUTH_ON_EVERY_BACKEND(SocialStoreTest);

}  // namespace
}  // namespace dfauth::store
