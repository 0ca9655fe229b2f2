// A server hook saying a user is back (their first available presence, when
// the offline messages are handed to them), sent from the user's server:
//
//   <message from='example.org' to='push.example.org'>
//     <user-back xmlns='urn:xpush:0' jid='alice@example.org'/>
//   </message>
//
// xpush then starts the user's unread count (the badge) again from zero.
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

}  // namespace xpush::interceptor
