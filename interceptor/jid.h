// Just enough of a JID to route and authorise: local@domain/resource.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xpush::interceptor {

struct Jid {
  std::string local;
  std::string domain;
  std::string resource;

  // Lower-cases the local part and domain (ASCII; full stringprep is the
  // server's job, it only ever hands us prepared JIDs).
  static std::optional<Jid> parse(std::string_view text);

  std::string bare() const;
  std::string full() const;
  bool is_domain() const { return local.empty() && resource.empty(); }
  bool is_full() const { return !resource.empty(); }
};

}  // namespace xpush::interceptor
