// Test helpers: a store on a real SQLite file, or in a fresh schema of the
// real PostgreSQL server that CTest's `postgres` fixture starts (its DSN is
// in XPUSH_TEST_PG_DSN, or in the fixture's folder).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "store/open_store.h"
#include "store/pg_db.h"
#include "store/sqlite_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush::store::test_util {

inline std::unique_ptr<SqliteStore> open_store(const std::string& path) {
  auto s = SqliteStore::open(path);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

// A chat message from bob, received at `received_ms`.
inline OfflineMessage message(const std::string& account, std::int64_t received_ms, const std::string& text = "hi") {
  OfflineMessage m;
  m.account = account;
  m.domain = "example.org";
  m.sender = "bob@example.org";
  m.message_id = "m-" + std::to_string(received_ms);
  m.source = "stanza";
  m.content = "<message xmlns='jabber:client'><body>" + text + "</body></message>";
  m.received_ms = received_ms;
  return m;
}

// The test server's connection string; empty (and the test failed) if there is none.
inline std::string postgres_dsn() {
  if (const char* dsn = std::getenv("XPUSH_TEST_PG_DSN"); dsn && *dsn) return dsn;
  std::ifstream file{std::string{XPUSH_TEST_PG_DIR} + "/dsn"};
  std::string dsn;
  std::getline(file, dsn);
  if (dsn.empty()) {
    ADD_FAILURE() << "no PostgreSQL test server: run the tests through ctest (fixture 'postgres'),"
                     " or set XPUSH_TEST_PG_DSN";
  }
  return dsn;
}

enum class Backend { kSqlite, kPostgres };

inline void PrintTo(Backend b, std::ostream* out) { *out << (b == Backend::kSqlite ? "SQLite" : "PostgreSQL"); }

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// Where one test's store lives: a file in a temporary folder, or a schema
// of its own, dropped at the end.
class StoreLocationForTest {
 public:
  explicit StoreLocationForTest(Backend backend) {
    location_.sqlite_path = dir_.file("x.db");
    if (backend == Backend::kSqlite) return;
    admin_dsn_ = postgres_dsn();
    std::random_device random;
    schema_ = "t" + std::to_string(random()) + std::to_string(random());
    auto admin = PgDb::connect(admin_dsn_);
    EXPECT_TRUE(admin) << (admin ? "" : admin.error().message);
    if (admin) {
      EXPECT_TRUE(admin->exec("creating a schema", "CREATE SCHEMA " + schema_));
    }
    location_.postgresql_dsn = admin_dsn_ + " options='-c search_path=" + schema_ + "'";
  }
  ~StoreLocationForTest() {
    if (schema_.empty()) return;
    if (auto admin = PgDb::connect(admin_dsn_)) (void)admin->exec("dropping a schema", "DROP SCHEMA " + schema_ + " CASCADE");
  }
  const StoreLocation& location() const { return location_; }

  std::unique_ptr<Store> open() const {
    auto s = open_store(location_);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

 private:
  testing::TempDir dir_;
  StoreLocation location_;
  std::string admin_dsn_;
  std::string schema_;
};

// A test run once per backend: `store` is fresh, `reopen()` opens another
// connection to the same data.
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Store> reopen() const { return where_.open(); }
  const StoreLocationForTest& where() const { return where_; }

  StoreLocationForTest where_{GetParam()};
  std::unique_ptr<Store> store = where_.open();
};

#define XPUSH_STORE_SUITE(suite)                                                                 \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                      \
                           ::testing::Values(::xpush::store::test_util::Backend::kSqlite,        \
                                             ::xpush::store::test_util::Backend::kPostgres),     \
                           ::xpush::store::test_util::backend_name)

}  // namespace xpush::store::test_util
