// What arrives on the component link, classified, and the IQ replies we send.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "interceptor/element.h"

namespace xpush::interceptor {

namespace ns {
inline constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItems = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kPing = "urn:xmpp:ping";
inline constexpr std::string_view kPubsub = "http://jabber.org/protocol/pubsub";
inline constexpr std::string_view kPush = "urn:xmpp:push:0";
inline constexpr std::string_view kCommands = "http://jabber.org/protocol/commands";
}  // namespace ns

enum class StanzaKind {
  kPing,
  kDiscoInfo,
  kDiscoItems,
  kPublish,
  kCommand,
  kOtherRequest,  // an iq get/set we do not serve
  kResponse,      // iq result/error: nothing to answer
  kMessage,
  kPresence,
  kUnknown,
};

StanzaKind classify(const Element& stanza);

enum class ErrorType { kCancel, kWait, kModify, kAuth };
std::string_view to_string(ErrorType type);

// Replies go from the address the request was sent to, back to its sender.
Element iq_result(const Element& request);
Element iq_error(const Element& request, ErrorType type, std::string_view condition,
                 std::string_view text = {});

// `extended`: XEP-0128 service discovery extensions, a FORM_TYPE first
// (e.g. the Web Push key clients subscribe with); empty: none.
Element disco_info_result(const Element& request,
                          const std::vector<std::pair<std::string, std::string>>& extended = {});
// Lists the registration commands for node='http://jabber.org/protocol/commands'.
Element disco_items_result(const Element& request, std::string_view component_jid);

}  // namespace xpush::interceptor
