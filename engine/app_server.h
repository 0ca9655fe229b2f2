// The XEP-0357 app server: answers disco and ping, registers devices through
// ad-hoc commands, and turns each verified publish into a notification for
// the push layer. Every request gets exactly one reply.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "interceptor/element.h"
#include "interceptor/forwarded_message.h"
#include "interceptor/push_publish.h"
#include "interceptor/offline_event.h"
#include "interceptor/registration_command.h"
#include "engine/alert_throttle.h"
#include "engine/forward_ledger.h"
#include "engine/dispatcher.h"
#include "engine/registration_cache.h"
#include "engine/registration_limits.h"
#include "engine/store_worker.h"
#include "push/address_guard.h"
#include "rules/rule_set.h"
#include "store/shared_windows.h"

namespace xpush {

// ejabberd drops a registration on the first error that is not `wait`, so a
// store hiccup must never be answered otherwise.
interceptor::Element temporary_failure(const interceptor::Element& iq);

// The FORM_TYPE of the disco#info extension that carries the VAPID key.
inline constexpr std::string_view kWebPushFormType = "urn:xpush:webpush:0";

struct AppServerOptions {
  std::string component_domain;
  std::vector<std::string> server_domains;  // empty: any
  std::chrono::seconds notification_ttl{std::chrono::hours{24}};
  // Configured app names per platform; a registration may name one of them.
  // Empty: only the default app (no name) is accepted.
  std::vector<std::string> apns_apps;
  std::vector<std::string> fcm_apps;
  // The Android vendor channels configured ("hms", "xiaomi", ...) and their
  // app names; a vendor not listed refuses registrations.
  std::map<std::string, std::vector<std::string>, std::less<>> vendor_apps;
  // Web Push, when configured: which endpoints a subscription may name, and
  // the VAPID public key that clients subscribe with (shown in disco#info).
  std::optional<push::EndpointPolicy> webpush;
  std::string vapid_public_key;
  // The signed webhook is configured: devices may register for it.
  bool webhook = false;
  // The rules in force at the moment of asking; empty: the built-in rules.
  std::function<std::shared_ptr<const rules::RuleSet>()> rules;
  // Alerts whose rule sets no badge show the user's unread count.
  bool badge_unread = true;
  // When a user is back, their phones get a silent push setting the badge to 0.
  bool clear_badge_on_return = false;
  AbuseLimits limits;
  // How long a registration that verified a publish is trusted without
  // asking the store again (0: always ask); see registration_cache.h.
  std::chrono::milliseconds registration_cache{10'000};
  std::size_t registration_cache_entries = 100'000;
  // The clock of the registration rate limit and the registration cache.
  std::function<std::chrono::steady_clock::time_point()> steady_clock = [] {
    return std::chrono::steady_clock::now();
  };
};

struct AppServerCounters {
  std::uint64_t publishes = 0;
  std::uint64_t publishes_refused = 0;
  std::uint64_t notifications = 0;
  std::uint64_t registrations = 0;
  std::uint64_t dropped_by_rules = 0;
  std::uint64_t folded = 0;  // alerts folded into a throttling digest
  std::uint64_t forwarded = 0;            // messages from the forwarding hook
  std::uint64_t forwarded_refused = 0;    // malformed, or from a server not configured
  std::uint64_t forwarded_duplicates = 0; // the same message forwarded again
  std::uint64_t publishes_covered = 0;    // publishes for a message already forwarded
  std::uint64_t forwarded_covered = 0;    // forwarded messages already published
  std::uint64_t users_back = 0;           // unread counts reset by the server hook
  std::uint64_t chats_read = 0;           // chats read on another device (server hook)
  std::uint64_t registrations_over_cap = 0;      // refused: the account has its most devices
  std::uint64_t registrations_rate_limited = 0;  // refused: too many in a short time
  std::uint64_t registrations_superseded = 0;    // same token under another device id, replaced
  std::uint64_t notifications_over_ceiling = 0;  // devices left out of one event's fan-out
  std::uint64_t publishes_verified_from_cache = 0;  // no store round trip to verify
};

class AppServer {
 public:
  using Reply = std::function<void(const interceptor::Element&)>;

  AppServer(StoreWorker& store, Dispatcher& dispatcher, AppServerOptions options, Reply reply);

  void handle(interceptor::Element stanza);
  const AppServerCounters& counters() const { return counters_; }
  // Requests received and not yet answered (their store work is running).
  std::size_t in_flight() const { return in_flight_; }
  // Notes that this instance (named as its outbox leases are) serves the
  // component domain, and learns whether others do: call every
  // kPeerEveryMs. An instance not seen for kPeerLiveMs is gone.
  static constexpr std::int64_t kPeerEveryMs = 5'000;
  static constexpr std::int64_t kPeerLiveMs = 15'000;
  void check_peers(const std::string& instance);
  bool shares_windows() const { return windows_->shared.load(); }
  // Throttle and ledger calls whose shared windows failed (read from any thread).
  std::uint64_t shared_windows_faults() const {
    return windows_->throttle.faults() + windows_->ledger.faults() + windows_->summaries.faults();
  }
  // The registration changed behind this app server's back (a dead token).
  void forget_registration(const std::string& domain, const std::string& node) {
    registrations_.forget(domain, node);
  }

