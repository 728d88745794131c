#include "notify/delivery.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "config/loader.hpp"
#include "notify/test_util.hpp"
#include "store/testing.hpp"

namespace dfauth::notify {
namespace {

namespace fs = std::filesystem;
using testing::ReadAll;
using testing::TempDir;

// Records what it was asked to send; fails while `fail` is set.
struct Recorder final : Transport {
  struct Shared {
    std::mutex mutex;
    std::vector<store::OutboxMessage> sent;
    std::atomic<bool> fail = false;
    std::atomic<bool> permanent = false;
  };
  explicit Recorder(std::shared_ptr<Shared> s) : shared(std::move(s)) {}
  void Send(const store::OutboxMessage& m) override {
    if (shared->fail) throw SendError("smtp: Couldn't connect to server", shared->permanent);
    std::lock_guard lock(shared->mutex);
    shared->sent.push_back(m);
  }
  std::shared_ptr<Shared> shared;
};

struct Fixture {
  TempDir dir;
  std::unique_ptr<store::Database> db;
  store::OutboxStore* outbox = nullptr;
  std::shared_ptr<Recorder::Shared> email = std::make_shared<Recorder::Shared>();
  std::shared_ptr<Recorder::Shared> sms = std::make_shared<Recorder::Shared>();
  std::atomic<int64_t> now{1'700'000'000};
  config::Settings settings;

  Fixture() {
    db = store::testing::OpenSqliteFile(dir.File("db.sqlite3"), 4);
    outbox = &db->Outbox();
  }
  std::unique_ptr<Delivery> MakeDelivery(store::Database& on) {
    return std::make_unique<Delivery>(settings, on, std::make_unique<Recorder>(email),
                                      std::make_unique<Recorder>(sms), [this] { return now.load(); });
  }
};

Message Otp(const std::string& to, const std::string& code) {
  Message m;
  m.channel = Channel::kEmail;
  m.to = to;
  m.template_name = "otp_email";
  m.variables = {{"code", code}, {"magic_link", "https://l/" + code}};
  return m;
}

TEST(RetryDelay, DoublesFromOneSecondUpToFiveMinutes) {
  std::vector<int64_t> got;
  for (int n = 1; n <= 11; ++n) got.push_back(RetryDelay(n));
  EXPECT_EQ(got, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300}));
  EXPECT_EQ(RetryDelay(20), 300);
  EXPECT_EQ(RetryDelay(1000), 300);
}

TEST(Delivery, EnqueueStoresRenderedRowAndSendDueDeliversAndBlanksIt) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  d->Enqueue(Otp("bob@x.io", "872866"));
  auto stored = f.outbox->Find(1);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->channel, "email");
  EXPECT_EQ(stored->recipient, "bob@x.io");
  EXPECT_EQ(stored->subject, "Your sign-in code");
  EXPECT_NE(stored->text.find("\n872866\n"), std::string::npos);
  EXPECT_EQ(stored->attempts, 0);
  EXPECT_EQ(stored->next_attempt_at, f.now.load());
  EXPECT_TRUE(f.email->sent.empty());  // Enqueue never sends

  std::vector<std::pair<std::string, std::string>> outcomes;
  d->SetOutcomeCallback([&](std::string_view c, std::string_view o) { outcomes.emplace_back(c, o); });
  EXPECT_EQ(d->SendDue(), 1);
  ASSERT_EQ(f.email->sent.size(), 1u);
  EXPECT_EQ(f.email->sent[0].recipient, "bob@x.io");
  EXPECT_NE(f.email->sent[0].text.find("https://l/872866"), std::string::npos);
  EXPECT_EQ(outcomes, (std::vector<std::pair<std::string, std::string>>{{"email", "sent"}}));

  auto after = f.outbox->Find(1);
  EXPECT_EQ(after->sent_at, f.now.load());
  EXPECT_EQ(after->next_attempt_at, std::nullopt);
  EXPECT_EQ(after->attempts, 1);
  EXPECT_EQ(after->subject, "");
  EXPECT_EQ(after->text, "");
  EXPECT_EQ(after->html, "");
  EXPECT_EQ(d->SendDue(), 0);  // nothing left
}

