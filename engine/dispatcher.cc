#include "engine/dispatcher.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "push/notification_json.h"

namespace xpush {

using store::OutboxEntry;

namespace {
std::string default_instance_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::random_device random;
  return std::string{host} + ":" + std::to_string(getpid()) + ":" + std::to_string(random() % 100'000);
}
}  // namespace

Dispatcher::Dispatcher(boost::asio::any_io_executor executor, StoreWorker& store,
                       push::Provider& provider, DispatcherOptions options, Clock clock)
    : executor_(executor),
      store_(store),
      provider_(provider),
      options_(std::move(options)),
      clock_(std::move(clock)),
      instance_(options_.instance.empty() ? default_instance_name() : options_.instance),
      poll_timer_(executor) {}

store::Lease Dispatcher::lease_from_now() const { return {instance_, now_ms() + options_.lease.count()}; }

std::int64_t Dispatcher::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

void Dispatcher::start() {
  running_ = true;
  if (options_.instance.empty()) return poll();
  // A fixed name: what this instance claimed before it died (kill -9, a
  // power cut) is its own again at once, not when the lease runs out.
  polling_ = true;
  store_.run([owner = instance_](store::Store& s) { return s.release_leases(owner); },
             [this](auto released) {
               polling_ = false;
               if (!released) {
                 spdlog::error("outbox: leases of instance {} not released: {}", instance_,
                               released.error().message);
               } else if (*released > 0) {
                 spdlog::info("outbox: {} notification(s) claimed by this instance before a restart, sent now",
                              *released);
               }
               poll();
             });
}

void Dispatcher::stop() {
  running_ = false;
  poll_timer_.cancel();
}

namespace {
std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The row without its payload, which is written last (see queue()).
OutboxEntry outbox_entry(const push::Notification& n, std::string domain) {
  OutboxEntry entry;
  entry.id = n.id;
  entry.domain = std::move(domain);
  entry.node = n.node;
  entry.created_ms = epoch_ms(n.created_at);
  entry.expires_ms = entry.created_ms + std::chrono::milliseconds{n.ttl}.count();
  return entry;
}

struct Queued {
  Dispatcher::QueueAs how;
  OutboxEntry entry;
  push::Notification notification;
};
}  // namespace

void Dispatcher::accept(push::Notification n, std::string domain, std::function<void(bool)> stored,
                        BeforeQueue before) {
  OutboxEntry entry = outbox_entry(n, std::move(domain));
  entry.next_attempt_ms = now_ms();
  // With max_in_flight sent and unanswered (a slow provider), the backlog
  // waits in the outbox, not in memory: stored unleased, the poll sends it
  // once answers make room.
  if (in_flight_.size() < options_.max_in_flight) {
    const auto lease = lease_from_now();  // ours to send as soon as it is stored
    entry.lease_owner = lease.owner;
    entry.lease_until_ms = lease.until_ms;
    in_flight_.insert(entry.id);
  } else {
    backlogged_ = true;
  }
  queue(std::move(entry), std::move(n), std::move(before), std::move(stored));
}

void Dispatcher::queue(OutboxEntry entry, push::Notification n, BeforeQueue before,
                       std::function<void(bool)> stored) {
  const auto id = entry.id;
  const bool leased = !entry.lease_owner.empty();
  store_.run(
      [entry = std::move(entry), n = std::move(n), before = std::move(before)](
          store::Store& s) mutable -> store::StoreResult<Queued> {
        const QueueAs how = before ? before(s, n) : QueueAs{};
        if (how.kind == QueueAs::kNot) return Queued{how, {}, {}};
        if (how.kind == QueueAs::kDeferred) {
          // `before` may have named it anew (a digest): the row follows the notification.
          entry = outbox_entry(n, std::move(entry.domain));
          entry.next_attempt_ms = epoch_ms(how.due);  // the poll sends it from then on
        }
        entry.payload = push::to_json(n);  // for a retry or a restart
        if (auto queued = s.enqueue(entry); !queued) return tl::unexpected(queued.error());
        entry.payload = {};  // sent from the notification in hand
        return Queued{how, std::move(entry), std::move(n)};
      },
      [this, id, stored = std::move(stored), leased](auto queued) mutable {
        const bool send_now = leased && queued && queued->how.kind == QueueAs::kNow;
        if (leased && !send_now) in_flight_.erase(id);
        if (!queued) {
          not_queued_.note(queued.error().message);
          return stored(false);
        }
        if (queued->how.kind != QueueAs::kNot) ++counters_.accepted;
        stored(true);
        if (send_now && !dropped_as_expired(queued->entry)) send(std::move(queued->entry), queued->notification);
      });
}

void Dispatcher::schedule_poll() {
  if (!running_) return;
  poll_timer_.expires_after(options_.poll_interval);
  poll_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll();
  });
}

