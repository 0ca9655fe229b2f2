#include "admin/admin_http.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

#include "admin/admin_metrics.h"
#include "admin/status_page.h"
#include "base/base64.h"
#include "base/secrets_equal.h"

namespace xpush {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool loopback_host(std::string_view host) {
  // The Host header: a name or address, then perhaps ":port".
  if (host.starts_with("[")) {
    const auto end = host.find(']');
    return end != std::string_view::npos && host.substr(1, end - 1) == "::1";
  }
  if (host == "::1") return true;
  host = host.substr(0, host.find(':'));
  const bool ipv4 = host.find_first_not_of("0123456789.") == std::string_view::npos;
  return host == "localhost" || (ipv4 && host.starts_with("127."));
}

std::optional<std::string_view> after_scheme(std::string_view authorization, std::string_view scheme) {
  if (authorization.size() <= scheme.size() + 1) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return std::nullopt;
  }
  if (authorization[scheme.size()] != ' ') return std::nullopt;
  return authorization.substr(scheme.size() + 1);
}

// The token a request presents: Bearer's, or Basic's password.
std::string presented_token(std::string_view authorization) {
  if (const auto bearer = after_scheme(authorization, "bearer")) return std::string{*bearer};
  if (const auto basic = after_scheme(authorization, "basic")) {
    const auto pair = base::from_base64(*basic);
    if (!pair) return {};
    const auto colon = pair->find(':');
    return colon == std::string::npos ? std::string{} : pair->substr(colon + 1);
  }
  return {};
}

AdminResponse status_page() {
  return {200, "text/html; charset=utf-8", std::string{status_page_html()},
          {{"Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src data:; frame-ancestors 'none'"},
           {"X-Content-Type-Options", "nosniff"},
           {"Cache-Control", "no-store"}}};
}

}  // namespace

std::optional<AdminResponse> admin_refusal(const AdminAccess& access, std::string_view host,
                                           std::string_view authorization) {
  if (access.token.empty()) {
    if (loopback_host(host)) return std::nullopt;
    return AdminResponse{403, "text/plain", "the admin listener answers requests for a loopback host only\n"};
  }
  if (base::secrets_equal(access.token, presented_token(authorization))) return std::nullopt;
  return AdminResponse{401, "text/plain", "a bearer token is needed (admin.token_file)\n",
                       {{"WWW-Authenticate", "Bearer realm=\"xpush\", Basic realm=\"xpush\""}}};
}

AdminResponse admin_response(std::string_view method, std::string_view target, const AdminSnapshot& s) {
  if (method != "GET") return {405, "text/plain", "GET only\n"};
  target = target.substr(0, target.find('?'));
  if (target == "/health") {
    return s.component_connected ? AdminResponse{200, "text/plain", "ok\n"}
                                 : AdminResponse{503, "text/plain", "component link down\n"};
  }
  if (target == "/metrics") return {200, "text/plain; version=0.0.4", prometheus_text(metrics_of(s))};
  if (target == "/" || target == "/status") return status_page();
  if (target == "/status.json") {
    return {200, "application/json", status_json(s), {{"Cache-Control", "no-store"}}};
  }
  return {404, "text/plain", "try /, /status.json, /health or /metrics\n"};
}

struct AdminServer::Impl : std::enable_shared_from_this<AdminServer::Impl> {
  tcp::acceptor acceptor;
  std::function<AdminSnapshot()> snapshot;
  std::map<std::string, AdminPost> posts;
  AdminAccess access;

  Impl(asio::any_io_executor ex, std::function<AdminSnapshot()> s, std::map<std::string, AdminPost> p,
       AdminAccess a)
      : acceptor(ex), snapshot(std::move(s)), posts(std::move(p)), access(std::move(a)) {}

  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) serve(std::make_shared<beast::tcp_stream>(std::move(socket)), self);
      self->accept();
    });
  }

  // One request per connection is all a scraper needs.
  static void serve(std::shared_ptr<beast::tcp_stream> stream, std::shared_ptr<Impl> self) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto parser = std::make_shared<http::request_parser<http::string_body>>();
    parser->body_limit(kAdminBodyLimit);
    stream->expires_after(std::chrono::seconds{10});
    http::async_read(*stream, *buffer, *parser, [stream, buffer, parser, self](beast::error_code ec, std::size_t) {
      if (ec == http::error::body_limit) return answer(stream, {413, "text/plain", "body too large\n"}, 11);
      if (ec) return;
      auto& request = parser->get();
      const std::string target{request.target()};
      const unsigned version = request.version();
      const auto host = request[http::field::host];
      const auto authorization = request[http::field::authorization];
      if (auto refusal = admin_refusal(self->access, {host.data(), host.size()},
                                       {authorization.data(), authorization.size()})) {
        return answer(stream, std::move(*refusal), version);
      }
      if (request.method() == http::verb::post) {
        const auto action = self->posts.find(target);
        if (action == self->posts.end()) return answer(stream, {404, "text/plain", "no such action\n"}, version);
        // A page on another origin cannot send JSON without a preflight, which is never answered.
        if (!request[http::field::content_type].starts_with("application/json")) {
          return answer(stream, {415, "text/plain", "actions take application/json\n"}, version);
        }
        // The action may take a while (it waits for providers): the
        // connection's deadline is the action's own.
        stream->expires_never();
        return action->second(std::move(request.body()), [stream, version](AdminResponse r) {
          answer(stream, std::move(r), version);
        });
      }
      const auto method = request.method_string();
      answer(stream, admin_response({method.data(), method.size()}, target, self->snapshot()), version);
    });
  }

  static void answer(std::shared_ptr<beast::tcp_stream> stream, AdminResponse answer, unsigned version) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status),
                                                                        version);
    response->set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response->set(name, value);
    response->body() = std::move(answer.body);
    response->keep_alive(false);
    response->prepare_payload();
    stream->expires_after(std::chrono::seconds{10});
    http::async_write(*stream, *response, [stream, response](beast::error_code, std::size_t) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }
};

AdminServer::AdminServer(asio::any_io_executor executor, const std::string& address, std::uint16_t port,
                         std::function<AdminSnapshot()> snapshot, std::map<std::string, AdminPost> posts,
                         AdminAccess access)
    : impl_(std::make_shared<Impl>(executor, std::move(snapshot), std::move(posts), std::move(access))) {
  const tcp::endpoint endpoint{asio::ip::make_address(address), port};
  beast::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("admin: cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  spdlog::info("admin: http://{}:{}/ (status page), /metrics and /health{}", address, this->port(),
               impl_->access.token.empty() ? "" : " with a bearer token");
  impl_->accept();
}

AdminServer::~AdminServer() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::uint16_t AdminServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace xpush
