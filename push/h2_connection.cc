#include "push/h2_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <openssl/pkcs12.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "base/read_file.h"

namespace xpush::push {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// A .p12 as Apple's Keychain exports it: certificate, key and chain.
void use_pkcs12(asio::ssl::context& ctx, const std::string& path, const std::string& password) {
  const std::string der = base::read_file(path, "client certificate");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(der.size()));
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  const bool parsed = p12 && PKCS12_parse(p12, password.c_str(), &key, &cert, &chain) == 1;
  PKCS12_free(p12);
  const bool used = parsed && SSL_CTX_use_certificate(ctx.native_handle(), cert) == 1 &&
                    SSL_CTX_use_PrivateKey(ctx.native_handle(), key) == 1;
  for (int i = 0; used && chain && i < sk_X509_num(chain); ++i) {
    X509* extra = sk_X509_value(chain, i);
    X509_up_ref(extra);
    SSL_CTX_add_extra_chain_cert(ctx.native_handle(), extra);
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(chain, X509_free);
  if (!used) {
    throw std::runtime_error("client certificate " + path +
                             (parsed ? " does not suit TLS" : " is not PKCS#12 or the password is wrong"));
  }
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_h2_tls_context(const H2Endpoint& endpoint) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  static constexpr unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx->native_handle(), kAlpn, endpoint.offer_http1 ? sizeof kAlpn : 3);
  if (endpoint.verify) {
    ctx->set_verify_mode(asio::ssl::verify_peer);
    if (endpoint.ca_file.empty()) {
      ctx->set_default_verify_paths();
    } else {
      ctx->load_verify_file(endpoint.ca_file);
    }
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  const auto& cert = endpoint.client_cert_file;
  if (cert.ends_with(".p12") || cert.ends_with(".pfx")) {
    use_pkcs12(*ctx, cert, endpoint.client_cert_password);
  } else if (!cert.empty()) {
    ctx->use_certificate_chain_file(cert);
    ctx->use_private_key_file(endpoint.client_key_file.empty() ? cert : endpoint.client_key_file,
                              asio::ssl::context::pem);
  }
  return ctx;
}

struct H2Connection::Impl {
  using Clock = std::chrono::steady_clock;
  struct InFlight {
    Completion done;
    Clock::time_point sent;
  };

  asio::any_io_executor executor;
  std::shared_ptr<asio::ssl::context> tls;
  H2Endpoint endpoint;
  tcp::resolver resolver;
  asio::ssl::stream<tcp::socket> stream;
  std::unique_ptr<H2ClientSession> session;
  std::deque<std::pair<HttpRequest, Completion>> queued;
  std::map<std::int32_t, InFlight> in_flight;  // by stream id: the oldest first
  std::array<char, 16 * 1024> buffer{};
  std::string writing;
  bool connected = false;
  bool authorised = false;
  bool closed = false;
  std::weak_ptr<H2Connection> owner;
  asio::steady_timer deadline;
  bool deadline_armed = false;
  Clock::time_point opened = Clock::now();
  Clock::time_point last_received{};
  Clock::time_point last_request{};  // when the newest request went out
  std::optional<Clock::time_point> pinged;  // an idle check waits for its answer

  Impl(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> ctx, H2Endpoint ep)
      : executor(ex), tls(std::move(ctx)), endpoint(std::move(ep)), resolver(ex), stream(ex, *tls), deadline(ex) {}

  std::string within() const { return "within " + std::to_string(endpoint.timeout.count()) + " ms"; }

  std::uint32_t stream_limit() const {
    if (!authorised) return std::max<std::uint32_t>(endpoint.streams_before_first_success, 1);
    return std::min(session->peer_max_concurrent_streams(), endpoint.max_streams);
  }

