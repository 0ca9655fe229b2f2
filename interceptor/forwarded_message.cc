#include "interceptor/forwarded_message.h"

#include "interceptor/jid.h"

namespace xpush::interceptor {

namespace {

const Element* inner_message(const Element& forwarded) {
  for (const auto& child : forwarded.children()) {
    if (!child.is_text() && child.name() == "message") return &child;
  }
  return nullptr;
}

// The sender's origin-id survives every hop; the id attribute is the
// sender's too but not always set; either names one message of one sender.
std::string message_key(const Element& message, const Jid& to) {
  std::string from{message.attr_or("from")};
  if (auto sender = Jid::parse(from)) from = sender->bare();
  if (const auto* origin = message.child("origin-id", ns::kStanzaId)) {
    if (auto id = origin->attr("id"); id && !id->empty()) return to.bare() + " " + from + " origin " + std::string{*id};
  }
  if (auto id = message.attr("id"); id && !id->empty()) return to.bare() + " " + from + " id " + std::string{*id};
  return {};
}

}  // namespace

bool is_forwarded_message(const Element& stanza) {
  return stanza.name() == "message" && stanza.child("forwarded", ns::kForward) != nullptr;
}

tl::expected<ForwardedMessage, std::string> parse_forwarded_message(const Element& wrapper) {
  const auto from = Jid::parse(wrapper.attr_or("from"));
  if (!from || !from->is_domain()) return tl::unexpected(std::string{"not sent by a server domain"});
  const Element* forwarded = wrapper.child("forwarded", ns::kForward);
  if (!forwarded) return tl::unexpected(std::string{"no <forwarded xmlns='urn:xmpp:forward:0'/>"});
  const Element* message = inner_message(*forwarded);
  if (!message) return tl::unexpected(std::string{"<forwarded/> holds no <message/>"});
  const auto to = Jid::parse(message->attr_or("to"));
  if (!to || to->local.empty()) return tl::unexpected(std::string{"the forwarded message has no user to"});
  if (to->domain != from->domain) {
    return tl::unexpected("a message for " + to->domain + " forwarded by " + from->domain);
  }
  ForwardedMessage out;
  out.server_domain = from->domain;
  out.recipient = to->bare();
  if (const auto* delay = forwarded->child("delay", ns::kDelay)) out.delay_stamp = std::string{delay->attr_or("stamp")};
  out.message_key = message_key(*message, *to);
  out.message = *message;
  return out;
}

}  // namespace xpush::interceptor
