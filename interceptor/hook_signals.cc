#include "interceptor/hook_signals.h"

#include "interceptor/jid.h"

namespace xpush::interceptor {

namespace {

struct Said {
  std::string server_domain;
  std::string account;
  const Element* signal = nullptr;
};

// The signal `name` from a server about one of its own users.
tl::expected<Said, std::string> from_server(const Element& stanza, std::string_view name) {
  const auto from = Jid::parse(stanza.attr_or("from"));
  if (!from || !from->is_domain()) return tl::unexpected(std::string{"not sent by a server domain"});
  const Element* signal = stanza.child(name, ns::kXpush);
  if (!signal) return tl::unexpected("no <" + std::string{name} + " xmlns='urn:xpush:0'/>");
  const auto user = Jid::parse(signal->attr_or("jid"));
  if (!user || user->local.empty()) return tl::unexpected("<" + std::string{name} + "/> has no user jid");
  // A server speaks only for its own users.
  if (user->domain != from->domain) return tl::unexpected(std::string{"the user is not on the sending server"});
  return Said{from->domain, user->bare(), signal};
}

}  // namespace

bool is_user_back(const Element& stanza) {
  return stanza.name() == "message" && stanza.child("user-back", ns::kXpush) != nullptr;
}

tl::expected<UserBack, std::string> parse_user_back(const Element& stanza) {
  return from_server(stanza, "user-back").map([](Said said) {
    return UserBack{std::move(said.server_domain), std::move(said.account)};
  });
}

bool is_chat_read(const Element& stanza) {
  return stanza.name() == "message" && stanza.child("read", ns::kXpush) != nullptr;
}

tl::expected<ChatRead, std::string> parse_chat_read(const Element& stanza) {
  auto said = from_server(stanza, "read");
  if (!said) return tl::unexpected(said.error());
  const auto chat = Jid::parse(said->signal->attr_or("chat"));
  if (!chat || chat->domain.empty()) return tl::unexpected(std::string{"<read/> has no chat jid"});
  return ChatRead{std::move(said->server_domain), std::move(said->account), chat->bare()};
}

}  // namespace xpush::interceptor
