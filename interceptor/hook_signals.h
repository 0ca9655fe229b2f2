// What a server hook tells xpush about a user, besides forwarding their
// offline messages, sent from the user's server:
//
//   <message from='example.org' to='push.example.org'>
//     <user-back xmlns='urn:xpush:0' jid='alice@example.org'/>
//   </message>
//
// the user's first available presence (the offline messages are handed to
// them): their unread count (the badge) starts again from zero; and
//
//   <message from='example.org' to='push.example.org'>
//     <read xmlns='urn:xpush:0' jid='alice@example.org' chat='bob@example.org'/>
//   </message>
//
// one of the user's own clients read a chat (it sent a XEP-0333 displayed
// marker into it, or a XEP-0490 displayed update for it): that chat's
// notifications can go from the other devices.
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "interceptor/element.h"

namespace xpush::interceptor {

namespace ns {
inline constexpr std::string_view kXpush = "urn:xpush:0";
}  // namespace ns

struct UserBack {
  std::string server_domain;  // the wrapper's from
  std::string account;        // bare JID, on that domain
};

bool is_user_back(const Element& stanza);
tl::expected<UserBack, std::string> parse_user_back(const Element& stanza);

struct ChatRead {
  std::string server_domain;  // the wrapper's from
  std::string account;        // bare JID, on that domain
  std::string chat;           // bare JID of the contact or the room
};

bool is_chat_read(const Element& stanza);
tl::expected<ChatRead, std::string> parse_chat_read(const Element& stanza);

}  // namespace xpush::interceptor