 private:
  void on_publish(interceptor::Element iq);
  void on_verified_publish(const interceptor::Element& iq, const interceptor::PublishRequest& request,
                           const store::Registration& registration);
  void on_message(interceptor::Element message);
  struct Found;  // what the store said of a forwarded message (app_server.cc)
  void on_forwarded(const interceptor::ForwardedMessage& forwarded, const Found& found,
                    std::chrono::system_clock::time_point now);
  // On the store thread, in the transaction that queues the notification:
  // keeps what the event brought and returns the recipient's unread count.
  using KeepEvent = std::function<std::optional<std::int64_t>(store::Store&)>;
  enum class Settled {
    kStored,     // queued (or folded into a digest, or dropped by the rules)
    kCovered,    // the message's other path decided for this device already
    kNotStored,  // the store failed: nothing will be sent
  };
  // What the store thread decided for one notification.
  struct Outcome {
    bool covered = false;
    std::string digest_id;  // non-empty: folded into this digest
    int folded = 0;         // alerts in that digest so far
  };
  // Rules, then the pairing and the throttle in the store, then the outbox;
  // `done` once that is settled. `keep`, when there is one, runs even when
  // the rules drop the event; without it, `unread` is the recipient's count,
  // known already.
  void decide_and_send(const interceptor::OfflineEvent& event, const store::Registration& registration,
                       std::optional<std::int64_t> unread, KeepEvent keep, std::function<void(Settled)> done);
  static Dispatcher::QueueAs fold_if_throttled(AlertThrottle& throttler, store::Store& s,
                                               store::SharedWindows& windows, const rules::Throttle& throttle,
                                               const std::string& domain, push::Notification& n,
                                               Outcome& outcome);
  // app_server_badge.cc
  void on_user_back(const interceptor::Element& message);
  void on_chat_read(const interceptor::Element& message);
  void clear_badges(const std::vector<store::Registration>& devices);
  // A silent push to each of `devices` (Apple's alone when `apple_only`),
  // at most the ceiling of one event.
  struct SilentPush {
    std::string rule;  // as notifications name the rule that decided them
    std::optional<int> badge;
    std::map<std::string, std::string> data;
    bool apple_only = false;
  };
  void push_silently(const std::vector<store::Registration>& devices, const SilentPush& push);
  void on_command(interceptor::Element iq);
  void on_register(interceptor::Element iq, interceptor::RegistrationCommand command);
  std::vector<std::pair<std::string, std::string>> disco_extensions() const;
  tl::expected<std::string, std::string> webpush_token(const interceptor::RegistrationCommand& command) const;
  void on_unregister(interceptor::Element iq, interceptor::RegistrationCommand command);
  void refuse_publish(const interceptor::Element& iq, const std::string& node,
                      std::string_view reason);
  bool domain_allowed(const std::string& domain) const;

  StoreWorker& store_;
  Dispatcher& dispatcher_;
  AppServerOptions options_;
  Reply reply_;
  AppServerCounters counters_;
  // Used on the store thread. Their state is in the store's shared windows
  // while another instance serves the same component domain (ejabberd
  // balancing one component over several connections), and in memory while
  // this one serves it alone, where sharing would only cost round trips.
  struct Windows {
    AlertThrottle throttle;
    ForwardLedger ledger{"forward", std::chrono::minutes{15}, std::chrono::seconds{10}};
    // One summary per message: a server publishes it once for each device.
    ForwardLedger summaries{"summary", std::chrono::seconds{5}, std::chrono::seconds{5}};
    std::atomic<bool> shared{false};  // set by check_peers()
    std::unique_ptr<store::SharedWindows> local = store::memory_shared_windows();
    store::SharedWindows& in(store::Store& s) {
      return shared.load(std::memory_order_relaxed) ? s.shared_windows() : *local;
    }
  };
  std::shared_ptr<Windows> windows_ = std::make_shared<Windows>();
  // app_server_badge.cc. On the store thread: keeps a publish's summary and
  // returns the recipient's unread count where it is exact, nullopt where
  // xpush cannot know it (docs/store.md#the-badge-unread-offline-messages).
  static std::optional<std::int64_t> keep_summary(store::Store& s, Windows& windows,
                                                  const store::OfflineMessage& kept, bool sees_returns,
                                                  std::chrono::system_clock::time_point now);
  // Server domains whose forwarding hook has spoken since the start: they
  // tell when a user is back.
  std::unordered_set<std::string> hooked_domains_;
  // A store that is away fails every lookup: summarised.
  FaultLog store_faults_{"store: lookup failed; publishes answered wait, forwarded messages not pushed"};
  KeyedRateLimiter registrations_limiter_;
  RegistrationCache registrations_;
  std::size_t in_flight_ = 0;
};

}  // namespace xpush
