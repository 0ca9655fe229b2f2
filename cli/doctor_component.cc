// xpushctl doctor: the component handshake with the configured secret, over
// TCP or TLS as component.tls says, then a polite close.
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "cli/doctor.h"
#include "interceptor/component_session.h"
#include "interceptor/component_tls.h"

namespace xpush::doctor {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using error_code = boost::system::error_code;

// One connection: connect, TLS if configured, the XEP-0114 handshake.
class HandshakeProbe {
 public:
  HandshakeProbe(const Config& c, std::chrono::seconds timeout)
      : c_(c),
        timeout_(timeout),
        where_(c.link.host + ":" + std::to_string(c.link.port)),
        context_(c.link.tls.enabled ? interceptor::component_tls_context(c.link.tls)
                                    : std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client)),
        stream_(io_, *context_),
        session_(c.link.session) {}

  Finding run() {
    tcp::resolver resolver{io_};
    resolver.async_resolve(c_.link.host, std::to_string(c_.link.port), [this](auto ec, tcp::resolver::results_type r) {
      if (ec) return finish(Level::kFail, "cannot resolve " + c_.link.host + ": " + ec.message());
      asio::async_connect(stream_.next_layer(), r, [this](error_code cec, const tcp::endpoint&) {
        if (cec) {
          return finish(Level::kFail, "cannot connect to " + where_ + " (" + cec.message() +
                                          "): is the server's component port configured and listening there?");
        }
        if (!c_.link.tls.enabled) return open();
        interceptor::name_the_peer(stream_, c_.link.tls, c_.link.host);
        stream_.async_handshake(asio::ssl::stream_base::client, [this](error_code hec) {
          if (hec) {
            return finish(Level::kFail, "TLS with " + where_ + " failed (" + hec.message() +
                                            "): component.tls.ca_file must hold the CA of the server's certificate,"
                                            " and the certificate must name component.tls.server_name (or host)");
          }
          open();
        });
      });
    });
    io_.run_for(timeout_);
    finish(Level::kFail, "no handshake from " + where_ + " within " + seconds_text(timeout_));
    return *verdict_;
  }

 private:
  void finish(Level level, std::string text) {
    if (verdict_) return;
    verdict_ = Finding{level, "component", std::move(text)};
    error_code ignored;
    stream_.next_layer().close(ignored);
  }

  void send(std::string_view bytes) {
    error_code ignored;
    if (c_.link.tls.enabled) {
      asio::write(stream_, asio::buffer(bytes), ignored);
    } else {
      asio::write(stream_.next_layer(), asio::buffer(bytes), ignored);
    }
  }

  void open() {
    send(session_.open());
    read_more();
  }

  void read_more() {
    auto on_read = [this](error_code ec, std::size_t n) {
      if (ec) return finish(Level::kFail, where_ + " closed the connection during the handshake (" + ec.message() + ")");
      on_bytes({buffer_.data(), n});
    };
    if (c_.link.tls.enabled) return stream_.async_read_some(asio::buffer(buffer_), on_read);
    stream_.next_layer().async_read_some(asio::buffer(buffer_), on_read);
  }

  void on_bytes(std::string_view bytes) {
    auto update = session_.receive(bytes);
    if (!update.to_write.empty()) send(update.to_write);
    if (update.became_ready) {
      send(interceptor::ComponentSession::kClose);
      return finish(Level::kOk, "handshake accepted by " + where_ + (c_.link.tls.enabled ? " over TLS" : "") +
                                    " for " + c_.link.session.component_domain);
    }
    if (!update.failure) return read_more();
    // Prosody checks the secret before it says another connection already
    // serves the domain: a conflict means the secret is right.
    if (update.failure->reason.find("conflict") != std::string::npos) {
      return finish(Level::kOk, "the secret is accepted by " + where_ +
                                    "; the domain is served by another connection (a running xpushd)");
    }
    finish(Level::kFail, where_ + " refused the handshake: " + update.failure->reason +
                             ": check that component.secret is the server's (Prosody: component_secret;"
                             " ejabberd: the listener's password) and component.domain its component");
  }

  const Config& c_;
  std::chrono::seconds timeout_;
  std::string where_;
  asio::io_context io_;
  std::unique_ptr<asio::ssl::context> context_;
  asio::ssl::stream<tcp::socket> stream_;
  interceptor::ComponentSession session_;
  std::array<char, 4096> buffer_{};
  std::optional<Finding> verdict_;
};

}  // namespace

void check_component(const Config& c, const Options& o, const Finding& admin, Report& report) {
  if (admin.level == Level::kOk) {
    return report.add(Level::kOk, "component", "xpushd's link to " + c.link.host + ":" + std::to_string(c.link.port) +
                                                   " is up (it says so on its admin listener); not connecting a second time");
  }
  std::optional<Finding> found;
  try {
    found = HandshakeProbe{c, o.timeout}.run();
  } catch (const boost::system::system_error& e) {  // the CA file
    found = Finding{Level::kFail, "component", "component.tls.ca_file " + c.link.tls.ca_file + ": " + e.what()};
  }
  report.add(found->level, found->check, found->text);
}

}  // namespace xpush::doctor
