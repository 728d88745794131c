// DATABASE_URL is read by two parties: check-config (config's DATABASE_URL check) and the store
// opener the server starts with. Both use net::ParseDatabaseUrl; this test holds them to the same
// verdict, so that check-config never passes a URL the server then refuses, or the reverse.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "config/loader.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"

namespace dfauth {
namespace {

// Whether check-config accepts `url`.
bool CheckAccepts(const std::string& url) {
  try {
    config::LoadSettings(std::nullopt, {{"DF_AUTH_DATABASE_URL", url}});
    return true;
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.key, "DATABASE_URL") << e.what();
    return false;
  }
}

// Whether the opener accepts `url`: a refused URL is std::invalid_argument; a PostgreSQL URL it
// accepts then fails to connect (nothing listens on port 1), which is StoreUnavailable.
bool OpenerAccepts(const std::string& url) {
  try {
    store::OpenDatabase(url, 1);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  } catch (const store::StoreUnavailable&) {
    return true;
  }
}

TEST(DatabaseUrl, CheckConfigAndTheOpenerAgree) {
  const std::string accepted[] = {
      "sqlite://:memory:",
      "postgresql://df:pw@127.0.0.1:1/auth?connect_timeout=1",
      "postgres://df:pw@127.0.0.1:1/auth?connect_timeout=1",
      "postgresql://127.0.0.1:1,127.0.0.1:1/auth?connect_timeout=1",
  };
  for (const auto& url : accepted) {
    EXPECT_TRUE(CheckAccepts(url)) << url;
    EXPECT_TRUE(OpenerAccepts(url)) << url;
  }
  const std::string refused[] = {
      "sqlite://",
      "mysql://df@db/auth",
      "postgre://df@db/auth",
      "postgres://df:pw@db:99999/auth",
      "postgresql://:pw@db/auth",
      "postgres://df@db/auth?sslmode",
      "postgresql://df:p w@db/auth",
  };
  for (const auto& url : refused) {
    EXPECT_FALSE(CheckAccepts(url)) << url;
    EXPECT_FALSE(OpenerAccepts(url)) << url;
  }
}

TEST(DatabaseUrl, BothSchemesOfLibpqAreOneBackend) {
  // The refusal names the same reason whichever scheme spells PostgreSQL.
  std::string pg, postgres;
  try {
    store::OpenDatabase("postgresql://df@db:0/auth", 1);
  } catch (const std::invalid_argument& e) {
    pg = e.what();
  }
  try {
    store::OpenDatabase("postgres://df@db:0/auth", 1);
  } catch (const std::invalid_argument& e) {
    postgres = e.what();
  }
  EXPECT_EQ(pg, "DATABASE_URL has a bad host or port");
  EXPECT_EQ(postgres, pg);
}

}  // namespace
}  // namespace dfauth