void Dispatcher::poll() {
  if (!running_ || polling_) return;
  if (in_flight_.size() >= options_.max_in_flight) {
    backlogged_ = true;  // polled again as soon as answers make room
    return schedule_poll();
  }
  polling_ = true;
  const auto limit = std::min(options_.batch, options_.max_in_flight - in_flight_.size());
  store_.run([now = now_ms(), limit, lease = lease_from_now()](store::Store& s) {
               return s.claim_due(now, limit, lease);
             },
             [this, limit](auto due) {
               polling_ = false;
               if (!due) {
                 spdlog::error("outbox: {}", due.error().message);
                 return schedule_poll();
               }
               for (auto& entry : *due) {
                 if (in_flight_.insert(entry.id).second) deliver(std::move(entry));
               }
               // A full batch: more are due; fetch them now rather than next round.
               if (due->size() >= limit) return poll();
               schedule_poll();
             });
}

void Dispatcher::on_room() {
  if (!backlogged_ || in_flight_.size() > options_.max_in_flight / 2) return;
  backlogged_ = false;
  poll();
}

bool Dispatcher::dropped_as_expired(const OutboxEntry& entry) {
  if (now_ms() <= entry.expires_ms) return false;
  ++counters_.expired;
  spdlog::warn("notification {}: expired after {} attempt(s); dropped, not sent late", entry.id,
               entry.attempts);
  const auto id = entry.id;
  finish(id, [id](store::Store& s) { return s.remove_entry(id); });
  return true;
}

void Dispatcher::deliver(OutboxEntry entry) {
  if (dropped_as_expired(entry)) return;
  auto notification = push::notification_from_json(entry.payload);
  if (!notification) {
    ++counters_.dead_letters;
    const auto id = entry.id;
    const auto reason = "unreadable outbox entry: " + notification.error();
    spdlog::error("notification {}: {}", id, reason);
    return finish(id, [id, reason, n = entry.attempts](store::Store& s) { return s.bury_entry(id, n, reason); });
  }
  send(std::move(entry), *notification);
}

void Dispatcher::send(OutboxEntry entry, const push::Notification& notification) {
  ++counters_.attempts;
  provider_.send(notification, [this, platform = notification.device.platform,
                                 entry = std::move(entry)](push::PushResult result) mutable {
    tally(platform, result);
    on_result(std::move(entry), std::move(result));
  });
}

void Dispatcher::tally(push::Platform platform, const push::PushResult& result) {
  auto& t = tallies_[platform];
  if (result.outcome == push::Outcome::kDelivered) {
    ++t.delivered;
    t.last_delivered_ms = now_ms();
    return;
  }
  ++t.failed;
  t.last_error_ms = now_ms();
  t.last_error_status = result.status;
  t.last_error = result.reason;
}

