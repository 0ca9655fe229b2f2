#include "engine/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <set>

#include "push/notification_json.h"
#include "store/sqlite_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush {
namespace {

using push::Outcome;
using push::PushResult;

// Answers from a script, then "delivered"; while `hold`, answers nothing
// until release().
class ScriptedProvider : public push::Provider {
 public:
  void send(const push::Notification& n, Completion done) override {
    sent.push_back(n.id);
    if (hold) return held.push_back(std::move(done));
    PushResult r{.outcome = Outcome::kDelivered, .status = 200};
    if (!script.empty()) {
      r = script.front();
      script.pop_front();
    }
    done(r);
  }
  void release() {
    hold = false;
    auto waiting = std::move(held);
    for (auto& done : waiting) done({.outcome = Outcome::kDelivered, .status = 200});
  }
  std::deque<PushResult> script;
  std::vector<std::string> sent;
  bool hold = false;
  std::vector<Completion> held;
};

PushResult failure(Outcome outcome, int status, std::string reason) {
  return PushResult{.outcome = outcome, .status = status, .reason = std::move(reason)};
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : worker_(io_.get_executor(), *store::SqliteStore::open(dir_.file("x.db"))),
        observer_(std::move(*store::SqliteStore::open(dir_.file("x.db")))) {}

  using Clock = std::function<std::chrono::system_clock::time_point()>;
  Dispatcher& dispatcher(int max_attempts = 12, std::size_t max_in_flight = 10'000, std::string instance = {},
                         Clock clock = [] { return std::chrono::system_clock::now(); }) {
    DispatcherOptions options;
    options.max_in_flight = max_in_flight;
    options.instance = std::move(instance);
    options.retry.backoff = {std::chrono::milliseconds{5}, std::chrono::milliseconds{20}};
    options.retry.max_attempts = max_attempts;
    options.poll_interval = std::chrono::milliseconds{5};
    dispatcher_.emplace(io_.get_executor(), worker_, provider_, options, std::move(clock));
    return *dispatcher_;
  }

  static push::Notification notification(std::string id, std::chrono::seconds ttl = std::chrono::hours{1}) {
    push::Notification n;
    n.id = std::move(id);
    n.node = "N1";
    n.device = {push::Platform::kApns, "00aa", "chat"};
    n.kind = push::Kind::kAlert;
    n.title = "New message";
    n.created_at = std::chrono::system_clock::now();
    n.ttl = ttl;
    return n;
  }

  template <class Pred>
  void run_until(Pred done) {
    for (int i = 0; i < 1000 && !done(); ++i) io_.run_one_for(std::chrono::milliseconds{5});
    ASSERT_TRUE(done());
  }

  store::OutboxCounts counts() { return *observer_->outbox_counts(); }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  StoreWorker worker_;
  std::unique_ptr<store::SqliteStore> observer_;
  ScriptedProvider provider_;
  std::optional<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, OnDiskBeforeAcceptedAndGoneOnceDelivered) {
  auto& d = dispatcher();
  std::optional<std::int64_t> pending_when_accepted;
  d.accept(notification("n1"), "example.org", [&](bool stored) {
    ASSERT_TRUE(stored);
    pending_when_accepted = counts().pending;  // what a crash right now would keep
  });
  run_until([&] { return d.counters().delivered == 1 && counts().pending == 0; });
  EXPECT_EQ(pending_when_accepted, 1);
  EXPECT_EQ(provider_.sent, std::vector<std::string>{"n1"});
}

TEST_F(DispatcherTest, ASlowProviderLeavesTheBacklogOnDiskNotInMemory) {
  provider_.hold = true;
  auto& d = dispatcher(12, 3);
  d.start();
  int stored = 0;
  for (int i = 0; i < 10; ++i) {
    d.accept(notification("n" + std::to_string(i)), "example.org", [&](bool ok) { stored += ok ? 1 : 0; });
  }
  run_until([&] { return stored == 10; });
  for (int i = 0; i < 10; ++i) io_.run_one_for(std::chrono::milliseconds{5});  // polls come and go
  EXPECT_EQ(provider_.sent.size(), 3u);  // at most max_in_flight unanswered
  EXPECT_EQ(counts().pending, 10);       // everything accepted is on disk
  EXPECT_GT(counts().oldest_pending_created_ms, 0);
  provider_.release();
  run_until([&] { return d.counters().delivered == 10 && counts().pending == 0; });
  EXPECT_EQ(counts().oldest_pending_created_ms, 0);  // nothing pending
  const std::set<std::string> distinct(provider_.sent.begin(), provider_.sent.end());
  EXPECT_EQ(distinct.size(), 10u);
  EXPECT_EQ(provider_.sent.size(), 10u);  // each sent once
}

TEST_F(DispatcherTest, TemporaryFailuresAreRetriedThenDelivered) {
  provider_.script = {failure(Outcome::kRetry, 500, "InternalServerError"),
                      failure(Outcome::kRetry, 429, "TooManyRequests")};
  auto& d = dispatcher();
  d.start();
  d.accept(notification("n1"), "example.org", [](bool) {});
  run_until([&] { return d.counters().delivered == 1 && counts().pending == 0; });
  EXPECT_EQ(provider_.sent.size(), 3u);
  EXPECT_EQ(d.counters().retried, 2u);
  EXPECT_EQ(counts().dead, 0);
  // What the status page shows for APNs: both failures, the last one's reason.
  const auto& apns = d.provider_tallies().at(push::Platform::kApns);
  EXPECT_EQ(apns.delivered, 1u);
  EXPECT_EQ(apns.failed, 2u);
  EXPECT_EQ(apns.last_error_status, 429);
  EXPECT_EQ(apns.last_error, "TooManyRequests");
  EXPECT_GE(apns.last_delivered_ms, apns.last_error_ms);
  EXPECT_EQ(d.provider_tallies().count(push::Platform::kFcm), 0u);
}

TEST_F(DispatcherTest, SpentBudgetLeavesADeadLetterWithTheLastReason) {
  for (int i = 0; i < 10; ++i) provider_.script.push_back(failure(Outcome::kRetry, 503, "ServiceUnavailable"));
  auto& d = dispatcher(3);
  d.start();
  d.accept(notification("n1"), "example.org", [](bool) {});
  run_until([&] { return counts().dead == 1; });
  EXPECT_EQ(provider_.sent.size(), 3u);
  const auto dead = *observer_->dead_letters(10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, "n1");
  EXPECT_EQ(dead[0].attempts, 3);
  EXPECT_EQ(dead[0].last_reason, "retries spent; last: ServiceUnavailable");
}

TEST_F(DispatcherTest, RejectedIsADeadLetterAtOnce) {
  provider_.script = {failure(Outcome::kRejected, 413, "PayloadTooLarge")};
  auto& d = dispatcher();
  d.start();
  d.accept(notification("n1"), "example.org", [](bool) {});
  run_until([&] { return counts().dead == 1; });
  EXPECT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ((*observer_->dead_letters(1))[0].last_reason, "PayloadTooLarge");
}

TEST_F(DispatcherTest, ExpiredIsDroppedAndNeverSentLate) {
  auto& d = dispatcher();
  auto n = notification("n1", std::chrono::seconds{0});
  n.created_at -= std::chrono::seconds{1};
  bool accepted = false;
  d.accept(n, "example.org", [&](bool stored) { accepted = stored; });
  run_until([&] { return d.counters().expired == 1 && counts().pending == 0; });
  EXPECT_TRUE(accepted);
  EXPECT_TRUE(provider_.sent.empty());
}

TEST_F(DispatcherTest, ReplaysWhatAPreviousRunLeft) {
  for (const char* id : {"left-1", "left-2"}) {
    const auto n = notification(id);
    store::OutboxEntry e;
    e.id = id;
    e.domain = "example.org";
    e.node = "N1";
    e.payload = push::to_json(n);
    e.created_ms = 1;
    e.expires_ms = std::numeric_limits<std::int64_t>::max();
    ASSERT_TRUE(observer_->enqueue(e));
  }
  auto& d = dispatcher();
  d.start();
  run_until([&] { return d.counters().delivered == 2 && counts().pending == 0; });
  std::sort(provider_.sent.begin(), provider_.sent.end());
  EXPECT_EQ(provider_.sent, (std::vector<std::string>{"left-1", "left-2"}));
}

TEST_F(DispatcherTest, AnotherInstancesLeasedEntryWaitsUntilItsLeaseRunsOut) {
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  for (const char* id : {"free", "theirs"}) {
    store::OutboxEntry e;
    e.id = id;
    e.domain = "example.org";
    e.node = "N1";
    e.payload = push::to_json(notification(id));
    e.expires_ms = std::numeric_limits<std::int64_t>::max();
    if (e.id == "theirs") {
      e.lease_owner = "the-other-instance";  // which then died
      e.lease_until_ms = now_ms() + 300;
    }
    ASSERT_TRUE(observer_->enqueue(e));
  }
  const auto lease_end = now_ms() + 300;
  auto& d = dispatcher();
  d.start();
  run_until([&] { return d.counters().delivered == 1; });
  EXPECT_EQ(provider_.sent, std::vector<std::string>{"free"});
  run_until([&] { return d.counters().delivered == 2 && counts().pending == 0; });
  EXPECT_EQ(provider_.sent, (std::vector<std::string>{"free", "theirs"}));
  EXPECT_GE(now_ms(), lease_end - 5);
}

TEST_F(DispatcherTest, ARestartUnderAFixedNameTakesBackItsOwnLeasesAtOnce) {
  // Pinned: the leases run an hour past the dispatcher's now.
  const std::chrono::system_clock::time_point now{std::chrono::hours{24 * 20'000}};
  const auto in_an_hour =
      std::chrono::duration_cast<std::chrono::milliseconds>((now + std::chrono::hours{1}).time_since_epoch()).count();
  for (const char* owner : {"a1", "a2"}) {
    store::OutboxEntry e;
    e.id = std::string{"claimed-by-"} + owner;  // before the crash
    e.domain = "example.org";
    e.node = "N1";
    auto n = notification(e.id);
    n.created_at = now;
    e.payload = push::to_json(n);
    e.expires_ms = std::numeric_limits<std::int64_t>::max();
    e.lease_owner = owner;
    e.lease_until_ms = in_an_hour;
    ASSERT_TRUE(observer_->enqueue(e));
  }
  auto& d = dispatcher(12, 10'000, "a1", [now] { return now; });
  d.start();
  run_until([&] { return d.counters().delivered == 1; });
  for (int i = 0; i < 20; ++i) io_.run_one_for(std::chrono::milliseconds{5});  // a few polls more
  EXPECT_EQ(provider_.sent, std::vector<std::string>{"claimed-by-a1"});  // a2's stays a2's
  EXPECT_EQ(counts().pending, 1);
}

TEST_F(DispatcherTest, DeadTokenDisablesTheRegistration) {
  store::Registration r;
  r.node = "N1";
  r.secret_hash = store::node_secret_hash("s");
  r.account = "alice@example.org";
  r.domain = "example.org";
  r.device_id = "d";
  r.platform = "apns";
  r.token = "00aa";
  ASSERT_TRUE(observer_->upsert_registration(r));
  provider_.script = {failure(Outcome::kTokenInvalid, 410, "Unregistered")};
  auto& d = dispatcher();
  d.accept(notification("n1"), "example.org", [](bool) {});
  run_until([&] { return d.counters().tokens_invalid == 1 && counts().pending == 0; });
  const auto found = *observer_->find_registration("example.org", "N1");
  EXPECT_FALSE(found->enabled);
  EXPECT_EQ(found->disabled_reason, "Unregistered");
}

TEST(NotificationJson, RoundTrip) {
  push::Notification n;
  n.id = "id";
  n.recipient = "alice@example.org";
  n.node = "N";
  n.device = {push::Platform::kApns, "00ff", "chat"};
  n.kind = push::Kind::kVoip;
  n.title = "t \xE2\x9C\x89";
  n.badge = 4;
  n.data = {{"k", "v"}};
  n.created_at = std::chrono::system_clock::time_point{std::chrono::milliseconds{1234}};
  n.ttl = std::chrono::seconds{60};
  const auto back = push::notification_from_json(push::to_json(n));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(push::to_json(*back), push::to_json(n));
  EXPECT_EQ(back->kind, push::Kind::kVoip);
  EXPECT_EQ(back->badge, 4);
  EXPECT_FALSE(push::notification_from_json("{\"id\":1}"));
}

TEST(NotificationJson, VendorPresentationAndTheTagSurviveTheOutbox) {
  push::Notification n;
  n.id = "id";
  n.device = {push::Platform::kHms, "token", "chat"};
  n.kind = push::Kind::kAlert;
  n.channel_id = "messages";
  n.importance = "high";
  n.vendor_category = "IM";
  n.tag = "msg-0123456789abcdef";
  const auto back = push::notification_from_json(push::to_json(n));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->channel_id, "messages");
  EXPECT_EQ(back->importance, "high");
  EXPECT_EQ(back->vendor_category, "IM");
  EXPECT_EQ(back->tag, "msg-0123456789abcdef");
  EXPECT_EQ(push::to_json(*back), push::to_json(n));
}

}  // namespace
}  // namespace xpush
