// What only the PostgreSQL backend does: its schema guard, day partitions
// dropped whole, and instances that start together.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "store/pg_store.h"
#include "tests/unit/store/open_store.h"

namespace xpush::store {
namespace {

using test_util::Backend;
using test_util::StoreLocationForTest;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kMonday = 20'000 * kDay;

using test_util::message;

std::vector<std::string> partitions(const std::string& dsn) {
  auto db = PgDb::connect(dsn);
  EXPECT_TRUE(db);
  auto r = db->query("listing", "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                " WHERE i.inhparent = 'messages'::regclass ORDER BY 1");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  std::vector<std::string> out;
  for (int i = 0; r && i < r->rows(); ++i) out.push_back(r->text(i, 0));
  return out;
}

TEST(PgStore, MessagesLiveInOnePartitionPerUtcDay) {
  StoreLocationForTest where{Backend::kPostgres};
  auto store = where.open();
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + kDay - 1)));
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + kDay)));
  // 20000 days after 1970-01-01 is 2024-10-04.
  EXPECT_EQ(partitions(where.location().postgresql_dsn),
            (std::vector<std::string>{"messages_20241004", "messages_20241005"}));
}

TEST(PgStore, RetentionDropsOnlyWholeDaysPastTheCutoff) {
  StoreLocationForTest where{Backend::kPostgres};
  auto store = where.open();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + i)));
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + kDay + 5)));
  // The cutoff falls inside the second day: only the first is wholly past it.
  const auto first = store->purge_messages(kMonday + kDay + 10, 10);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->purged, 30);  // a whole day at once, whatever the batch
  const auto second = store->purge_messages(kMonday + kDay + 10, 10);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->purged, 0);
  EXPECT_FALSE(second->more);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
  EXPECT_EQ(partitions(where.location().postgresql_dsn), std::vector<std::string>{"messages_20241005"});
  // A day dropped is recreated when a late message for it arrives.
  ASSERT_TRUE(store->store_message(message("bob@example.org", kMonday + 1)));
  EXPECT_EQ(*store->count_messages("bob@example.org"), 1);
}

TEST(PgStore, RefusesANewerSchema) {
  StoreLocationForTest where{Backend::kPostgres};
  ASSERT_TRUE(where.open());
  {
    auto db = PgDb::connect(where.location().postgresql_dsn);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("test", "UPDATE xpush_schema SET version = 99"));
  }
  auto s = PgStore::open(where.location().postgresql_dsn);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, StoreErrorKind::kFatal);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

TEST(PgStore, InstancesStartingTogetherMigrateOnce) {
  StoreLocationForTest where{Backend::kPostgres};
  std::vector<std::thread> starters;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    starters.emplace_back([&] {
      if (PgStore::open(where.location().postgresql_dsn)) ++opened;
    });
  }
  for (auto& t : starters) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto db = PgDb::connect(where.location().postgresql_dsn);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->query("test", "SELECT version FROM xpush_schema")->integer(0, 0), PgStore::kSchemaVersion);
}

TEST(PgStore, AVersionOneDatabaseKeepsItsDevicesWithTheirSecretsHashed) {
  StoreLocationForTest where{Backend::kPostgres};
  const auto dsn = where.location().postgresql_dsn;
  ASSERT_TRUE(PgStore::open(dsn));
  {
    // Back to what version 1 kept: the secret in clear, no previous secret.
    auto db = PgDb::connect(dsn);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("test", "ALTER TABLE registrations DROP COLUMN previous_secret, DROP COLUMN voip_token;"
                                 "DROP TABLE shared_marks, alert_windows, shared_tallies, shared_instances, unread_chats;"
                                 "UPDATE xpush_schema SET version = 1;"
                                 "INSERT INTO registrations (node, secret, account, domain, device_id, platform,"
                                 " token, created_ms, updated_ms) VALUES ('N1', 'clear-secret', 'alice@example.org',"
                                 " 'example.org', 'd', 'fcm', 't', 1, 1)"));
  }
  auto store = PgStore::open(dsn);
  ASSERT_TRUE(store);
  const auto kept = *(*store)->find_registration("example.org", "N1");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->secret_hash, node_secret_hash("clear-secret"));  // the same hash as in C++
  EXPECT_EQ(kept->previous_secret_hash, "");
}

TEST(PgStore, AnUnreachableServerIsATemporaryErrorThatSaysWhy) {
  auto s = PgStore::open("host=127.0.0.1 port=1 dbname=xpush connect_timeout=2");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, StoreErrorKind::kUnavailable);
  EXPECT_NE(s.error().message.find("cannot connect to PostgreSQL"), std::string::npos);
}

TEST(PgStore, DescribedWithoutItsPassword) {
  EXPECT_EQ(describe(StoreLocation{.postgresql_dsn = "host=db.internal port=6432 dbname=push password=hunter2"}),
            "PostgreSQL db.internal:6432/push");
  EXPECT_EQ(describe(StoreLocation{.postgresql_dsn = "postgresql://xpush:hunter2@db.internal/push"}),
            "PostgreSQL db.internal:5432/push");
}

// PgDb::send pipelines a statement inside a transaction; the next statement
// that waits brings back both answers.
class PgPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = PgDb::connect(where_.location().postgresql_dsn);
    ASSERT_TRUE(opened) << opened.error().message;
    db_.emplace(std::move(*opened));
    ASSERT_TRUE(db_->exec("test", "CREATE TABLE pipelined (n integer PRIMARY KEY)"));
  }
  std::int64_t rows() {
    auto r = db_->query("test", "SELECT count(*) FROM pipelined");
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r->integer(0, 0) : -1;
  }
  StoreResult<void> insert(const std::string& n) {
    return db_->send("inserting a number", "INSERT INTO pipelined VALUES ($1::integer)", {n});
  }

  StoreLocationForTest where_{Backend::kPostgres};
  std::optional<PgDb> db_;
};