TEST(Delivery, SmsGoesToTheSmsTransport) {
  Fixture f;
  f.settings.otp_twilio_token_template = "Your code: {token}";
  auto d = f.MakeDelivery(*f.db);
  Message m;
  m.channel = Channel::kSms;
  m.to = "+31612345678";
  m.template_name = "otp_sms";
  m.variables = {{"code", "123456"}};
  d->Enqueue(m);
  EXPECT_EQ(d->SendDue(), 1);
  EXPECT_TRUE(f.email->sent.empty());
  ASSERT_EQ(f.sms->sent.size(), 1u);
  EXPECT_EQ(f.sms->sent[0].text, "Your code: 123456");
  EXPECT_EQ(f.sms->sent[0].recipient, "+31612345678");
}

TEST(Delivery, FailuresBackOffExponentiallyWithTheInjectedClockThenGiveUp) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  std::vector<std::string> outcomes;
  d->SetOutcomeCallback([&](std::string_view, std::string_view o) { outcomes.emplace_back(o); });
  f.email->fail = true;
  d->Enqueue(Otp("bob@x.io", "111111"));
  const int64_t start = f.now;
  EXPECT_EQ(d->SendDue(), 1);
  auto row = f.outbox->Find(1);
  EXPECT_EQ(row->attempts, 1);
  EXPECT_EQ(row->next_attempt_at, start + 1);
  EXPECT_EQ(row->last_error, "smtp: Couldn't connect to server");
  EXPECT_NE(row->text, "");  // kept for the retry

  EXPECT_EQ(d->SendDue(), 0);  // not due yet
  f.now += 1;
  EXPECT_EQ(d->SendDue(), 1);
  EXPECT_EQ(f.outbox->Find(1)->next_attempt_at, f.now + 2);
  f.now += 2;
  EXPECT_EQ(d->SendDue(), 1);
  EXPECT_EQ(f.outbox->Find(1)->next_attempt_at, f.now + 4);

  // Keep failing until the attempt limit: then the row is given up and its content blanked.
  for (int64_t attempt = 4; attempt <= Delivery::kMaxAttempts; ++attempt) {
    f.now = *f.outbox->Find(1)->next_attempt_at;
    EXPECT_EQ(d->SendDue(), 1) << attempt;
  }
  row = f.outbox->Find(1);
  EXPECT_EQ(row->attempts, Delivery::kMaxAttempts);
  EXPECT_EQ(row->next_attempt_at, std::nullopt);
  EXPECT_EQ(row->sent_at, std::nullopt);
  EXPECT_EQ(row->text, "");
  EXPECT_EQ(outcomes.size(), static_cast<size_t>(Delivery::kMaxAttempts));
  EXPECT_EQ(outcomes.back(), "failed");
  EXPECT_EQ(outcomes[0], "retry");
  f.now += 3'600;
  EXPECT_EQ(d->SendDue(), 0);
}

TEST(Delivery, PermanentFailureIsNotRetried) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  f.email->fail = true;
  f.email->permanent = true;
  d->Enqueue(Otp("bob@x.io", "111111"));
  EXPECT_EQ(d->SendDue(), 1);
  auto row = f.outbox->Find(1);
  EXPECT_EQ(row->attempts, 1);
  EXPECT_EQ(row->next_attempt_at, std::nullopt);
  EXPECT_EQ(row->text, "");
}

TEST(Delivery, RecoversAfterTheServerComesBack) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  f.email->fail = true;
  d->Enqueue(Otp("bob@x.io", "222222"));
  EXPECT_EQ(d->SendDue(), 1);
  f.email->fail = false;
  f.now += 1;
  EXPECT_EQ(d->SendDue(), 1);
  ASSERT_EQ(f.email->sent.size(), 1u);
  EXPECT_EQ(f.outbox->Find(1)->attempts, 2);
  EXPECT_EQ(f.outbox->Find(1)->last_error, "");
}

TEST(Delivery, ARestartLosesNothing) {
  Fixture f;
  {
    auto d = f.MakeDelivery(*f.db);
    d->Enqueue(Otp("a@x.io", "333333"));
    d->Enqueue(Otp("b@x.io", "444444"));
  }  // "crash" before sending
  auto reopened = store::testing::OpenSqliteFile(f.dir.File("db.sqlite3"), 2);
  auto d = f.MakeDelivery(*reopened);
  EXPECT_EQ(d->SendDue(), 2);
  ASSERT_EQ(f.email->sent.size(), 2u);
  EXPECT_EQ(f.email->sent[0].recipient, "a@x.io");
  EXPECT_EQ(f.email->sent[1].recipient, "b@x.io");
}

