// Web Push endpoints are URLs chosen by clients. Without a guard any user
// could make xpush send requests into the operator's own network (SSRF), so
// an endpoint must be https and reach only public addresses, checked after
// DNS, at connect time. Hosts on the operator's allow-list are exempt (and
// may use plain http): tests and private distributors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <tl/expected.hpp>

namespace xpush::push {

// False for loopback, private, shared (CGNAT), link-local, multicast,
// unspecified, documentation, benchmarking and reserved ranges, in IPv4 and
// IPv6 (and IPv4 inside IPv6).
bool is_public_address(const boost::asio::ip::address& address);

// Errors of requests to a host that resolved only to refused addresses.
inline constexpr std::string_view kRefusedAddress = "refused";

struct EndpointUrl {
  bool tls = true;
  std::string host;  // lower case, without IPv6 brackets
  std::uint16_t port = 443;
  std::string target;  // path and query
  std::string origin;  // "https://host[:port]": the VAPID audience and the pool key
};

// "http(s)://host[:port]/target" taken apart, no policy applied.
tl::expected<EndpointUrl, std::string> parse_endpoint_url(std::string_view url);

class EndpointPolicy {
 public:
  EndpointPolicy() = default;
  explicit EndpointPolicy(std::vector<std::string> allow_hosts);

  bool allowed_host(std::string_view host) const;
  // The URL if it may be used: https (or http for an allowed host), a host,
  // and no literal address that is not public (unless allowed).
  tl::expected<EndpointUrl, std::string> check(std::string_view url) const;
  // Whether a resolved address of `host` may be connected to.
  bool may_connect(std::string_view host, const boost::asio::ip::address& address) const {
    return allowed_host(host) || is_public_address(address);
  }

 private:
  std::vector<std::string> allow_hosts_;  // lower case
};

}  // namespace xpush::push
