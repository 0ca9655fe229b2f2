#include "admin/admin_http.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sstream>

namespace xpush {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

AdminResponse admin_response(std::string_view method, std::string_view target, const AdminSnapshot& s) {
  if (method != "GET") return {405, "text/plain", "GET only\n"};
  if (target == "/health") {
    return s.component_connected ? AdminResponse{200, "text/plain", "ok\n"}
                                 : AdminResponse{503, "text/plain", "component link down\n"};
  }
  if (target != "/metrics") return {404, "text/plain", "try /health or /metrics\n"};
  std::ostringstream out;
  const auto metric = [&out](const char* name, const char* type, const char* help, std::uint64_t value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
        << name << ' ' << value << '\n';
  };
  metric("xpush_component_connected", "gauge", "1 while the XEP-0114 link is up", s.component_connected);
  metric("xpush_component_connects_total", "counter", "Successful component handshakes", s.component_connects);
  metric("xpush_publishes_total", "counter", "XEP-0357 publishes received", s.publishes);
  metric("xpush_publishes_refused_total", "counter", "Publishes answered cancel", s.publishes_refused);
  metric("xpush_registrations_total", "counter", "Devices registered or updated", s.registrations);
  metric("xpush_notifications_accepted_total", "counter", "Notifications stored in the outbox",
         s.notifications_accepted);
  metric("xpush_delivery_attempts_total", "counter", "Requests sent to APNs or FCM", s.delivery_attempts);
  metric("xpush_delivered_total", "counter", "Notifications the provider accepted", s.delivered);
  metric("xpush_retried_total", "counter", "Temporary failures scheduled for another attempt", s.retried);
  metric("xpush_expired_total", "counter", "Notifications dropped at their expiry", s.expired);
  metric("xpush_dead_letters_total", "counter", "Notifications given up on", s.dead_letters);
  metric("xpush_tokens_invalid_total", "counter", "Device tokens the provider reported dead", s.tokens_invalid);
  metric("xpush_dropped_by_rules_total", "counter", "Publishes a rule dropped (answered result)", s.dropped_by_rules);
  metric("xpush_alerts_folded_total", "counter", "Alerts folded into a throttling digest", s.folded);
  metric("xpush_rules_reloads_total", "counter", "Rules files put in force after the start", s.rules_reloads);
  metric("xpush_rules_reload_failures_total", "counter", "Rules edits refused for errors (old rules kept)",
         s.rules_reload_failures);
  metric("xpush_forwarded_total", "counter", "Offline messages from the forwarding hook", s.forwarded);
  metric("xpush_forwarded_refused_total", "counter", "Forwarded messages refused (malformed or unconfigured server)",
         s.forwarded_refused);
  metric("xpush_forwarded_duplicates_total", "counter", "The same message forwarded again (pushed once)",
         s.forwarded_duplicates);
  metric("xpush_publishes_covered_total", "counter", "Publishes for a message already forwarded (answered, not pushed)",
         s.publishes_covered);
  metric("xpush_forwarded_covered_total", "counter", "Forwarded messages already pushed from their publish",
         s.forwarded_covered);
  metric("xpush_users_back_total", "counter", "Users back, their unread count reset (forwarding hook)",
         s.users_back);
  out << "# HELP xpush_stanzas_skipped_total Stanzas over a limit, skipped with the stream kept\n"
         "# TYPE xpush_stanzas_skipped_total counter\n"
      << "xpush_stanzas_skipped_total{reason=\"too-large\"} " << s.stanzas_skipped_too_large << '\n'
      << "xpush_stanzas_skipped_total{reason=\"too-deep\"} " << s.stanzas_skipped_too_deep << '\n'
      << "xpush_stanzas_skipped_total{reason=\"too-many-attributes\"} "
      << s.stanzas_skipped_too_many_attributes << '\n';
  metric("xpush_registrations_over_cap_total", "counter",
         "Registrations refused: the account has limits.devices_per_account devices", s.registrations_over_cap);
  metric("xpush_registrations_rate_limited_total", "counter",
         "Registrations refused: over limits.registrations_per_minute", s.registrations_rate_limited);
  metric("xpush_registrations_superseded_total", "counter",
         "Registrations replaced by the same token under another device id", s.registrations_superseded);
  metric("xpush_notifications_over_ceiling_total", "counter",
         "Devices left out of one event's fan-out by limits.notifications_per_event",
         s.notifications_over_ceiling);
  metric("xpush_component_pings_total", "counter", "Pings sent to a server that had been quiet for a keepalive interval",
         s.component_pings);
  metric("xpush_component_unresponsive_total", "counter",
         "Component connections replaced: the server stopped reading or did not answer a ping",
         s.component_unresponsive);
  metric("xpush_shared_windows_faults_total", "counter",
         "Throttle or ledger calls that failed and let a notification out (it may repeat)",
         s.shared_windows_faults);
  return {200, "text/plain; version=0.0.4", out.str()};
}

struct AdminServer::Impl : std::enable_shared_from_this<AdminServer::Impl> {
  tcp::acceptor acceptor;
  std::function<AdminSnapshot()> snapshot;
  std::map<std::string, AdminPost> posts;

  Impl(asio::any_io_executor ex, std::function<AdminSnapshot()> s, std::map<std::string, AdminPost> p)
      : acceptor(ex), snapshot(std::move(s)), posts(std::move(p)) {}

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
      if (request.method() == http::verb::post) {
        const auto action = self->posts.find(target);
        if (action == self->posts.end()) return answer(stream, {404, "text/plain", "no such action\n"}, version);
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
                         std::function<AdminSnapshot()> snapshot, std::map<std::string, AdminPost> posts)
    : impl_(std::make_shared<Impl>(executor, std::move(snapshot), std::move(posts))) {
  const tcp::endpoint endpoint{asio::ip::make_address(address), port};
  beast::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("admin: cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  spdlog::info("admin: http://{}:{}/metrics and /health", address, this->port());
  impl_->accept();
}

AdminServer::~AdminServer() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

std::uint16_t AdminServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace xpush