TEST(Delivery, AClaimedRowIsRetriedOnlyAfterItsLeaseExpires) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  d->Enqueue(Otp("a@x.io", "555555"));
  // Another sender claimed it and died mid-send.
  ASSERT_TRUE(f.outbox->Claim(1, f.now, f.now + Delivery::kLeaseSeconds));
  EXPECT_EQ(d->SendDue(), 0);
  f.now += Delivery::kLeaseSeconds;
  EXPECT_EQ(d->SendDue(), 1);
  EXPECT_EQ(f.outbox->Find(1)->attempts, 2);
}

TEST(Outbox, OnlyOneOfTwoClaimsWithTheSameExpectationWins) {
  Fixture f;
  store::OutboxMessage m;
  m.channel = "email";
  m.recipient = "a@x.io";
  m.created_at = 5;
  m.next_attempt_at = 5;
  int64_t id = f.outbox->Add(m);
  auto other = store::testing::OpenSqliteFile(f.dir.File("db.sqlite3"), 1);
  store::OutboxStore* other_outbox = &other->Outbox();
  EXPECT_TRUE(f.outbox->Claim(id, 5, 100));
  EXPECT_FALSE(other_outbox->Claim(id, 5, 100));
  EXPECT_EQ(f.outbox->Find(id)->attempts, 1);
  EXPECT_EQ(f.outbox->ListDue(99, 10).size(), 0u);
  EXPECT_EQ(f.outbox->ListDue(100, 10).size(), 1u);
}

// Two replicas (separate stores on one database file) drain one outbox at once: every message
// is sent exactly once.
TEST(Outbox, TwoSendersOnOneDatabaseNeverSendAMessageTwice) {
  Fixture f;
  auto replica = store::testing::OpenSqliteFile(f.dir.File("db.sqlite3"), 2);
  auto a = f.MakeDelivery(*f.db);
  auto b = f.MakeDelivery(*replica);
  constexpr int kMessages = 300;
  for (int i = 0; i < kMessages; ++i) a->Enqueue(Otp("u" + std::to_string(i) + "@x.io", "000000"));
  std::atomic<int> claimed{0};
  auto drain = [&](Delivery& d) {
    while (true) {
      int n = d.SendDue();
      claimed += n;
      if (n == 0 && f.outbox->ListDue(f.now, 1).empty()) break;
    }
  };
  std::thread ta([&] { drain(*a); });
  std::thread tb([&] { drain(*b); });
  ta.join();
  tb.join();
  EXPECT_EQ(claimed.load(), kMessages);
  ASSERT_EQ(f.email->sent.size(), static_cast<size_t>(kMessages));
  std::set<int64_t> ids;
  for (const auto& m : f.email->sent) ids.insert(m.id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kMessages));
}

TEST(Outbox, PurgeRemovesOnlyFinishedRowsCreatedBeforeTheCutoff) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  d->Enqueue(Otp("a@x.io", "1"));
  d->SendDue();
  d->Enqueue(Otp("b@x.io", "2"));  // pending
  EXPECT_EQ(f.outbox->PurgeFinished(f.now), 0);  // created at `now`, not before
  EXPECT_EQ(f.outbox->PurgeFinished(f.now + 1), 1);
  EXPECT_FALSE(f.outbox->Find(1));
  EXPECT_TRUE(f.outbox->Find(2));
}

TEST(Delivery, TheSenderThreadDeliversWhatIsEnqueued) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  d->Start();
  d->Enqueue(Otp("a@x.io", "777777"));
  // Enqueue wakes the thread; Stop() lets it finish. Wait on the row, not on a fixed sleep.
  for (int i = 0; i < 500 && !f.outbox->Find(1)->sent_at; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  d->Stop();
  EXPECT_TRUE(f.outbox->Find(1)->sent_at);
  EXPECT_EQ(f.email->sent.size(), 1u);
}