void Dispatcher::on_result(OutboxEntry entry, push::PushResult result) {
  const auto id = entry.id;
  const int attempts = entry.attempts + 1;
  if (auto watcher = watchers_.find(id); watcher != watchers_.end()) {
    auto f = std::move(watcher->second);
    watchers_.erase(watcher);
    f(result);
  }
  switch (result.outcome) {
    case push::Outcome::kDelivered:
      ++counters_.delivered;
      spdlog::debug("notification {}: delivered (attempt {})", id, attempts);
      return remove_delivered(id);
    case push::Outcome::kTokenInvalid: {
      ++counters_.tokens_invalid;
      spdlog::warn("notification {}: device token dead ({})", id, result.reason);
      if (registration_disabled_) registration_disabled_(entry.domain, entry.node);
      const auto dead_since = result.token_dead_since.value_or(std::chrono::milliseconds{0}).count();
      return finish(
          id,
          [id, entry, reason = result.reason, dead_since](store::Store& s) -> store::StoreResult<void> {
            auto disabled = s.disable_registration(entry.domain, entry.node, reason, dead_since);
            if (!disabled) return tl::unexpected(disabled.error());
            return s.remove_entry(id);
          },
          "node " + entry.node + " disabled: the provider reported its device token dead",
          [this, domain = entry.domain, node = entry.node] {
            // Again: a publish may have read the registration before it was disabled.
            if (registration_disabled_) registration_disabled_(domain, node);
          });
    }
    case push::Outcome::kRejected:
      ++counters_.dead_letters;
      spdlog::error("notification {}: rejected: {} (status {}); kept as a dead letter", id,
                    result.reason, result.status);
      return finish(id, [id, attempts, reason = result.reason](store::Store& s) {
        return s.bury_entry(id, attempts, reason);
      });
    case push::Outcome::kRetry:
    case push::Outcome::kRefreshAuth:
      break;
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto delay = push::retry_delay(options_.retry, attempts, result, unit(rng_));
  if (!delay) {
    ++counters_.dead_letters;
    const auto reason = "retries spent; last: " + result.reason;
    spdlog::error("notification {}: {}; kept as a dead letter", id, reason);
    return finish(id, [id, attempts, reason](store::Store& s) { return s.bury_entry(id, attempts, reason); });
  }
  const auto next = now_ms() + delay->count();
  if (next > entry.expires_ms) {
    ++counters_.expired;
    spdlog::warn("notification {}: {}; it would expire before the next attempt, dropped", id,
                 result.reason);
    return finish(id, [id](store::Store& s) { return s.remove_entry(id); });
  }
  ++counters_.retried;
  spdlog::info("notification {}: {} (status {}); attempt {} in {} ms", id, result.reason,
               result.status, attempts + 1, delay->count());
  finish(id, [id, attempts, next, reason = result.reason](store::Store& s) {
    return s.reschedule_entry(id, attempts, next, reason);
  });
}

void Dispatcher::finish(const std::string& id,
                        std::function<store::StoreResult<void>(store::Store&)> update,
                        std::string done_message, std::function<void()> after) {
  // The entry stays in flight until the store has its new state, so a poll
  // in between cannot send it twice.
  store_.run(std::move(update), [this, id, done_message = std::move(done_message),
                                 after = std::move(after)](auto done) {
    if (!done) {
      spdlog::error("notification {}: outbox update failed: {}", id, done.error().message);
    } else if (!done_message.empty()) {
      spdlog::info("{}", done_message);
    }
    if (after) after();
    in_flight_.erase(id);
    on_room();
  });
}

void Dispatcher::remove_delivered(const std::string& id) {
  delivered_.push_back(id);
  if (!removing_) flush_delivered();
}

void Dispatcher::flush_delivered() {
  removing_ = true;
  auto ids = std::make_shared<std::vector<std::string>>(std::move(delivered_));
  delivered_.clear();
  // The entries stay in flight until the store has removed them, so a poll
  // in between cannot send them twice.
  store_.run([ids](store::Store& s) { return s.remove_entries(*ids); },
             [this, ids](auto removed) {
               if (!removed) {
                 spdlog::error("outbox: {} delivered notification(s) not removed: {}", ids->size(),
                               removed.error().message);
               }
               for (const auto& id : *ids) in_flight_.erase(id);
               removing_ = false;
               if (!delivered_.empty()) flush_delivered();
               on_room();
             });
}

}  // namespace xpush