  void complete(Completion done, tl::expected<HttpResponse, std::string> result) {
    asio::post(executor, [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  void fail(const std::string& why) {
    if (closed) return;
    closed = true;
    error_code ignored;
    resolver.cancel();
    deadline.cancel();
    stream.lowest_layer().close(ignored);
    for (auto& [id, request] : in_flight) complete(std::move(request.done), tl::unexpected(why));
    in_flight.clear();
    for (auto& [request, done] : queued) complete(std::move(done), tl::unexpected(why));
    queued.clear();
  }

  void pump() {
    if (!connected || closed) return;
    while (!queued.empty() && !session->goaway_received() && in_flight.size() < stream_limit()) {
      auto [request, done] = std::move(queued.front());
      queued.pop_front();
      auto id = session->submit(std::move(request));
      if (!id) {
        complete(std::move(done), tl::unexpected(id.error()));
        continue;
      }
      last_request = Clock::now();
      in_flight.emplace(*id, InFlight{std::move(done), last_request});
    }
    if (session->goaway_received()) {
      for (auto& [request, done] : queued) complete(std::move(done), tl::unexpected(std::string{kGoAway}));
      queued.clear();
    }
    flush();
    watch();
  }

  void flush();
  void read();
  void start();
  void watch();
  void on_deadline();
  void check_idle(Clock::time_point now);
};

// One timer per connection, set for the next deadline: connecting, or the
// oldest request in flight (stream ids grow with the time they were sent).
void H2Connection::Impl::watch() {
  if (closed) return;
  Clock::time_point due;
  if (!connected) {
    due = opened + endpoint.timeout;
  } else if (!in_flight.empty()) {
    due = in_flight.begin()->second.sent + endpoint.timeout;
  } else if (pinged) {
    due = *pinged + endpoint.timeout;
  } else if (endpoint.idle_ping.count() > 0) {
    due = std::max(last_received, last_request) + endpoint.idle_ping;
  } else {
    return;
  }
  if (deadline_armed && deadline.expiry() <= due) return;
  deadline_armed = true;
  deadline.expires_at(due);  // cancels a wait set for later
  deadline.async_wait([weak = owner](error_code ec) {
    if (ec) return;  // re-armed, or the connection failed
    auto self = weak.lock();
    if (!self) return;
    self->impl_->deadline_armed = false;
    self->impl_->on_deadline();
  });
}

void H2Connection::Impl::on_deadline() {
  if (closed) return;
  const auto now = Clock::now();
  if (!connected) {
    if (now >= opened + endpoint.timeout) {
      return fail("no connection to " + endpoint.host + ":" + std::to_string(endpoint.port) + " " + within());
    }
    return watch();
  }
  while (!in_flight.empty() && in_flight.begin()->second.sent + endpoint.timeout <= now) {
    auto oldest = in_flight.begin();
    if (last_received < oldest->second.sent) {
      // Nothing at all came back since: the connection is dead, not slow.
      return fail(endpoint.host + " sent nothing " + within() + "; connection replaced");
    }
    session->cancel(oldest->first);
    complete(std::move(oldest->second.done), tl::unexpected("no answer from " + endpoint.host + " " + within()));
    in_flight.erase(oldest);
  }
  if (in_flight.empty()) check_idle(now);
  pump();  // sends the resets, and what waited for a free stream
}

void H2Connection::Impl::check_idle(Clock::time_point now) {
  if (pinged && last_received >= *pinged) pinged.reset();  // answered (or anything else came)
  if (pinged && now >= *pinged + endpoint.timeout) {
    return fail(endpoint.host + " did not answer a PING " + within() + "; connection dropped");
  }
  if (!pinged && endpoint.idle_ping.count() > 0 && now >= std::max(last_received, last_request) + endpoint.idle_ping) {
    session->ping();
    pinged = now;
  }
}

void H2Connection::Impl::start() {
  resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                         [self = owner.lock()](error_code ec, tcp::resolver::results_type results) {
    auto& s = *self->impl_;
    if (s.closed) return;
    if (ec) return s.fail("resolve " + s.endpoint.host + ": " + ec.message());
    std::vector<tcp::endpoint> allowed;
    for (const auto& r : results) {
      if (!s.endpoint.may_connect || s.endpoint.may_connect(r.endpoint().address())) allowed.push_back(r.endpoint());
    }
    if (allowed.empty()) {
      return s.fail(std::string{kRefusedAddress} + ": " + s.endpoint.host +
                    " resolves only to addresses that are not public");
    }
    asio::async_connect(s.stream.next_layer(), allowed, [self](error_code e, const tcp::endpoint&) {
      auto& t = *self->impl_;
      if (t.closed) return;
      if (e) return t.fail("connect " + t.endpoint.host + ":" + std::to_string(t.endpoint.port) + ": " + e.message());
      t.stream.next_layer().set_option(tcp::no_delay(true));
      SSL_set_tlsext_host_name(t.stream.native_handle(), t.endpoint.host.c_str());
      if (t.endpoint.verify) t.stream.set_verify_callback(asio::ssl::host_name_verification(t.endpoint.host));
      t.stream.async_handshake(asio::ssl::stream_base::client, [self](error_code he) {
        auto& u = *self->impl_;
        if (u.closed) return;
        if (he) return u.fail("TLS handshake with " + u.endpoint.host + ": " + he.message());
        const unsigned char* proto = nullptr;
        unsigned int len = 0;
        SSL_get0_alpn_selected(u.stream.native_handle(), &proto, &len);
        if (std::string_view{reinterpret_cast<const char*>(proto), len} != "h2") {
          return u.fail(std::string{kNoHttp2} + ": " + u.endpoint.host + " did not negotiate HTTP/2 (ALPN h2)");
        }
        u.connected = true;
        u.last_received = Clock::now();
        u.read();
        u.pump();
      });
    });
  });
}

void H2Connection::Impl::flush() {
  if (closed || !writing.empty()) return;
  writing = session->take_output();
  if (writing.empty()) return;
  asio::async_write(stream, asio::buffer(writing), [self = owner.lock()](error_code ec, std::size_t) {
    auto& s = *self->impl_;
    s.writing.clear();
    if (s.closed) return;
    if (ec) return s.fail("write: " + ec.message());
    s.flush();
  });
}

void H2Connection::Impl::read() {
  stream.async_read_some(asio::buffer(buffer), [self = owner.lock()](error_code ec, std::size_t n) {
    auto& s = *self->impl_;
    if (s.closed) return;
    if (ec) return s.fail(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
                              ? "server closed the connection"
                              : "read: " + ec.message());
    s.last_received = Clock::now();
    if (auto r = s.session->receive({s.buffer.data(), n}); !r) return s.fail("HTTP/2: " + r.error());
    s.pump();
    if (!s.session->alive() && s.in_flight.empty()) return s.fail("connection finished");
    s.read();
  });
}

std::shared_ptr<H2Connection> H2Connection::open(asio::any_io_executor executor,
                                                 std::shared_ptr<asio::ssl::context> tls,
                                                 H2Endpoint endpoint) {
  auto impl = std::make_unique<Impl>(executor, std::move(tls), std::move(endpoint));
  Impl* raw = impl.get();
  std::shared_ptr<H2Connection> conn{new H2Connection(std::move(impl))};
  raw->owner = conn;
  const std::string authority = raw->endpoint.port == 443
                                    ? raw->endpoint.host
                                    : raw->endpoint.host + ":" + std::to_string(raw->endpoint.port);
  raw->session = std::make_unique<H2ClientSession>(
      authority,
      H2ClientSession::Callbacks{
          [raw](std::int32_t id, HttpResponse response) {
            auto it = raw->in_flight.find(id);
            if (it == raw->in_flight.end()) return;
            if (response.status / 100 == 2) raw->authorised = true;
            raw->complete(std::move(it->second.done), std::move(response));
            raw->in_flight.erase(it);
          },
          [raw](std::int32_t id, std::string error) {
            auto it = raw->in_flight.find(id);
            if (it == raw->in_flight.end()) return;
            // Streams the server refused while going away were never processed.
            if (raw->session->goaway_received()) error = std::string{kGoAway} + ": " + error;
            raw->complete(std::move(it->second.done), tl::unexpected(std::move(error)));
            raw->in_flight.erase(it);
          },
          nullptr});
  raw->start();
  raw->watch();
  return conn;
}

H2Connection::H2Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
H2Connection::~H2Connection() = default;

void H2Connection::request(HttpRequest request, Completion done) {
  if (!accepting()) {
    impl_->complete(std::move(done), tl::unexpected(std::string{"connection closed"}));
    return;
  }
  impl_->queued.emplace_back(std::move(request), std::move(done));
  impl_->pump();
}

bool H2Connection::accepting() const {
  return !impl_->closed && !(impl_->session && impl_->session->goaway_received());
}

std::size_t H2Connection::load() const { return impl_->queued.size() + impl_->in_flight.size(); }

void H2Connection::close() { impl_->fail("connection closed by xpush"); }

}  // namespace xpush::push
