#include "engine/app_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/json_writer.h"
#include "interceptor/forwarded_message.h"
#include "interceptor/iq.h"
#include "interceptor/jid.h"
#include "interceptor/offline_event.h"
#include "interceptor/user_back.h"
#include "engine/notification_from_decision.h"
#include "engine/secrets.h"
#include "rules/loader.h"

namespace xpush {

using interceptor::Element;
using interceptor::ErrorType;
using interceptor::iq_error;

namespace {

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// What the message store keeps of a forwarded message: the stanza itself.
store::OfflineMessage offline_message(const interceptor::ForwardedMessage& f,
                                      std::chrono::system_clock::time_point now) {
  store::OfflineMessage m;
  m.account = f.recipient;
  m.domain = f.server_domain;
  if (auto sender = interceptor::Jid::parse(f.message.attr_or("from"))) m.sender = sender->bare();
  m.message_id = std::string{f.message.attr_or("id")};
  m.source = "stanza";
  m.content = interceptor::serialize(f.message, "");
  m.received_ms = epoch_ms(now);
  return m;
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
    case StanzaKind::kDiscoInfo: return reply_(interceptor::disco_info_result(stanza));
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
          spdlog::error("publish node={}: store: {}", request.node, found.error().message);
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
  if (ledger_.covers_publish(registration.domain + "/" + registration.node, now)) {
    ++counters_.publishes_covered;
    spdlog::info("publish node={}: the forwarded message was decided already; answered result",
                 request.node);
    return reply_(interceptor::iq_result(iq));
  }
  ledger_.published(registration.domain + "/" + registration.node, now);
  interceptor::OfflineEvent event;
  event.source = interceptor::EventSource::kPushSummary;
  event.recipient = registration.account;
  event.server_domain = registration.domain;
  event.node = request.node;
  event.summary = request.summary;
  event.received_at = now;
  // Every device's publish carries the same summary: it is kept once, in
  // the transaction that queues the notification (one store call per publish).
  auto kept = offline_message(event);
  const bool first = summaries_.first_sighting(kept.account + '\n' + kept.content, now);
  auto keep = [kept = std::move(kept), first](store::Store& s) -> std::optional<std::int64_t> {
    if (first) {
      auto unread = s.store_message_counting_unread(kept);
      if (unread) return *unread;
      spdlog::error("publish: summary not kept: {}", unread.error().message);
    }
    auto unread = s.unread_count(kept.account);
    if (!unread) {
      spdlog::error("publish: unread count: {}", unread.error().message);
      return std::nullopt;
    }
    return *unread;
  };
  decide_and_send(event, registration, std::nullopt, std::move(keep), [this, iq](bool stored) {
    reply_(stored ? interceptor::iq_result(iq) : temporary_failure(iq));
  });
}

void AppServer::on_message(Element message) {
  if (interceptor::is_user_back(message)) return on_user_back(message);
  if (!interceptor::is_forwarded_message(message)) return;  // nothing else is addressed to us
  ++counters_.forwarded;
  auto forwarded = interceptor::parse_forwarded_message(message);
  if (!forwarded) {
    ++counters_.forwarded_refused;
    return spdlog::warn("forwarded message from {} refused: {}", message.attr_or("from"), forwarded.error());
  }
  if (!domain_allowed(forwarded->server_domain)) {
    ++counters_.forwarded_refused;
    return spdlog::warn("forwarded message from {} refused: server domain is not configured",
                        forwarded->server_domain);
  }
  const auto now = std::chrono::system_clock::now();
  if (!ledger_.first_sighting(forwarded->message_key, now)) {
    ++counters_.forwarded_duplicates;
    return spdlog::info("forwarded message for a user of {}: already decided, pushed once",
                        forwarded->server_domain);
  }
  // Built before the message moves into the completion (argument order is unspecified).
  using Found = std::pair<std::vector<store::Registration>, std::optional<std::int64_t>>;
  auto lookup = [kept = offline_message(*forwarded, now),
                 account = forwarded->recipient](store::Store& s) -> store::StoreResult<Found> {
    std::optional<std::int64_t> unread;
    if (auto stored = s.store_message(kept); !stored) {
      spdlog::error("forwarded message: not kept: {}", stored.error().message);
    } else if (auto n = s.unread_count(account)) {
      unread = *n;
    }
    auto devices = s.registrations_of(account);
    if (!devices) return tl::unexpected(devices.error());
    return Found{std::move(*devices), unread};
  };
  ++in_flight_;
  store_.run(std::move(lookup),
             [this, forwarded = std::move(*forwarded), now](auto found) {
               --in_flight_;
               if (!found) {
                 // The server keeps the message offline; only this wake-up is lost.
                 return spdlog::error("forwarded message: store: {}; not pushed", found.error().message);
               }
               on_forwarded(forwarded, found->first, found->second, now);
             });
}

void AppServer::on_forwarded(const interceptor::ForwardedMessage& forwarded,
                             const std::vector<store::Registration>& devices,
                             std::optional<std::int64_t> unread, std::chrono::system_clock::time_point now) {
  const auto& message = forwarded.message;
  const std::string room = message.attr_or("type") == "groupchat"
                               ? interceptor::Jid::parse(message.attr_or("from")).value_or(interceptor::Jid{}).bare()
                               : std::string{};
  std::size_t decided = 0, over_ceiling = 0;
  for (const auto& device : devices) {
    if (device.domain != forwarded.server_domain || (!device.muc.empty() && device.muc != room)) continue;
    if (decided >= options_.limits.notifications_per_event) {
      ++over_ceiling;
      continue;
    }
    const std::string key = device.domain + "/" + device.node;
    if (ledger_.covers_forwarded(key, now)) {
      ++counters_.forwarded_covered;
      spdlog::info("forwarded node={}: its XEP-0357 publish was decided already; not pushed again",
                   device.node);
      continue;
    }
    interceptor::OfflineEvent event;
    event.source = interceptor::EventSource::kForwardedStanza;
    event.recipient = device.account;
    event.server_domain = device.domain;
    event.node = device.node;
    event.stanza = message;
    event.received_at = now;
    ledger_.forwarded(key, now);
    decide_and_send(event, device, unread, {}, [node = device.node](bool stored) {
      if (!stored) spdlog::error("forwarded message for node {}: not stored; not pushed", node);
    });
    ++decided;
  }
  if (decided == 0) spdlog::debug("forwarded message: no device registered for the recipient");
  if (over_ceiling > 0) {
    counters_.notifications_over_ceiling += over_ceiling;
    spdlog::warn("forwarded message for {}: {} more devices left out (at most {} notifications per message)",
                 forwarded.recipient, over_ceiling, options_.limits.notifications_per_event);
  }
}

void AppServer::decide_and_send(const interceptor::OfflineEvent& event,
                                const store::Registration& registration,
                                std::optional<std::int64_t> unread, KeepEvent keep,
                                std::function<void(bool stored)> done) {
  const auto rules = options_.rules ? options_.rules() : rules::builtin_rules();
  const rules::Decision decision = rules->evaluate(event, event.received_at);
  const std::string modifier = decision.modifier.empty() ? "" : " (" + decision.modifier + ")";
  const char* source = event.source == interceptor::EventSource::kPushSummary ? "publish" : "forwarded";
  if (decision.action == rules::Action::kDrop) {
    ++counters_.dropped_by_rules;
    spdlog::info("{} node={}: dropped by rule {}{}", source, event.node, decision.rule, modifier);
    if (!keep) return done(true);
    ++in_flight_;
    return store_.run(
        [keep = std::move(keep)](store::Store& s) -> store::StoreResult<void> {
          keep(s);
          return {};
        },
        [this, done = std::move(done)](auto) {
          --in_flight_;
          done(true);
        });
  }
  auto notification = notification_from_decision(decision, device_of(registration), options_.notification_ttl);
  notification.id = random_uuid();
  notification.recipient = event.recipient;
  notification.node = event.node;
  notification.created_at = event.received_at;
  spdlog::debug("{} node={}: {} by rule {}{}, notification {}", source, event.node,
               rules::to_string(decision.action), decision.rule, modifier, notification.id);
  // In the outbox row's transaction: the event kept, the badge counted.
  auto before = [keep = std::move(keep), unread, badge_unread = options_.badge_unread](
                    store::Store& s, push::Notification& n) {
    const auto count = keep ? keep(s) : unread;
    if (badge_unread) apply_unread_badge(n, count);
  };
  accept_notification(decision, std::move(notification), registration.domain, std::move(before),
                      std::move(done));
}

void AppServer::accept_notification(const rules::Decision& decision, push::Notification notification,
                                    const std::string& domain, Dispatcher::BeforeQueue before,
                                    std::function<void(bool stored)> done) {
  // `done` runs once the notification is on disk: "accepted" survives a
  // crash. A folded alert is accepted too: throttling must never make the
  // server drop the registration.
  ++in_flight_;
  auto answer = [this, done = std::move(done)](bool stored) {
    --in_flight_;
    done(stored);
  };
  if (decision.action == rules::Action::kAlert && decision.throttle &&
      decision.throttle->window.count() > 0) {
    auto step = throttle_.on_alert(domain + "/" + notification.node, notification.created_at,
                                   decision.throttle->window, random_uuid());
    if (auto* fold = std::get_if<AlertThrottle::Fold>(&step)) {
      ++counters_.folded;
      const auto [apns, fcm] = decision.throttle->digest(fold->count);
      apply_alert(notification, notification.device.platform == push::Platform::kApns ? apns : fcm);
      spdlog::info("notification {}: folded into digest {} ({} message(s), sent at the window's end)",
                   notification.id, fold->digest_id, fold->count);
      notification.id = fold->digest_id;
      notification.created_at = fold->due;
      return dispatcher_.defer(std::move(notification), domain, fold->due, std::move(answer),
                               std::move(before));
    }
  }
  ++counters_.notifications;
  dispatcher_.accept(std::move(notification), domain, std::move(answer), std::move(before));
}

}  // namespace xpush
