#include "engine/app_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/json_writer.h"
#include "interceptor/iq.h"
#include "interceptor/jid.h"
#include "interceptor/offline_event.h"
#include "engine/notification_from_decision.h"
#include "engine/secrets.h"
#include "rules/event_facts.h"
#include "rules/loader.h"

namespace xpush {

using interceptor::Element;
using interceptor::ErrorType;
using interceptor::iq_error;

namespace {

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// ... and of a publish: the summary, as JSON.
store::OfflineMessage offline_message(const interceptor::OfflineEvent& e) {
  store::OfflineMessage m;
  m.account = e.recipient;
  m.domain = e.server_domain;
  if (auto sender = interceptor::Jid::parse(e.summary.last_message_sender)) m.sender = sender->bare();
  m.source = "summary";
  {
    base::JsonObjectWriter summary{m.content};
    summary.text("last_message_body", e.summary.last_message_body);
    summary.text("last_message_sender", e.summary.last_message_sender);
    if (e.summary.message_count) summary.text("message_count", *e.summary.message_count);
  }
  m.received_ms = epoch_ms(e.received_at);
  m.counts_unread = rules::EventFacts{e}.counts_as_unread();
  return m;
}

}  // namespace

Element temporary_failure(const Element& iq) {
  return iq_error(iq, ErrorType::kWait, "internal-server-error");
}

AppServer::AppServer(StoreWorker& store, Dispatcher& dispatcher, AppServerOptions options,
                     Reply reply)
    : store_(store),
      dispatcher_(dispatcher),
      options_(std::move(options)),
      reply_(std::move(reply)),
      registrations_limiter_(options_.limits.registration_burst, options_.limits.registration_refill),
      registrations_(options_.registration_cache, options_.registration_cache_entries) {}

bool AppServer::domain_allowed(const std::string& domain) const {
  return options_.server_domains.empty() ||
         std::find(options_.server_domains.begin(), options_.server_domains.end(), domain) !=
             options_.server_domains.end();
}

void AppServer::handle(Element stanza) {
  using interceptor::StanzaKind;
  switch (interceptor::classify(stanza)) {
    case StanzaKind::kPing: return reply_(interceptor::iq_result(stanza));
    case StanzaKind::kDiscoInfo: return reply_(interceptor::disco_info_result(stanza, disco_extensions()));
    case StanzaKind::kDiscoItems:
      return reply_(interceptor::disco_items_result(stanza, options_.component_domain));
    case StanzaKind::kPublish: return on_publish(std::move(stanza));
    case StanzaKind::kCommand: return on_command(std::move(stanza));
    case StanzaKind::kOtherRequest:
      return reply_(iq_error(stanza, ErrorType::kCancel, "service-unavailable"));
    case StanzaKind::kMessage: return on_message(std::move(stanza));
    case StanzaKind::kResponse:
    case StanzaKind::kPresence:
    case StanzaKind::kUnknown: return;
  }
}

void AppServer::refuse_publish(const Element& iq, const std::string& node, std::string_view reason) {
  ++counters_.publishes_refused;
  spdlog::warn("publish refused: node={} from={}: {}; answered cancel/item-not-found", node,
               iq.attr_or("from"), reason);
  reply_(iq_error(iq, ErrorType::kCancel, "item-not-found"));
}

void AppServer::on_publish(Element iq) {
  ++counters_.publishes;
  auto request = interceptor::parse_publish(iq);
  if (!request) {
    spdlog::warn("publish from {} is malformed: {}", iq.attr_or("from"), request.error());
    return reply_(iq_error(iq, ErrorType::kModify, "bad-request"));
  }
  // Publishes come from the user's server itself (a bare domain JID).
  const auto publisher = interceptor::Jid::parse(request->publisher);
  if (!publisher || !publisher->is_domain()) {
    return refuse_publish(iq, request->node, "publisher is not a server domain");
  }
  if (!domain_allowed(publisher->domain)) {
    return refuse_publish(iq, request->node, "server domain is not configured");
  }
  if (const auto* kept = registrations_.find(publisher->domain, request->node, options_.steady_clock());
      kept && kept->enabled && node_secret_matches(*kept, request->secret.value_or(""))) {
    ++counters_.publishes_verified_from_cache;
    return on_verified_publish(iq.head(), *request, *kept);
  }
  // Copied before the request moves into the completion (argument order is unspecified).
  auto lookup = [domain = publisher->domain, node = request->node](store::Store& s) {
    return s.find_registration(domain, node);
  };
  ++in_flight_;
  // From here on the publish is only answered: its head is all the reply needs.
  store_.run(
      std::move(lookup),
      [this, iq = iq.head(), request = std::move(*request)](auto found) {
        --in_flight_;
        if (!found) {
          store_faults_.note(found.error().message);
          return reply_(temporary_failure(iq));
        }
        if (!*found) return refuse_publish(iq, request.node, "unknown node for this server");
        const store::Registration& registration = **found;
        if (!registration.enabled) return refuse_publish(iq, request.node, "device disabled");
        if (!node_secret_matches(registration, request.secret.value_or(""))) {
          return refuse_publish(iq, request.node,
                                request.secret ? "wrong secret" : "no secret in publish-options");
        }
        registrations_.remember(registration, options_.steady_clock());
        on_verified_publish(iq, request, registration);
      });
}

void AppServer::on_verified_publish(const Element& iq, const interceptor::PublishRequest& request,
                                    const store::Registration& registration) {
  const auto now = std::chrono::system_clock::now();
  interceptor::OfflineEvent event;
  event.source = interceptor::EventSource::kPushSummary;
  event.recipient = registration.account;
  event.server_domain = registration.domain;
  event.node = request.node;
  event.summary = request.summary;
  event.received_at = now;
  // Kept in the transaction that queues the notification. xpush learns that
  // the user is back from the server's hook, or from the device registering
  // again (as clients that register at every login do).
  // (a device registered again keeps the secret issued before).
  const bool sees_returns =
      hooked_domains_.contains(registration.domain) || !registration.previous_secret_hash.empty();
  auto keep = [kept = offline_message(event), windows = windows_, now, sees_returns](store::Store& s) {
    return keep_summary(s, *windows, kept, sees_returns, now);
  };
  decide_and_send(event, registration, std::nullopt, std::move(keep),
                  [this, iq, node = request.node](Settled settled) {
                    if (settled == Settled::kCovered) {
                      ++counters_.publishes_covered;
                      spdlog::info("publish node={}: the forwarded message was decided already; answered result",
                                   node);
                    }
                    reply_(settled == Settled::kNotStored ? temporary_failure(iq) : interceptor::iq_result(iq));
                  });
}

void AppServer::decide_and_send(const interceptor::OfflineEvent& event,
                                const store::Registration& registration,
                                std::optional<std::int64_t> unread, KeepEvent keep,
                                std::function<void(Settled)> done) {
  const auto rules = options_.rules ? options_.rules() : rules::builtin_rules();
  const rules::Decision decision = rules->evaluate(event, event.received_at);
  const std::string modifier = decision.modifier.empty() ? "" : " (" + decision.modifier + ")";
  const char* source = event.source == interceptor::EventSource::kPushSummary ? "publish" : "forwarded";
  // A publish is paired with the forwarded message here; a forwarded
  // message was paired when it was looked up (on_message). Copied: the store
  // thread reads them after this returns.
  auto covered = [windows = windows_, from_publish = event.source == interceptor::EventSource::kPushSummary,
                  device = registration.domain + "/" + registration.node, now = event.received_at](store::Store& s) {
    return from_publish && windows->ledger.pair_publish(windows->in(s), device, now);
  };
  ++in_flight_;
  if (decision.action == rules::Action::kDrop) {
    // Answered as settled even when the store fails: nothing was promised.
    return store_.run(
        [covered = std::move(covered), keep = std::move(keep)](store::Store& s) -> store::StoreResult<bool> {
          if (covered(s)) return true;
          if (keep) keep(s);
          return false;
        },
        [this, done = std::move(done), source, node = event.node, rule = decision.rule, modifier](auto was_covered) {
          --in_flight_;
          if (was_covered && *was_covered) return done(Settled::kCovered);
          ++counters_.dropped_by_rules;
          spdlog::info("{} node={}: dropped by rule {}{}", source, node, rule, modifier);
          done(Settled::kStored);
        });
  }
  auto notification = notification_from_decision(decision, device_of(registration), options_.notification_ttl);
  route_call(notification, registration.voip_token);
  notification.id = random_uuid();
  notification.recipient = event.recipient;
  notification.node = event.node;
  notification.created_at = event.received_at;
  spdlog::debug("{} node={}: {} by rule {}{}, notification {}", source, event.node,
               rules::to_string(decision.action), decision.rule, modifier, notification.id);
  auto outcome = std::make_shared<Outcome>();
  // In the outbox row's transaction: the pairing, the throttle, the event
  // kept, the badge counted.
  auto before = [windows = windows_, covered = std::move(covered), keep = std::move(keep), unread, outcome,
                 throttle = decision.action == rules::Action::kAlert ? decision.throttle : std::nullopt,
                 domain = registration.domain, badge_unread = options_.badge_unread](
                    store::Store& s, push::Notification& n) -> Dispatcher::QueueAs {
    if (covered(s)) {
      outcome->covered = true;
      return {Dispatcher::QueueAs::kNot};
    }
    auto how = throttle ? fold_if_throttled(windows->throttle, s, windows->in(s), *throttle, domain, n, *outcome)
                        : Dispatcher::QueueAs{};
    const auto count = keep ? keep(s) : unread;
    if (badge_unread) apply_unread_badge(n, count);
    return how;
  };
  auto settle = [this, done = std::move(done), outcome, id = notification.id](bool stored) {
    --in_flight_;
    if (!stored) return done(Settled::kNotStored);
    if (outcome->covered) return done(Settled::kCovered);
    if (outcome->digest_id.empty()) {
      ++counters_.notifications;
    } else {
      ++counters_.folded;
      spdlog::info("notification {}: folded into digest {} ({} message(s), sent at the window's end)", id,
                   outcome->digest_id, outcome->folded);
    }
    done(Settled::kStored);
  };
  dispatcher_.accept(std::move(notification), registration.domain, std::move(settle), std::move(before));
}

// On the store thread. A folded alert is accepted too: throttling must
// never make the server drop the registration.
Dispatcher::QueueAs AppServer::fold_if_throttled(AlertThrottle& throttler, store::Store& s,
                                                 store::SharedWindows& windows,
                                                 const rules::Throttle& throttle, const std::string& domain,
                                                 push::Notification& n, Outcome& outcome) {
  if (throttle.window.count() <= 0) return {};
  // A store error reads as "not sent": the alert then joins the digest as before.
  auto digest_sent = [&s](const std::string& id) { return s.entry_claimed(id).value_or(false); };
  auto step = throttler.on_alert(windows, domain + "/" + n.node, n.created_at, throttle.window, random_uuid(),
                                 digest_sent);
  const auto* fold = std::get_if<AlertThrottle::Fold>(&step);
  if (!fold) return {};
  apply_alert(n, alert_for(n.device.platform, throttle.digest(fold->count)));
  n.id = fold->digest_id;
  n.created_at = fold->due;
  outcome.digest_id = fold->digest_id;
  outcome.folded = fold->count;
  return {Dispatcher::QueueAs::kDeferred, fold->due};
}

void AppServer::check_peers(const std::string& instance) {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  store_.run(
      [domain = options_.component_domain, instance, now](store::Store& s) {
        return s.shared_windows().instances_serving(domain, instance, now, kPeerLiveMs);
      },
      [this, windows = windows_](auto serving) {
        if (!serving) return store_faults_.note(serving.error().message);
        const bool shared = *serving > 1;
        if (windows->shared.exchange(shared) == shared) return;
        if (shared) {
          spdlog::info("instances: {} serve {}; throttle windows and the ledger are shared through the store",
                       *serving, options_.component_domain);
        } else {
          spdlog::info("instances: this one alone serves {}; throttle windows and the ledger kept in memory",
                       options_.component_domain);
        }
      });
}

}  // namespace xpush
