// The offline message store at scale, for one backend: batched insert rate,
// unread-count, latest-50-per-user and count latencies (p50 / p99), the time to purge one
// day, and outbox throughput (queue, claim, remove) on its own and while
// that purge runs on another connection, as a ratio. Prints figures;
// asserts nothing. Run by tests/bench/store_bench.sh for both backends.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "store/open_store.h"
#include "store/pg_db.h"

namespace {

using Clock = std::chrono::steady_clock;
using xpush::store::Store;
constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kFirstDay = 20'000 * kDay;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<Store> open(const xpush::store::StoreLocation& where) {
  auto s = xpush::store::open_store(where);
  if (!s) {
    std::fprintf(stderr, "store_bench: %s\n", s.error().message.c_str());
    std::exit(1);
  }
  return std::move(*s);
}

std::string user(std::int64_t i) { return "user" + std::to_string(i) + "@example.org"; }

// A chat stanza of a typical size (about 300 bytes).
std::string stanza(std::int64_t n) {
  return "<message xmlns='jabber:client' from='bob@example.org/phone' to='alice@example.org' type='chat' id='m" +
         std::to_string(n) + "'><body>See you at the station at half past six, the usual place</body>"
         "<origin-id xmlns='urn:xmpp:sid:0' id='o" + std::to_string(n) + "'/><request xmlns='urn:xmpp:receipts'/></message>";
}

void fill(Store& store, std::int64_t messages, std::int64_t users, int days) {
  constexpr std::int64_t kBatch = 1000;
  const std::int64_t spacing = std::max<std::int64_t>(1, days * kDay / messages);
  const auto start = Clock::now();
  std::vector<xpush::store::OfflineMessage> batch;
  for (std::int64_t n = 0; n < messages; n += kBatch) {
    batch.clear();
    for (std::int64_t i = n; i < std::min(messages, n + kBatch); ++i) {
      xpush::store::OfflineMessage m;
      m.account = user(i % users);
      m.domain = "example.org";
      m.sender = "bob@example.org";
      m.message_id = "m" + std::to_string(i);
      m.source = "stanza";
      m.content = stanza(i);
      m.received_ms = kFirstDay + i * spacing;
      batch.push_back(std::move(m));
    }
    if (auto r = store.store_messages(batch); !r) {
      std::fprintf(stderr, "store_bench: %s\n", r.error().message.c_str());
      std::exit(1);
    }
  }
  const double took = seconds_since(start);
  std::printf("insert: %lld messages over %lld users and %d days in %.1f s: %.0f messages/s (batches of %lld)\n",
              static_cast<long long>(messages), static_cast<long long>(users), days, took, messages / took,
              static_cast<long long>(kBatch));
}

template <class Query>
void latencies(const char* what, std::int64_t users, int samples, Query query) {
  std::mt19937_64 random{42};
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto who = user(static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(users)));
    const auto t = Clock::now();
    query(who);
    ms.push_back(seconds_since(t) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%s: p50 %.3f ms, p99 %.3f ms (%d users at random)\n", what, ms[ms.size() / 2],
              ms[ms.size() * 99 / 100], samples);
}

// Queues, claims and removes 50 notifications: one delivery round.
std::int64_t outbox_round(Store& store, const std::string& tag, std::int64_t& serial) {
  for (int i = 0; i < 50; ++i) {
    xpush::store::OutboxEntry e;
    e.id = tag + std::to_string(serial++);
    e.domain = "example.org";
    e.node = "N";
    e.payload = R"({"title":"New message","body":"See you at the station"})";
    e.expires_ms = 1;
    (void)store.enqueue(e);
  }
  auto due = store.claim_due(1, 50, {tag, 0});
  if (!due) return 0;
  for (const auto& e : *due) (void)store.remove_entry(e.id);
  return static_cast<std::int64_t>(due->size());
}

// Rounds until `keep_going` says stop (after one round at least): notifications per second.
template <class KeepGoing>
double outbox_rate(Store& store, const std::string& tag, KeepGoing keep_going) {
  std::int64_t done = 0, serial = 0;
  const auto start = Clock::now();
  do {
    done += outbox_round(store, tag, serial);
  } while (keep_going(start));
  return done / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"store benchmark"};
  xpush::store::StoreLocation where;
  std::int64_t messages = 1'000'000, users = 10'000;
  int days = 90, samples = 2000;
  bool fresh = true;
  app.add_option("--sqlite", where.sqlite_path, "SQLite file");
  app.add_option("--postgresql", where.postgresql_dsn, "libpq connection string");
  app.add_option("--messages", messages);
  app.add_option("--users", users);
  app.add_option("--days", days);
  app.add_option("--samples", samples);
  app.add_flag("!--reuse", fresh, "query what an earlier run stored");
  CLI11_PARSE(app, argc, argv);

  auto store = open(where);
  std::printf("%s\n", xpush::store::describe(where).c_str());
  if (fresh) fill(*store, messages, users, days);
  if (!where.postgresql_dsn.empty()) {
    // What autovacuum does over 90 days of traffic, done at once for the bulk load.
    const auto start = Clock::now();
    auto db = xpush::store::PgDb::connect(where.postgresql_dsn);
    if (db && db->exec("vacuuming", "VACUUM ANALYZE")) std::printf("VACUUM ANALYZE after the load: %.1f s\n", seconds_since(start));
  }
  latencies("unread count (the badge, asked per notification)", users, samples,
            [&](const std::string& who) { (void)store->unread_count(who); });
  latencies("latest 50 of a user", users, samples, [&](const std::string& who) { (void)store->messages_of(who, 50, 0); });
  latencies("count of a user", users, samples, [&](const std::string& who) { (void)store->count_messages(who); });

  const double alone = outbox_rate(*store, "alone", [](auto start) { return seconds_since(start) < 3; });
  std::atomic<bool> purging{true};
  std::atomic<bool> delivering{false};
  double during = 0;
  std::thread delivery{[&] {
    auto other = open(where);
    delivering = true;
    during = outbox_rate(*other, "during", [&](auto start) { return purging && seconds_since(start) < 600; });
  }};
  while (!delivering) std::this_thread::yield();
  const auto start = Clock::now();
  std::int64_t purged = 0;
  int steps = 0;
  for (;;) {
    auto step = store->purge_messages(kFirstDay + kDay, 1000);
    if (!step) {
      std::fprintf(stderr, "store_bench: %s\n", step.error().message.c_str());
      break;
    }
    purged += step->purged;
    ++steps;
    if (!step->more) break;
  }
  const double took = seconds_since(start);
  purging = false;
  delivery.join();
  std::printf("purge of one day: %lld messages in %.2f s (%d steps)\n", static_cast<long long>(purged), took, steps);
  std::printf("outbox: %.0f notifications/s alone, %.0f while purging: %.2f of alone\n", alone, during,
              alone > 0 ? during / alone : 0);
  return 0;
}
