// An offline message forwarded by a server hook (packaging/prosody/
// mod_xpush_forward.lua): the whole stanza, wrapped in a XEP-0297
// <forwarded/> with a XEP-0203 <delay/>, sent from the user's server:
//
//   <message from='example.org' to='push.example.org'>
//     <forwarded xmlns='urn:xmpp:forward:0'>
//       <delay xmlns='urn:xmpp:delay' stamp='2026-11-22T08:00:00Z'/>
//       <message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org'>...</message>
//     </forwarded>
//   </message>
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "interceptor/element.h"

namespace xpush::interceptor {

namespace ns {
inline constexpr std::string_view kForward = "urn:xmpp:forward:0";
inline constexpr std::string_view kDelay = "urn:xmpp:delay";
inline constexpr std::string_view kStanzaId = "urn:xmpp:sid:0";
}  // namespace ns

struct ForwardedMessage {
  std::string server_domain;  // the wrapper's from: the server that forwarded it
  std::string recipient;      // bare JID of the offline user (the inner to)
  std::string delay_stamp;    // when the server received it; may be empty
  std::string message_key;    // identifies the message for de-duplication
  Element message{"jabber:client", "message"};
};

// True when the stanza is a wrapper of this kind (whether or not it is valid).
bool is_forwarded_message(const Element& stanza);

// Fails with the reason when the wrapper is not from a bare server domain,
// holds no <message/>, or forwards a message for another server's user.
tl::expected<ForwardedMessage, std::string> parse_forwarded_message(const Element& wrapper);

}  // namespace xpush::interceptor
