// The app server's forwarded messages: a whole offline stanza handed over by
// a server's forwarding hook (docs/forwarding.md), kept, paired with the
// XEP-0357 publish the server may also send for it, and decided for each of
// the recipient's devices.
#include <spdlog/spdlog.h>

#include "engine/app_server.h"
#include "interceptor/forwarded_message.h"
#include "interceptor/jid.h"
#include "interceptor/hook_signals.h"
#include "rules/event_facts.h"

namespace xpush {

using interceptor::Element;

namespace {

// The room of a groupchat message; empty otherwise.
std::string room_of(const Element& message) {
  if (message.attr_or("type") != "groupchat") return {};
  return interceptor::Jid::parse(message.attr_or("from")).value_or(interceptor::Jid{}).bare();
}

// The recipient's devices a forwarded message is for: on its server and, for
// a groupchat message, registered for that room or for none. At most
// `ceiling` of them; `over` counts the rest.
std::vector<store::Registration> devices_for(std::vector<store::Registration> all, const std::string& domain,
                                             const std::string& room, std::size_t ceiling, std::size_t& over) {
  std::vector<store::Registration> chosen;
  for (auto& device : all) {
    if (device.domain != domain || (!device.muc.empty() && device.muc != room)) continue;
    if (chosen.size() >= ceiling) {
      ++over;
      continue;
    }
    chosen.push_back(std::move(device));
  }
  return chosen;
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
  m.counts_unread = rules::counts_as_unread(f.message);
  m.received_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return m;
}

}  // namespace

// What the store said of a forwarded message.
struct AppServer::Found {
  bool duplicate = false;  // the same message was decided already
  std::vector<store::Registration> devices;  // the ones it is for, at most the ceiling
  std::vector<bool> covered;                 // per device: its XEP-0357 publish was decided already
  std::size_t over_ceiling = 0;              // devices left out
  std::optional<std::int64_t> unread;
};

void AppServer::on_message(Element message) {
  if (interceptor::is_user_back(message)) return on_user_back(message);
  if (interceptor::is_chat_read(message)) return on_chat_read(message);
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
  hooked_domains_.insert(forwarded->server_domain);
  const auto now = std::chrono::system_clock::now();
  // Built before the message moves into the completion (argument order is
  // unspecified). The message is paired with its publishes here, in its
  // first store call, so that it is paired in the order the server sent it:
  // Prosody forwards before it publishes, and the forwarded stanza, which
  // has the whole message, is the one pushed.
  auto lookup = [kept = offline_message(*forwarded, now), key = forwarded->message_key,
                 account = forwarded->recipient, domain = forwarded->server_domain,
                 room = room_of(forwarded->message), ceiling = options_.limits.notifications_per_event,
                 windows = windows_, now](store::Store& s) -> store::StoreResult<Found> {
    if (!windows->ledger.first_sighting(windows->in(s), key, now)) return Found{.duplicate = true};
    std::optional<std::int64_t> unread;
    if (auto stored = s.store_message(kept); !stored) {
      spdlog::error("forwarded message: not kept: {}", stored.error().message);
    } else if (auto n = s.unread_count(account)) {
      unread = *n;
    }
    auto devices = s.registrations_of(account);
    if (!devices) return tl::unexpected(devices.error());
    Found found{.unread = unread};
    found.devices = devices_for(std::move(*devices), domain, room, ceiling, found.over_ceiling);
    for (const auto& d : found.devices) {
      found.covered.push_back(windows->ledger.pair_forwarded(windows->in(s), d.domain + "/" + d.node, now));
    }
    return found;
  };
  ++in_flight_;
  store_.run(std::move(lookup),
             [this, forwarded = std::move(*forwarded), now](auto found) {
               --in_flight_;
               if (!found) {
                 // The server keeps the message offline; only this wake-up is lost.
                 return store_faults_.note(found.error().message);
               }
               if (found->duplicate) {
                 ++counters_.forwarded_duplicates;
                 return spdlog::info("forwarded message for a user of {}: already decided, pushed once",
                                     forwarded.server_domain);
               }
               on_forwarded(forwarded, *found, now);
             });
}

void AppServer::on_forwarded(const interceptor::ForwardedMessage& forwarded, const Found& found,
                             std::chrono::system_clock::time_point now) {
  for (std::size_t i = 0; i < found.devices.size(); ++i) {
    const auto& device = found.devices[i];
    if (found.covered[i]) {
      ++counters_.forwarded_covered;
      spdlog::info("forwarded node={}: its XEP-0357 publish was decided already; not pushed again", device.node);
      continue;
    }
    interceptor::OfflineEvent event;
    event.source = interceptor::EventSource::kForwardedStanza;
    event.recipient = device.account;
    event.server_domain = device.domain;
    event.node = device.node;
    event.stanza = forwarded.message;
    event.received_at = now;
    decide_and_send(event, device, found.unread, {}, [node = device.node](Settled settled) {
      if (settled == Settled::kNotStored) spdlog::error("forwarded message for node {}: not stored; not pushed", node);
    });
  }
  if (found.devices.empty()) spdlog::debug("forwarded message: no device registered for the recipient");
  if (found.over_ceiling > 0) {
    counters_.notifications_over_ceiling += found.over_ceiling;
    spdlog::warn("forwarded message for {}: {} more devices left out (at most {} notifications per message)",
                 forwarded.recipient, found.over_ceiling, options_.limits.notifications_per_event);
  }
}

}  // namespace xpush
