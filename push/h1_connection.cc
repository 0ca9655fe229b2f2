#include "push/h1_connection.h"

#include "push/address_guard.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <optional>

namespace xpush::push {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
// Answers larger than this are not push service answers: the connection is dropped.
constexpr std::uint64_t kMaxResponseBody = 64 * 1024;
}  // namespace

std::shared_ptr<asio::ssl::context> make_h1_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx->native_handle(), kAlpn, sizeof kAlpn);
  ctx->set_verify_mode(asio::ssl::verify_peer);
  if (ca_file.empty()) {
    ctx->set_default_verify_paths();
  } else {
    ctx->load_verify_file(ca_file);
  }
  return ctx;
}

struct H1Connection::Impl : std::enable_shared_from_this<Impl> {
  enum class State { kConnecting, kReady, kBusy, kClosed };
  using Queued = std::pair<HttpRequest, Completion>;

  H1Endpoint endpoint;
  std::shared_ptr<asio::ssl::context> tls_context;
  tcp::resolver resolver;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  asio::steady_timer idle;
  beast::flat_buffer buffer;
  std::optional<http::request<http::string_body>> out;
  std::optional<http::response_parser<http::string_body>> in;
  std::deque<Queued> queued;
  std::optional<Completion> current;
  State state = State::kConnecting;
  std::size_t answered = 0;  // on this connection: a failure after one means it went stale

  Impl(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls, H1Endpoint e)
      : endpoint(std::move(e)), tls_context(std::move(tls)), resolver(ex), idle(ex) {
    if (endpoint.tls) {
      secure.emplace(ex, *tls_context);
    } else {
      plain.emplace(ex);
    }
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void start() {
    resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                           [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                             self->on_resolved(ec, std::move(r));
                           });
  }

  void on_resolved(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (state == State::kClosed) return;
    if (ec) return fail("cannot resolve " + endpoint.host + ": " + ec.message());
    std::vector<tcp::endpoint> allowed;
    for (const auto& r : results) {
      if (!endpoint.may_connect || endpoint.may_connect(r.endpoint().address())) allowed.push_back(r.endpoint());
    }
    if (allowed.empty()) {
      return fail(std::string{kRefusedAddress} + ": " + endpoint.host + " resolves only to addresses that are not public");
    }
    lowest().expires_after(endpoint.timeout);
    lowest().async_connect(allowed, [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) {
      self->on_connected(e);
    });
  }

  void on_connected(beast::error_code ec) {
    if (state == State::kClosed) return;
    if (ec) return fail("cannot connect to " + endpoint.host + ": " + ec.message());
    if (!secure) return ready();
    if (!SSL_set_tlsext_host_name(secure->native_handle(), endpoint.host.c_str())) {
      return fail("cannot set the TLS server name");
    }
    secure->set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
    lowest().expires_after(endpoint.timeout);
    secure->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](beast::error_code e) {
      if (self->state == State::kClosed) return;
      if (e) return self->fail("TLS with " + self->endpoint.host + ": " + e.message());
      self->ready();
    });
  }

  void ready() {
    state = State::kReady;
    pump();
  }

  void pump() {
    if (state != State::kReady) return;
    if (queued.empty()) return arm_idle();
    idle.cancel();
    auto [request, done] = std::move(queued.front());
    queued.pop_front();
    current = std::move(done);
    state = State::kBusy;
    out.emplace(http::verb::post, request.path, 11);
    if (request.method != "POST") out->method_string(request.method);
    out->set(http::field::host, endpoint.host);
    for (const auto& [name, value] : request.headers) out->set(name, value);
    out->body() = std::move(request.body);
    out->prepare_payload();
    in.emplace();
    in->body_limit(kMaxResponseBody);
    lowest().expires_after(endpoint.timeout);
    auto on_written = [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_written(e); };
    if (secure) {
      http::async_write(*secure, *out, std::move(on_written));
    } else {
      http::async_write(*plain, *out, std::move(on_written));
    }
  }

  void on_written(beast::error_code ec) {
    if (state == State::kClosed) return;
    if (ec) return fail(failure("sending", ec));
    auto on_read = [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); };
    if (secure) {
      http::async_read(*secure, buffer, *in, std::move(on_read));
    } else {
      http::async_read(*plain, buffer, *in, std::move(on_read));
    }
  }

  void on_read(beast::error_code ec) {
    if (state == State::kClosed) return;
    if (ec) return fail(failure("reading the answer", ec));
    auto message = in->release();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      std::string name{field.name_string()};
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      response.headers.emplace_back(std::move(name), std::string{field.value()});
    }
    response.body = std::move(message.body());
    ++answered;
    auto done = std::move(*current);
    current.reset();
    const bool keep = message.keep_alive();
    state = keep ? State::kReady : State::kClosed;
    if (!keep) shutdown_and_fail_queued("the server closed the connection");
    done(std::move(response));
    pump();
  }

  std::string failure(std::string_view doing, beast::error_code ec) const {
    const std::string what = std::string{doing} + " to " + endpoint.host + ": " + ec.message();
    // A server past its deadline is slow, not gone: sending again at once
    // would only hand it the request twice.
    const bool stale = answered > 0 && ec != beast::error::timeout;
    return stale ? std::string{kStaleConnection} + ": " + what : what;
  }

  void arm_idle() {
    idle.expires_after(endpoint.idle_close);
    idle.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->state != State::kReady || !self->queued.empty()) return;
      self->state = State::kClosed;
      self->shutdown_and_fail_queued("idle");
    });
  }

  void fail(const std::string& why) {
    state = State::kClosed;
    if (current) {
      post_failure(std::move(*current), why);
      current.reset();
    }
    // Requests that never went out on a connection that had worked can be
    // sent on another at once; if it never worked, they fail as it did.
    shutdown_and_fail_queued(answered > 0 ? std::string{kStaleConnection} + ": " + why : why);
  }

  void shutdown_and_fail_queued(const std::string& why) {
    idle.cancel();
    resolver.cancel();
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    for (auto& [request, done] : std::exchange(queued, {})) post_failure(std::move(done), why);
  }

  // Failures are posted, never run inside close(): the owner may be going away.
  void post_failure(Completion done, std::string why) {
    asio::post(resolver.get_executor(), [done = std::move(done), why = std::move(why)] { done(tl::unexpected(why)); });
  }
};

std::shared_ptr<H1Connection> H1Connection::open(asio::any_io_executor executor,
                                                 std::shared_ptr<asio::ssl::context> tls, H1Endpoint endpoint) {
  auto impl = std::make_shared<Impl>(executor, std::move(tls), std::move(endpoint));
  impl->start();
  return std::shared_ptr<H1Connection>(new H1Connection(std::move(impl)));
}

H1Connection::~H1Connection() { close(); }

void H1Connection::request(HttpRequest request, Completion done) {
  if (impl_->state == Impl::State::kClosed) {
    asio::post(impl_->resolver.get_executor(), [done = std::move(done)] {
      done(tl::unexpected(std::string{kStaleConnection} + ": connection closed"));
    });
    return;
  }
  impl_->queued.emplace_back(std::move(request), std::move(done));
  impl_->pump();
}

bool H1Connection::accepting() const { return impl_->state != Impl::State::kClosed; }

std::size_t H1Connection::load() const { return impl_->queued.size() + (impl_->current ? 1 : 0); }

void H1Connection::close() {
  if (impl_->state == Impl::State::kClosed) return;
  impl_->fail("connection closed");
}

}  // namespace xpush::push