TEST_F(PgPipeline, SentStatementsAreSeenByTheNextQueryAndCommitted) {
  ASSERT_TRUE(db_->begin());
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(insert(std::to_string(i)));  // past the 256 kept unanswered
  EXPECT_EQ(rows(), 300);
  ASSERT_TRUE(insert("300"));
  ASSERT_TRUE(db_->commit());  // the COMMIT goes with the last insert
  EXPECT_EQ(rows(), 301);
}

TEST_F(PgPipeline, AFailedSentStatementFailsTheTransactionWithItsOwnError) {
  ASSERT_TRUE(db_->begin());
  ASSERT_TRUE(insert("1"));
  ASSERT_TRUE(insert("1"));  // a duplicate key, known only when answered
  ASSERT_TRUE(insert("2"));
  auto later = db_->query("counting", "SELECT count(*) FROM pipelined");
  ASSERT_FALSE(later);
  EXPECT_NE(later.error().message.find("inserting a number: ERROR:  duplicate key"), std::string::npos)
      << later.error().message;
  auto committed = db_->commit();
  ASSERT_FALSE(committed);
  EXPECT_NE(committed.error().message.find("duplicate key"), std::string::npos) << committed.error().message;
  // Nothing of that transaction is stored, and the connection goes on.
  EXPECT_EQ(rows(), 0);
  ASSERT_TRUE(db_->begin());
  ASSERT_TRUE(insert("3"));
  ASSERT_TRUE(db_->commit());
  EXPECT_EQ(rows(), 1);
}

TEST_F(PgPipeline, AFailureIsReportedAtCommitWhenNothingWaitedBefore) {
  ASSERT_TRUE(db_->begin());
  ASSERT_TRUE(insert("not a number"));
  auto committed = db_->commit();
  ASSERT_FALSE(committed);
  EXPECT_NE(committed.error().message.find("inserting a number"), std::string::npos) << committed.error().message;
  EXPECT_EQ(rows(), 0);
}

TEST_F(PgPipeline, ANestedTransactionCannotHideAnEarlierFailure) {
  ASSERT_TRUE(db_->begin());
  ASSERT_TRUE(insert("1"));
  ASSERT_TRUE(insert("1"));
  // A later store call in the same batch would open a savepoint of its own.
  EXPECT_FALSE(db_->begin());
  EXPECT_FALSE(db_->commit());
  EXPECT_EQ(rows(), 0);
}

TEST_F(PgPipeline, OutsideATransactionSendWaitsForItsAnswer) {
  ASSERT_TRUE(insert("1"));
  auto twice = insert("1");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().kind, StoreErrorKind::kConflict);
  EXPECT_EQ(rows(), 1);
}

// A server that stops answering (here: its backend stopped with SIGSTOP)
// costs a call the timeout, not the store thread forever.
class PgDeadline : public PgPipeline {
 protected:
  void SetUp() override {
    PgPipeline::SetUp();
    if (geteuid() != 0) GTEST_SKIP() << "stopping PostgreSQL's backend needs root (CI runs as root)";
    auto opened = PgDb::connect(where_.location().postgresql_dsn, kTimeout);
    ASSERT_TRUE(opened) << opened.error().message;
    timed_.emplace(std::move(*opened));
  }
  void TearDown() override {
    if (stopped_ > 0) ::kill(stopped_, SIGCONT);
  }
  pid_t backend() {
    auto r = timed_->query("test", "SELECT pg_backend_pid()");
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? static_cast<pid_t>(r->integer(0, 0)) : 0;
  }
  void stop_backend() {
    stopped_ = backend();
    ASSERT_GT(stopped_, 0);
    ASSERT_EQ(::kill(stopped_, SIGSTOP), 0);
  }
  void resume_backend() {
    ::kill(stopped_, SIGCONT);
    stopped_ = 0;
  }

  static constexpr std::chrono::milliseconds kTimeout{2'000};
  std::optional<PgDb> timed_;
  pid_t stopped_ = 0;
};

TEST_F(PgDeadline, AServerThatStopsAnsweringIsDroppedAndTheNextCallConnectsAgain) {
  const pid_t first = backend();
  stop_backend();
  auto hung = timed_->query("reading a number", "SELECT 1");
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error().kind, StoreErrorKind::kUnavailable);
  EXPECT_EQ(hung.error().message, "reading a number: PostgreSQL did not answer within 2000 ms; connection dropped");
  resume_backend();
  EXPECT_NE(backend(), first);  // a new session
}

// A COMMIT the server did not answer may still happen once it resumes (it
// had the bytes): the batch is reported failed, the safe side, so the XMPP
// server publishes again; a notification may then go out twice, never zero times.
TEST_F(PgDeadline, AHungCommitIsReportedFailedAndTheNextBatchGoesOn) {
  ASSERT_TRUE(timed_->begin());
  ASSERT_TRUE(timed_->send("inserting a number", "INSERT INTO pipelined VALUES ($1::integer)", {"1"}));
  stop_backend();
  auto committed = timed_->commit();
  ASSERT_FALSE(committed);
  EXPECT_NE(committed.error().message.find("did not answer within 2000 ms"), std::string::npos)
      << committed.error().message;
  resume_backend();
  ASSERT_TRUE(timed_->begin());
  ASSERT_TRUE(timed_->send("inserting a number", "INSERT INTO pipelined VALUES ($1::integer)", {"2"}));
  ASSERT_TRUE(timed_->commit());
  auto kept = timed_->query("test", "SELECT count(*) FROM pipelined WHERE n = 2");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->integer(0, 0), 1);
}

}  // namespace
}  // namespace xpush::store
