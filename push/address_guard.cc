#include "push/address_guard.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace xpush::push {

namespace {

struct V4Range {
  std::uint32_t base;
  int bits;
};

// IANA special-purpose IPv4 registry: everything not globally reachable.
constexpr std::array<V4Range, 16> kNonPublicV4{{
    {0x00000000, 8},    // 0.0.0.0/8 "this network"
    {0x0a000000, 8},    // 10/8 private
    {0x64400000, 10},   // 100.64/10 shared (CGNAT)
    {0x7f000000, 8},    // 127/8 loopback
    {0xa9fe0000, 16},   // 169.254/16 link-local (cloud metadata)
    {0xac100000, 12},   // 172.16/12 private
    {0xc0000000, 24},   // 192.0.0/24 protocol assignments
    {0xc0000200, 24},   // 192.0.2/24 documentation
    {0xc0586300, 24},   // 192.88.99/24 6to4 relay
    {0xc0a80000, 16},   // 192.168/16 private
    {0xc6120000, 15},   // 198.18/15 benchmarking
    {0xc6336400, 24},   // 198.51.100/24 documentation
    {0xcb007100, 24},   // 203.0.113/24 documentation
    {0xe0000000, 4},    // 224/4 multicast
    {0xf0000000, 4},    // 240/4 reserved, and broadcast
    {0xffffffff, 32},
}};

bool public_v4(const boost::asio::ip::address_v4& a) {
  const std::uint32_t v = a.to_uint();
  return std::none_of(kNonPublicV4.begin(), kNonPublicV4.end(), [v](const V4Range& r) {
    const std::uint32_t mask = r.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - r.bits);
    return (v & mask) == r.base;
  });
}

bool public_v6(const boost::asio::ip::address_v6& a) {
  if (a.is_v4_mapped()) return public_v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a));
  const auto b = a.to_bytes();
  const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                     std::all_of(b.begin() + 4, b.begin() + 12, [](unsigned char c) { return c == 0; });
  if (nat64) {
    return public_v4(boost::asio::ip::address_v4{{b[12], b[13], b[14], b[15]}});
  }
  if (a.is_loopback() || a.is_unspecified() || a.is_multicast() || a.is_link_local() || a.is_site_local()) {
    return false;
  }
  if ((b[0] & 0xfe) == 0xfc) return false;                     // fc00::/7 unique local
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // 2001:db8::/32
  if (std::all_of(b.begin(), b.begin() + 12, [](unsigned char c) { return c == 0; })) return false;  // ::/96
  return (b[0] & 0xe0) == 0x20;  // only 2000::/3 is global unicast
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool valid_host_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == ':'; }

}  // namespace

bool is_public_address(const boost::asio::ip::address& address) {
  return address.is_v4() ? public_v4(address.to_v4()) : public_v6(address.to_v6());
}

EndpointPolicy::EndpointPolicy(std::vector<std::string> allow_hosts) {
  for (const auto& h : allow_hosts) allow_hosts_.push_back(lower(h));
}

bool EndpointPolicy::allowed_host(std::string_view host) const {
  return std::find(allow_hosts_.begin(), allow_hosts_.end(), lower(host)) != allow_hosts_.end();
}

tl::expected<EndpointUrl, std::string> parse_endpoint_url(std::string_view url) {
  EndpointUrl out;
  if (url.starts_with("https://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
    out.tls = false;
    out.port = 80;
  } else {
    return tl::unexpected(std::string{"the endpoint is not an https URL"});
  }
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string{url.substr(slash)};
  if (authority.find('@') != std::string_view::npos) {
    return tl::unexpected(std::string{"the endpoint carries user information"});
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return tl::unexpected(std::string{"the endpoint's host is malformed"});
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return tl::unexpected(std::string{"the endpoint's host is malformed"});
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || !std::all_of(host.begin(), host.end(), valid_host_char)) {
    return tl::unexpected(std::string{"the endpoint has no valid host"});
  }
  if (!port.empty()) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) {
      return tl::unexpected(std::string{"the endpoint's port is not a number from 1 to 65535"});
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  out.host = lower(host);
  boost::system::error_code ec;
  const auto literal = boost::asio::ip::make_address(out.host, ec);
  const bool default_port = out.port == (out.tls ? 443 : 80);
  const bool v6 = !ec && literal.is_v6();
  out.origin = std::string{out.tls ? "https://" : "http://"} + (v6 ? "[" + out.host + "]" : out.host) +
               (default_port ? "" : ":" + std::to_string(out.port));
  return out;
}

tl::expected<EndpointUrl, std::string> EndpointPolicy::check(std::string_view url) const {
  auto out = parse_endpoint_url(url);
  if (!out) return out;
  const bool allowed = allowed_host(out->host);
  if (!out->tls && !allowed) return tl::unexpected(std::string{"the endpoint is not an https URL"});
  boost::system::error_code ec;
  const auto literal = boost::asio::ip::make_address(out->host, ec);
  if (!ec && !allowed && !is_public_address(literal)) {
    return tl::unexpected(std::string{"the endpoint's address is not public"});
  }
  return out;
}

}  // namespace xpush::push
