#include "net/database_url.hpp"

#include <gtest/gtest.h>

namespace dfauth::net {
namespace {

std::string ErrorOf(std::string_view url) {
  std::string error;
  if (ParseDatabaseUrl(url, &error)) return "<valid>";
  return error;
}

TEST(DatabaseUrl, SqliteForms) {
  EXPECT_EQ(ParseDatabaseUrl("sqlite:///var/lib/df-auth/db.sqlite3", nullptr)->sqlite_path, "/var/lib/df-auth/db.sqlite3");
  EXPECT_EQ(ParseDatabaseUrl("sqlite://rel.db", nullptr)->sqlite_path, "rel.db");
  EXPECT_EQ(ParseDatabaseUrl("sqlite://:memory:", nullptr)->sqlite_path, ":memory:");
  EXPECT_EQ(ParseDatabaseUrl("sqlite://x", nullptr)->kind, DatabaseKind::kSqlite);
  EXPECT_EQ(ErrorOf("sqlite://"), "names no SQLite file");
}

TEST(DatabaseUrl, PostgresFormsLibpqAccepts) {
  for (const char* url : {"postgresql://df:pw@db.internal:5432/auth", "postgres://df@localhost/auth",
                          "postgresql://127.0.0.1:6543/auth?sslmode=require&connect_timeout=3",
                          "postgresql://[::1]:5432/auth", "postgresql:///auth", "postgresql://",
                          "postgresql://h1:5432,h2:5433/auth?target_session_attrs=read-write",
                          "postgresql://df:p%40ss@db/auth"}) {
    auto parsed = ParseDatabaseUrl(url, nullptr);
    ASSERT_TRUE(parsed) << url;
    EXPECT_EQ(parsed->kind, DatabaseKind::kPostgres) << url;
    EXPECT_EQ(parsed->sqlite_path, "") << url;
  }
}

TEST(DatabaseUrl, BadUrlsSayWhyWithoutRepeatingTheUrl) {
  EXPECT_EQ(ErrorOf("mysql://x"), "must be sqlite://PATH, sqlite://:memory: or postgresql://user:pass@host:port/db");
  EXPECT_EQ(ErrorOf("postgresql://df:s3cret@db:99999/auth"), "has a bad host or port");
  EXPECT_EQ(ErrorOf("postgresql://df:s3cret@db:port/auth"), "has a bad host or port");
  EXPECT_EQ(ErrorOf("postgresql://df:s3cret@[::1/auth"), "has a bad host or port");
  EXPECT_EQ(ErrorOf("postgresql://df:s3cret@db,/auth"), "has a bad host or port");
  EXPECT_EQ(ErrorOf("postgresql://:s3cret@db/auth"), "names a password but no user");
  EXPECT_EQ(ErrorOf("postgresql://df:s3 cret@db/auth"), "has a space, a control character or a bad %-escape");
  EXPECT_EQ(ErrorOf("postgresql://df:s3cret%zz@db/auth"), "has a space, a control character or a bad %-escape");
  EXPECT_EQ(ErrorOf("postgresql://df@db/auth?sslmode"), "has a parameter that is not key=value");
}

TEST(DatabaseUrl, MaskHidesThePasswordOnly) {
  EXPECT_EQ(MaskDatabaseUrl("postgresql://df:s3cret@db.internal:5432/auth"), "postgresql://df:********@db.internal:5432/auth");
  EXPECT_EQ(MaskDatabaseUrl("postgresql://db/auth?user=df&password=s3cret&sslmode=require"),
            "postgresql://db/auth?user=df&password=********&sslmode=require");
  EXPECT_EQ(MaskDatabaseUrl("postgresql://df@db/auth"), "postgresql://df@db/auth");
  EXPECT_EQ(MaskDatabaseUrl("sqlite:///var/db.sqlite3"), "sqlite:///var/db.sqlite3");
}

}  // namespace
}  // namespace dfauth::net
