#include "interceptor/iq.h"

#include <array>

#include "interceptor/data_form.h"
#include "interceptor/registration_command.h"

namespace xpush::interceptor {

StanzaKind classify(const Element& stanza) {
  if (stanza.name() == "message") return StanzaKind::kMessage;
  if (stanza.name() == "presence") return StanzaKind::kPresence;
  if (stanza.name() != "iq") return StanzaKind::kUnknown;
  const auto type = stanza.attr_or("type");
  if (type == "result" || type == "error") return StanzaKind::kResponse;
  if (type != "get" && type != "set") return StanzaKind::kUnknown;
  const Element* payload = nullptr;
  for (const auto& c : stanza.children()) {
    if (!c.is_text()) {
      payload = &c;
      break;
    }
  }
  if (!payload) return StanzaKind::kOtherRequest;
  if (type == "get" && payload->is("ping", ns::kPing)) return StanzaKind::kPing;
  if (type == "get" && payload->is("query", ns::kDiscoInfo)) return StanzaKind::kDiscoInfo;
  if (type == "get" && payload->is("query", ns::kDiscoItems)) return StanzaKind::kDiscoItems;
  if (type == "set" && payload->is("pubsub", ns::kPubsub) && payload->child("publish", ns::kPubsub))
    return StanzaKind::kPublish;
  if (type == "set" && payload->is("command", ns::kCommands)) return StanzaKind::kCommand;
  return StanzaKind::kOtherRequest;
}

std::string_view to_string(ErrorType type) {
  switch (type) {
    case ErrorType::kCancel: return "cancel";
    case ErrorType::kWait: return "wait";
    case ErrorType::kModify: return "modify";
    case ErrorType::kAuth: return "auth";
  }
  return "cancel";
}

namespace {
Element reply(const Element& request, std::string_view type) {
  Element iq{ns::kComponent, "iq"};
  iq.set_attr("type", type);
  iq.set_attr("id", request.attr_or("id"));
  iq.set_attr("from", request.attr_or("to"));
  iq.set_attr("to", request.attr_or("from"));
  return iq;
}
}  // namespace

Element iq_result(const Element& request) { return reply(request, "result"); }

Element iq_error(const Element& request, ErrorType type, std::string_view condition,
                 std::string_view text) {
  Element iq = reply(request, "error");
  Element& error = iq.add(ns::kComponent, "error");
  error.set_attr("type", to_string(type));
  error.add(ns::kStanzaErrors, condition);
  if (!text.empty()) error.add(ns::kStanzaErrors, "text").add_text(text);
  return iq;
}

Element disco_info_result(const Element& request,
                          const std::vector<std::pair<std::string, std::string>>& extended) {
  Element iq = iq_result(request);
  Element& query = iq.add(ns::kDiscoInfo, "query");
  if (const Element* asked = request.child("query", ns::kDiscoInfo)) {
    if (auto node = asked->attr("node")) query.set_attr("node", *node);
  }
  query.add(ns::kDiscoInfo, "identity")
      .set_attr("category", "pubsub")
      .set_attr("type", "push")
      .set_attr("name", "xpush");
  // The provider strings: Tigase clients look for them beside urn:xmpp:push:0.
  static constexpr std::array kFeatures{ns::kDiscoInfo,          ns::kDiscoItems,     ns::kCommands,
                                        ns::kPush,               ns::kPing,           kTigaseApnsProvider,
                                        kTigaseFcmProvider};
  for (auto feature : kFeatures) query.add(ns::kDiscoInfo, "feature").set_attr("var", feature);
  if (!extended.empty()) {
    Element form = make_form("result", extended);
    form.children().front().set_attr("type", "hidden");
    query.add(std::move(form));
  }
  return iq;
}

Element disco_items_result(const Element& request, std::string_view component_jid) {
  Element iq = iq_result(request);
  const Element* asked = request.child("query", ns::kDiscoItems);
  Element& query = iq.add(ns::kDiscoItems, "query");
  const auto node = asked ? asked->attr_or("node") : std::string_view{};
  if (node != ns::kCommands) return iq;
  query.set_attr("node", node);
  for (const auto& command : registration_command_names()) {
    query.add(ns::kDiscoItems, "item")
        .set_attr("jid", component_jid)
        .set_attr("node", command.node)
        .set_attr("name", command.title);
  }
  return iq;
}

}  // namespace xpush::interceptor