// Request threads enqueue while the sender thread sends: every message goes out exactly once
// (what the thread has not sent when it stops, one more pass on this thread sends).
TEST(Delivery, ParallelEnqueuesWhileTheSenderThreadRunsAreEachSentOnce) {
  Fixture f;
  auto d = f.MakeDelivery(*f.db);
  d->Start();
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        d->Enqueue(Otp("u" + std::to_string(t) + "-" + std::to_string(i) + "@x.io", "123456"));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Each Enqueue wakes the sender thread: it delivers them all (waited for up to 10 s; a stopped
  // Delivery sends nothing more, so the test waits before stopping it).
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(f.email->mutex);
      if (f.email->sent.size() >= static_cast<size_t>(kThreads * kEach)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  d->Stop();
  std::lock_guard lock(f.email->mutex);
  ASSERT_EQ(f.email->sent.size(), static_cast<size_t>(kThreads * kEach));
  std::set<std::string> to;
  for (const auto& m : f.email->sent) to.insert(m.recipient);
  EXPECT_EQ(to.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_TRUE(f.outbox->ListDue(f.now + 3'600, 1).empty());
}

// The real file backends, end to end through Delivery.
TEST(FileBackends, WriteOneFilePerMessage) {
  Fixture f;
  TempDir out;
  f.settings.email_backend = "file";
  f.settings.email_file_path = out.File("mail");  // created on start, as Django's backend does
  f.settings.sms_backend = "file";
  f.settings.sms_file_path = out.File("sms");
  f.settings.default_from_email = "Auth <auth@example.com>";
  Delivery d(f.settings, *f.db);
  d.Enqueue(Otp("bob@x.io", "872866"));
  Message sms;
  sms.channel = Channel::kSms;
  sms.to = "+31612345678";
  sms.template_name = "otp_sms";
  sms.variables = {{"code", "123456"}};
  d.Enqueue(sms);
  EXPECT_EQ(d.SendDue(), 2);

  std::vector<fs::path> mails(fs::directory_iterator(out.File("mail")), {});
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(std::regex_match(mails[0].filename().string(), std::regex("[0-9]{13}-1\\.eml")));
  std::string eml = ReadAll(mails[0]);
  EXPECT_EQ(eml.rfind("From: Auth <auth@example.com>\r\nTo: bob@x.io\r\nSubject: Your sign-in code\r\nDate: ", 0), 0u);
  EXPECT_NE(eml.find("\r\nMessage-ID: <1."), std::string::npos);
  EXPECT_NE(eml.find("@example.com>\r\n"), std::string::npos);
  EXPECT_NE(eml.find("Content-Type: multipart/alternative;"), std::string::npos);
  EXPECT_NE(eml.find("\r\n872866\r\n"), std::string::npos);

  std::vector<fs::path> texts(fs::directory_iterator(out.File("sms")), {});
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_TRUE(std::regex_match(texts[0].filename().string(), std::regex("[0-9]{13}-2\\.sms")));
  EXPECT_EQ(ReadAll(texts[0]), "To: +31612345678\n\n123456\n");
}

TEST(Backends, BadConfigurationNamesTheKey) {
  TempDir dir;
  auto database = store::testing::OpenSqliteFile(dir.File("db.sqlite3"), 1);
  store::Database& db = *database;
  auto key_of = [&](config::Settings s) -> std::string {
    try {
      Delivery d(s, db);
    } catch (const config::ConfigError& e) {
      return e.key;
    }
    return "";
  };
  config::Settings s;
  s.email_backend = "file";
  EXPECT_EQ(key_of(s), "EMAIL_FILE_PATH");
  s = {};
  s.sms_backend = "twilio";
  EXPECT_EQ(key_of(s), "OTP_TWILIO_ACCOUNT");
  s.otp_twilio_account = "AC1";
  s.otp_twilio_auth = "t";
  EXPECT_EQ(key_of(s), "OTP_TWILIO_FROM");
  s.otp_twilio_messaging_service_sid = "MG1";
  EXPECT_EQ(key_of(s), "");
  s = {};
  s.email_backend = "smtp";
  s.email_use_tls = s.email_use_ssl = true;
  EXPECT_EQ(key_of(s), "EMAIL_USE_SSL");
  s = {};
  s.email_backend = "pigeon";
  EXPECT_EQ(key_of(s), "EMAIL_BACKEND");
}

}  // namespace
}  // namespace dfauth::notify

namespace dfauth::notify {
namespace {

TEST(CheckDeliverySettings, NamesTheKeyWithoutSideEffects) {
  TempDir dir;
  auto key_of = [](const config::Settings& s) -> std::string {
    try {
      CheckDeliverySettings(s);
    } catch (const config::ConfigError& e) {
      return e.key;
    }
    return "";
  };
  config::Settings s;
  EXPECT_EQ(key_of(s), "");
  s.email_backend = "file";
  s.email_file_path = dir.File("not-yet");
  EXPECT_EQ(key_of(s), "");
  EXPECT_FALSE(fs::exists(dir.File("not-yet")));  // only serve creates it
  s.sms_backend = "file";
  EXPECT_EQ(key_of(s), "SMS_FILE_PATH");
  s.sms_file_path = dir.File("sms");
  s.templates_dir = dir.File("missing");
  EXPECT_EQ(key_of(s), "TEMPLATES_DIR");
}

}  // namespace
}  // namespace dfauth::notify
