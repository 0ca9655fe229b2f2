#include "interceptor/link_handover.h"

#include <array>
#include <charconv>

namespace xpush::interceptor {

namespace {

constexpr std::string_view kMagic = "xpush-link-handover 1\n";

void put(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(" ").append(std::to_string(value.size())).append("\n");
  out.append(value).append("\n");
}

// Reads "name <len>\n<len bytes>\n" from the front of `in`.
tl::expected<std::string, std::string> take(std::string_view& in, std::string_view name) {
  const auto line_end = in.find('\n');
  if (line_end == std::string_view::npos || !in.starts_with(name) || line_end <= name.size() ||
      in[name.size()] != ' ') {
    return tl::unexpected("field '" + std::string{name} + "' missing");
  }
  std::size_t size = 0;
  const auto digits = in.substr(name.size() + 1, line_end - name.size() - 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
  if (ec != std::errc{} || end != digits.data() + digits.size()) {
    return tl::unexpected("field '" + std::string{name} + "' has a bad length");
  }
  in.remove_prefix(line_end + 1);
  if (in.size() < size + 1 || in[size] != '\n') {
    return tl::unexpected("field '" + std::string{name} + "' is cut short");
  }
  std::string value{in.substr(0, size)};
  in.remove_prefix(size + 1);
  return value;
}

}  // namespace

std::string encode_handover(const LinkHandover& h) {
  std::string out{kMagic};
  put(out, "component_domain", h.component_domain);
  put(out, "host", h.host);
  put(out, "port", std::to_string(h.port));
  put(out, "stream_id", h.stream.stream_id);
  put(out, "header", h.stream.header);
  put(out, "unfinished", h.stream.unfinished);
  return out;
}

tl::expected<LinkHandover, std::string> decode_handover(std::string_view in) {
  if (!in.starts_with(kMagic)) return tl::unexpected(std::string{"not a link handover of this version"});
  in.remove_prefix(kMagic.size());
  LinkHandover h;
  std::string port;
  const std::array<std::pair<std::string_view, std::string*>, 6> fields{{
      {"component_domain", &h.component_domain},
      {"host", &h.host},
      {"port", &port},
      {"stream_id", &h.stream.stream_id},
      {"header", &h.stream.header},
      {"unfinished", &h.stream.unfinished},
  }};
  for (const auto& [name, target] : fields) {
    auto value = take(in, name);
    if (!value) return tl::unexpected(value.error());
    *target = std::move(*value);
  }
  unsigned number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc{} || end != port.data() + port.size() || number == 0 || number > 65535) {
    return tl::unexpected(std::string{"field 'port' is not a port"});
  }
  h.port = static_cast<std::uint16_t>(number);
  if (!in.empty()) return tl::unexpected(std::string{"trailing bytes after the last field"});
  return h;
}

}  // namespace xpush::interceptor
