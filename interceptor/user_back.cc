#include "interceptor/user_back.h"

#include "interceptor/jid.h"

namespace xpush::interceptor {

bool is_user_back(const Element& stanza) {
  return stanza.name() == "message" && stanza.child("user-back", ns::kXpush) != nullptr;
}

tl::expected<UserBack, std::string> parse_user_back(const Element& stanza) {
  const auto from = Jid::parse(stanza.attr_or("from"));
  if (!from || !from->is_domain()) return tl::unexpected(std::string{"not sent by a server domain"});
  const Element* back = stanza.child("user-back", ns::kXpush);
  if (!back) return tl::unexpected(std::string{"no <user-back xmlns='urn:xpush:0'/>"});
  const auto user = Jid::parse(back->attr_or("jid"));
  if (!user || user->local.empty()) return tl::unexpected(std::string{"<user-back/> has no user jid"});
  // A server speaks only for its own users.
  if (user->domain != from->domain) return tl::unexpected(std::string{"the user is not on the sending server"});
  return UserBack{from->domain, user->bare()};
}

}  // namespace xpush::interceptor
