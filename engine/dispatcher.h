// At-least-once delivery: a notification is written to the outbox before the
// XMPP server is told it was accepted, then sent; temporary failures are
// retried on the policy's schedule, a spent budget leaves a dead letter with
// the last reason, anything past its expiry is dropped (never sent late),
// and whatever the outbox holds at start is sent again. Entries are claimed
// under a lease, so instances sharing one store never send the same one
// while its sender lives.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/fault_log.h"
#include "engine/store_worker.h"
#include "push/notification.h"
#include "push/provider.h"
#include "push/retry_policy.h"

namespace xpush {

struct DispatcherOptions {
  push::RetryPolicy retry;
  std::chrono::milliseconds poll_interval{1000};
  std::size_t batch = 256;           // due entries read per poll
  // Sent and not yet answered, at most; beyond, accepted notifications wait
  // in the outbox (on disk) until answers make room.
  std::size_t max_in_flight = 10'000;
  // How long a claimed notification is this instance's alone. Instances
  // sharing a store leave it alone until then; after a crash, another one
  // sends it once the lease has run out.
  std::chrono::milliseconds lease{60'000};
  // Names this instance's leases; empty: host, PID and a random suffix. A
  // fixed name must be unique among the instances sharing a store: at start,
  // the instance takes back the leases its name holds.
  std::string instance;
};

struct DispatcherCounters {
  std::uint64_t accepted = 0;
  std::uint64_t attempts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;
  std::uint64_t expired = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t tokens_invalid = 0;
};

// One push service's answers as this instance saw them.
struct ProviderTally {
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;  // every answer but delivered
  std::int64_t last_delivered_ms = 0;
  std::int64_t last_error_ms = 0;
  int last_error_status = 0;
  std::string last_error;
};

class Dispatcher {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  Dispatcher(boost::asio::any_io_executor executor, StoreWorker& store, push::Provider& provider,
             DispatcherOptions options, Clock clock);

  // Starts polling the outbox, which also replays what a previous run left.
  void start();
  void stop();

  // How `before` wants the notification queued.
  struct QueueAs {
    enum Kind {
      kNow,       // sent at once
      kDeferred,  // sent at `due`; queueing the same id again before then replaces it
      kNot,       // not queued at all (a step before found it covered)
    } kind = kNow;
    std::chrono::system_clock::time_point due{};
  };
  // Runs on the store thread in the transaction that queues the
  // notification, just before its row is written, and may finish it (the
  // badge from the unread count it keeps there, a digest's id and text).
  using BeforeQueue = std::function<QueueAs(store::Store&, push::Notification&)>;

  // Persists the notification; `stored(true)` once it is on disk (answer the
  // server then), `stored(false)` if the store failed (nothing will be sent).
  void accept(push::Notification notification, std::string domain,
              std::function<void(bool stored)> stored, BeforeQueue before = {});
  // Told when a provider reported a device token dead and its registration
  // was disabled.
  void on_registration_disabled(std::function<void(const std::string& domain, const std::string& node)> f) {
    registration_disabled_ = std::move(f);
  }

  // `f` gets the provider's first answer for notification `id` (an
  // operator's test push); called once, on the loop.
  void watch(const std::string& id, std::function<void(const push::PushResult&)> f) { watchers_[id] = std::move(f); }
  void unwatch(const std::string& id) { watchers_.erase(id); }

  const DispatcherCounters& counters() const { return counters_; }
  const std::map<push::Platform, ProviderTally>& provider_tallies() const { return tallies_; }
  // The name of this instance's leases.
  const std::string& instance() const { return instance_; }

 private:
  void schedule_poll();
  void poll();
  // Answers made room: a backlog left in the outbox is fetched now.
  void on_room();
  void deliver(store::OutboxEntry entry);
  void send(store::OutboxEntry entry, const push::Notification& notification);
  // Past its expiry: removed from the outbox (never sent late) and true.
  bool dropped_as_expired(const store::OutboxEntry& entry);
  void on_result(store::OutboxEntry entry, push::PushResult result);
  void tally(push::Platform platform, const push::PushResult& result);
  // Queues the row in the store, `before` first, in one store call.
  void queue(store::OutboxEntry entry, push::Notification notification, BeforeQueue before,
             std::function<void(bool stored)> stored);
  // Writes the entry's new state; `done_message` is logged and `after` runs
  // once it is stored.
  void finish(const std::string& id, std::function<store::StoreResult<void>(store::Store&)> update,
              std::string done_message = {}, std::function<void()> after = {});
  // Delivered rows are removed together: one store call for all that were
  // delivered while the previous removal ran.
  void remove_delivered(const std::string& id);
  void flush_delivered();
  std::int64_t now_ms() const;
  store::Lease lease_from_now() const;

  boost::asio::any_io_executor executor_;
  StoreWorker& store_;
  push::Provider& provider_;
  DispatcherOptions options_;
  Clock clock_;
  std::string instance_;
  boost::asio::steady_timer poll_timer_;
  std::set<std::string> in_flight_;  // sent or being updated: the poll leaves them alone
  std::vector<std::string> delivered_;  // waiting for removal
  bool removing_ = false;              // a removal is in the store's hands
  bool backlogged_ = false;            // due entries left in the outbox for want of room
  std::function<void(const std::string&, const std::string&)> registration_disabled_;
  std::map<std::string, std::function<void(const push::PushResult&)>> watchers_;
  bool polling_ = false;
  bool running_ = false;
  DispatcherCounters counters_;
  std::map<push::Platform, ProviderTally> tallies_;
  // A store that is away refuses every notification: summarised.
  FaultLog not_queued_{"outbox: notifications not queued, nothing will be sent for them"};
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace xpush
