#include "interceptor/component_link.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <deque>
#include <random>
#include <variant>
#include <vector>

#include "base/log_text.h"
#include "interceptor/component_tls.h"
#include "interceptor/link_liveness.h"

namespace xpush::interceptor {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {
constexpr std::size_t kReadBuffer = 16 * 1024;
// A stalled server must not make us buffer without bound.
constexpr std::size_t kMaxQueuedBytes = 16 * 1024 * 1024;
}  // namespace

struct ComponentLink::State : std::enable_shared_from_this<ComponentLink::State> {
  asio::any_io_executor executor;
  LinkOptions options;
  Handlers handlers;
  std::unique_ptr<asio::ssl::context> tls;
  asio::steady_timer retry_timer;
  std::shared_ptr<Connection> current;
  LinkCounters counters;
  unsigned attempt = 0;
  bool running = false;
  std::optional<LinkHandover> adopted;  // set by adopt() until start()
  std::mt19937_64 rng{std::random_device{}()};

  State(asio::any_io_executor ex, LinkOptions o, Handlers h)
      : executor(ex), options(std::move(o)), handlers(std::move(h)), retry_timer(ex) {}

  void connect();
  void on_connection_closed(const Connection* which, bool was_ready);
};

class ComponentLink::Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Stream = std::variant<tcp::socket, asio::ssl::stream<tcp::socket>>;

  explicit Connection(std::shared_ptr<State> link)
      : link_(std::move(link)),
        stream_(make_stream(*link_)),
        resolver_(link_->executor),
        keepalive_(link_->executor),
        handshake_timer_(link_->executor),
        drain_timer_(link_->executor),
        answer_timer_(link_->executor),
        write_timer_(link_->executor),
        session_(link_->options.session),
        liveness_(link_->options.keepalive, link_->options.answer_timeout,
                  std::chrono::steady_clock::now()) {}

  void start() {
    const auto& o = link_->options;
    handshake_timer_.expires_after(o.handshake_timeout);
    handshake_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && self->session_.state() != SessionState::kReady) {
        self->close("no handshake within " +
                    std::to_string(self->link_->options.handshake_timeout.count()) + " s");
      }
    });
    resolver_.async_resolve(o.host, std::to_string(o.port),
                            [self = shared_from_this()](error_code ec, tcp::resolver::results_type r) {
                              self->on_resolved(ec, std::move(r));
                            });
  }

  // Carries on a stream the previous process handed over: no connect, no
  // header, no handshake.
  void start_adopted(const LinkHandover& h) {
    error_code ec;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    ::getsockname(h.fd, reinterpret_cast<sockaddr*>(&local), &length);
    lowest().assign(local.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), h.fd, ec);
    if (ec) {
      ::close(h.fd);
      return close("adopting the handed-over connection: " + ec.message());
    }
    SessionUpdate update = session_.adopt(h.stream);
    if (update.failure) return close("the handed-over stream: " + update.failure->reason);
    on_ready(/*handed_over=*/true);
    for (auto& stanza : update.stanzas) deliver(std::move(stanza));
    if (closed_) return;
    read();
  }

  bool ready() const {
    return (session_.state() == SessionState::kReady || draining_) && !closed_ && !closing_;
  }

  void hand_over(HandoverDone done) {
    if (closed_ || closing_ || handover_done_ || std::holds_alternative<asio::ssl::stream<tcp::socket>>(stream_) ||
        session_.state() != SessionState::kReady) {
      finish();
      return done(std::nullopt);
    }
    handover_done_ = std::move(done);
    handover_deadline_ = std::chrono::steady_clock::now() + kDrainLimit;
    keepalive_.cancel();
    answer_timer_.cancel();
    if (!writing_) stop_reading();
  }

  bool send(const Element& stanza) {
    auto bytes = session_.encode(stanza);
    if (!bytes) {
      spdlog::error("component: not sending <{}>: {}", stanza.name(), bytes.error());
      return false;
    }
    if (!ready()) return false;
    queue(std::move(*bytes));
    ++link_->counters.stanzas_out;
    return true;
  }

  // Ends the stream politely; the socket closes once the farewell is written.
  void finish() {
    if (closed_ || closing_) return;
    queue(std::string{ComponentSession::kClose});
    closing_ = true;
  }

  void close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    if (!reason.empty()) spdlog::warn("component: connection closed: {}", reason);
    error_code ignored;
    lowest().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
    resolver_.cancel();
    keepalive_.cancel();
    handshake_timer_.cancel();
    drain_timer_.cancel();
    answer_timer_.cancel();
    write_timer_.cancel();
    if (auto done = std::exchange(handover_done_, {})) done(std::nullopt);
    link_->on_connection_closed(this, was_ready_);
  }

 private:
  static Stream make_stream(State& link) {
    if (link.tls) return Stream{std::in_place_index<1>, link.executor, *link.tls};
    return Stream{std::in_place_index<0>, link.executor};
  }

  tcp::socket& lowest() {
    if (auto* plain = std::get_if<tcp::socket>(&stream_)) return *plain;
    return std::get<1>(stream_).next_layer();
  }

  void on_resolved(error_code ec, tcp::resolver::results_type results) {
    if (closed_) return;
    if (ec) return close("resolve " + link_->options.host + ": " + ec.message());
    asio::async_connect(lowest(), results, [self = shared_from_this()](error_code e, const tcp::endpoint&) {
      self->on_connected(e);
    });
  }

  void on_connected(error_code ec) {
    if (closed_) return;
    const auto& o = link_->options;
    if (ec) return close("connect " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
    error_code ignored;
    lowest().set_option(asio::socket_base::keep_alive(true), ignored);
    lowest().set_option(tcp::no_delay(true), ignored);
    // Data the peer never acknowledges (a network that drops everything)
    // ends the connection within the answer timeout, not after minutes of
    // retransmissions.
    const unsigned user_timeout_ms = static_cast<unsigned>(o.answer_timeout.count()) * 1000U;
    ::setsockopt(lowest().native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms,
                 sizeof user_timeout_ms);
    auto* tls = std::get_if<1>(&stream_);
    if (!tls) return begin_stream();
    name_the_peer(*tls, o.tls, o.host);
    tls->async_handshake(asio::ssl::stream_base::client,
                         [self = shared_from_this()](error_code e) {
                           if (self->closed_) return;
                           if (e) {
                             const auto& lo = self->link_->options;
                             return self->close("TLS handshake with " + lo.host + ":" +
                                                std::to_string(lo.port) + ": " + e.message());
                           }
                           self->begin_stream();
                         });
  }

  void begin_stream() {
    queue(session_.open());
    read();
  }

  void read() {
    std::visit(
        [&](auto& s) {
          s.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](error_code ec, std::size_t n) {
            self->on_read(ec, n);
          });
        },
        stream_);
  }

  void on_read(error_code ec, std::size_t n) {
    if (closed_) return;
    if (handover_done_ && ec == asio::error::operation_aborted) {
      read_stopped_ = true;
      return continue_handover();
    }
    if (ec) return close(ec == asio::error::eof ? "server closed TCP" : "read: " + ec.message());
    liveness_.heard(std::chrono::steady_clock::now());
    SessionUpdate update = session_.receive(std::string_view{buffer_.data(), n});
    if (update.became_ready) on_ready();
    for (const auto& skipped : update.skipped) note_skipped(skipped);
    for (auto& stanza : update.stanzas) {
      deliver(std::move(stanza));
      if (closed_) return;
    }
    if (!update.failure) {
      if (!update.to_write.empty()) queue(std::move(update.to_write));
      if (!handover_done_) return read();
      read_stopped_ = true;
      return continue_handover();
    }
    spdlog::error("component: {}: {}", to_string(update.failure->kind), update.failure->reason);
    // Stop reading; answer what arrived intact, then say goodbye.
    farewell_ = std::move(update.to_write);
    draining_ = was_ready_ && update.failure->kind != FailureKind::kClosedByPeer &&
                update.failure->kind != FailureKind::kStreamError;
    drain_deadline_ = std::chrono::steady_clock::now() + kDrainLimit;
    drain();
  }

  void deliver(Element stanza) {
    if (is_ping_answer(stanza)) return;  // the link's own; liveness heard it already
    ++link_->counters.stanzas_in;
    if (link_->handlers.on_stanza) link_->handlers.on_stanza(std::move(stanza));
  }

  // No write is under way (cancelling one would cut a stanza in half), so
  // cancelling the socket's operations stops only the read, and a read
  // that has not completed has consumed nothing.
  void stop_reading() {
    if (read_stop_requested_) return;
    read_stop_requested_ = true;
    error_code ignored;
    lowest().cancel(ignored);
  }

  // Waits for the replies to what arrived and for the writes, then gives
  // the socket away.
  void continue_handover() {
    if (closed_ || !read_stopped_ || writing_ || !outbox_.empty()) return;
    const auto& pending = link_->handlers.pending_replies;
    const auto waiting = pending ? pending() : 0;
    if (waiting > 0 && std::chrono::steady_clock::now() < handover_deadline_) {
      drain_timer_.expires_after(std::chrono::milliseconds{5});
      drain_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) self->continue_handover();
      });
      return;
    }
    if (waiting > 0) spdlog::warn("component: handing over with {} requests unanswered", waiting);
    auto done = std::exchange(handover_done_, {});
    auto stream = session_.handover();
    if (!stream) {
      spdlog::warn("component: a stanza over the size limit is under way; closing instead of handing over");
      finish();
      return done(std::nullopt);
    }
    const auto& o = link_->options;
    error_code ec;
    const int fd = lowest().release(ec);
    if (ec) {
      close("releasing the connection: " + ec.message());
      return done(std::nullopt);
    }
    done(LinkHandover{fd, o.session.component_domain, o.host, o.port, std::move(*stream)});
    closed_ = true;
    resolver_.cancel();
    handshake_timer_.cancel();
    write_timer_.cancel();
    link_->on_connection_closed(this, was_ready_);
  }

  // Says which limit and where, and whose stanza it was; never its content.
  void note_skipped(const SkippedStanza& skipped) {
    auto& c = link_->counters;
    switch (skipped.why.kind) {
      case ParseErrorKind::kTooDeep: ++c.skipped_too_deep; break;
      case ParseErrorKind::kTooManyAttributes: ++c.skipped_too_many_attributes; break;
      default: ++c.skipped_too_large; break;
    }
    const auto& head = skipped.head;
    spdlog::warn("component: skipped <{} type='{}' id='{}'> from {}: {}; the stream stays up",
                 base::for_log(head.name()), base::for_log(head.attr_or("type")),
                 base::for_log(head.attr_or("id")), base::for_log(head.attr_or("from", "?")),
                 describe(skipped.why));
  }

  void drain() {
    if (closed_) return;
    const auto& pending = link_->handlers.pending_replies;
    if (draining_ && pending && pending() > 0 &&
        std::chrono::steady_clock::now() < drain_deadline_) {
      drain_timer_.expires_after(std::chrono::milliseconds{10});
      drain_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) self->drain();
      });
      return;
    }
    draining_ = false;
    if (!farewell_.empty()) queue(std::exchange(farewell_, {}));
    closing_ = true;  // close once the farewell is written
    if (!writing_) close({});
  }

  void on_ready(bool handed_over = false) {
    was_ready_ = true;
    handshake_timer_.cancel();
    link_->attempt = 0;
    if (handed_over) {
      spdlog::info("component: carrying on the stream to {}:{} as {} that the previous process handed over",
                   link_->options.host, link_->options.port, link_->options.session.component_domain);
    } else {
      ++link_->counters.connects;
      spdlog::info("component: connected to {}:{} as {}", link_->options.host, link_->options.port,
                   link_->options.session.component_domain);
    }
    schedule_keepalive();
    if (link_->handlers.on_ready_changed) link_->handlers.on_ready_changed(true);
  }

  void schedule_keepalive() {
    keepalive_.expires_after(link_->options.keepalive);
    keepalive_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->closed_) return;
      self->on_keepalive();
      self->schedule_keepalive();
    });
  }

  void on_keepalive() {
    switch (liveness_.on_keepalive(std::chrono::steady_clock::now())) {
      case LinkLiveness::Tick::kWhitespace: return queue(" ");
      case LinkLiveness::Tick::kNothing: return;
      case LinkLiveness::Tick::kPing: break;
    }
    const auto& domain = link_->options.session.component_domain;
    auto bytes = session_.encode(ping_stanza(domain, ping_target(), liveness_.ping_id()));
    if (!bytes) return queue(" ");
    ++link_->counters.pings;
    queue(std::move(*bytes));
    answer_timer_.expires_at(liveness_.ping_deadline());
    answer_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->closed_) return;
      if (const auto age = self->liveness_.unanswered_ping(std::chrono::steady_clock::now())) {
        self->give_up("the server did not answer a ping within " +
                      std::to_string(age->count() / 1000) + " s");
      }
    });
  }

  std::string ping_target() const {
    const auto& o = link_->options;
    if (!o.ping_to.empty()) return o.ping_to;
    const auto& domain = o.session.component_domain;
    const auto dot = domain.find('.');
    return dot == std::string::npos ? domain : domain.substr(dot + 1);
  }

  // The server is there by TCP but not by deeds: a new connection (after
  // the usual back-off) is the only way to find out whether it recovered.
  void give_up(const std::string& why) {
    ++link_->counters.unresponsive;
    close(why + "; reconnecting");
  }

  void queue(std::string bytes) {
    if (closed_ || closing_) return;
    queued_bytes_ += bytes.size();
    if (queued_bytes_ > kMaxQueuedBytes) return close("server is not reading; write queue full");
    outbox_.push_back(std::move(bytes));
    if (!writing_) write_next();
  }

  // Everything queued goes out in one write (replies pile up while the
  // previous write is on its way: one system call for all of them).
  void write_next() {
    if (outbox_.empty()) {
      writing_ = false;
      if (closing_) return close({});
      if (handover_done_) {
        stop_reading();
        continue_handover();
      }
      return;
    }
    writing_ = true;
    in_write_.clear();
    buffers_.clear();
    for (auto& bytes : outbox_) in_write_.push_back(std::move(bytes));
    outbox_.clear();
    for (const auto& bytes : in_write_) buffers_.push_back(asio::buffer(bytes));
    const auto write = ++writes_;
    write_timer_.expires_after(link_->options.answer_timeout);
    write_timer_.async_wait([self = shared_from_this(), write](error_code ec) {
      if (ec || self->closed_ || !self->writing_ || self->writes_ != write) return;
      self->give_up("the server stopped reading: a write waited " +
                    std::to_string(self->link_->options.answer_timeout.count()) + " s");
    });
    std::visit(
        [&](auto& s) {
          asio::async_write(s, buffers_, [self = shared_from_this()](error_code ec, std::size_t written) {
            self->on_written(ec, written);
          });
        },
        stream_);
  }

  void on_written(error_code ec, std::size_t written) {
    if (closed_) return;
    if (ec) return close("write: " + ec.message());
    queued_bytes_ -= written;
    write_next();
  }

  std::shared_ptr<State> link_;
  Stream stream_;
  tcp::resolver resolver_;
  asio::steady_timer keepalive_;
  asio::steady_timer handshake_timer_;
  asio::steady_timer drain_timer_;
  asio::steady_timer answer_timer_;  // for the pending ping
  asio::steady_timer write_timer_;   // for the write in progress
  std::uint64_t writes_ = 0;
  ComponentSession session_;
  LinkLiveness liveness_;
  std::array<char, kReadBuffer> buffer_{};
  std::deque<std::string> outbox_;    // queued, not yet written
  std::vector<std::string> in_write_;  // being written, with their buffers
  std::vector<asio::const_buffer> buffers_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool was_ready_ = false;
  bool draining_ = false;
  HandoverDone handover_done_;  // set while handing over
  std::chrono::steady_clock::time_point handover_deadline_{};
  bool read_stop_requested_ = false;
  bool read_stopped_ = false;
  std::string farewell_;
  std::chrono::steady_clock::time_point drain_deadline_{};
};

void ComponentLink::State::connect() {
  if (!running) return;
  current = std::make_shared<Connection>(shared_from_this());
  if (auto handed = std::exchange(adopted, std::nullopt)) return current->start_adopted(*handed);
  current->start();
}

void ComponentLink::State::on_connection_closed(const Connection* which, bool was_ready) {
  if (current.get() != which) return;
  auto keep_alive_until_return = current;
  current.reset();
  ++counters.failures;
  if (was_ready && handlers.on_ready_changed) handlers.on_ready_changed(false);
  if (!running) return;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto delay = base::backoff_delay(options.reconnect, attempt++, unit(rng));
  spdlog::info("component: reconnecting in {} ms", delay.count());
  retry_timer.expires_after(delay);
  retry_timer.async_wait([weak = weak_from_this()](error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->connect();
  });
}

ComponentLink::ComponentLink(asio::any_io_executor executor, LinkOptions options,
                             Handlers handlers)
    : state_(std::make_shared<State>(executor, std::move(options), std::move(handlers))) {
  if (state_->options.tls.enabled) state_->tls = component_tls_context(state_->options.tls);
}

ComponentLink::~ComponentLink() {
  state_->running = false;
  state_->retry_timer.cancel();
  if (state_->current) state_->current->close({});
}

void ComponentLink::start() {
  if (state_->running) return;
  state_->running = true;
  state_->connect();
}

void ComponentLink::stop() {
  state_->running = false;
  state_->retry_timer.cancel();
  if (state_->current) state_->current->finish();
}

void ComponentLink::hand_over(HandoverDone done) {
  state_->running = false;
  state_->retry_timer.cancel();
  if (!state_->current) return done(std::nullopt);
  state_->current->hand_over(std::move(done));
}

void ComponentLink::adopt(LinkHandover handover) {
  const auto& o = state_->options;
  if (!o.tls.enabled && handover.host == o.host && handover.port == o.port &&
      handover.component_domain == o.session.component_domain) {
    state_->adopted = std::move(handover);
    return;
  }
  spdlog::warn("component: the handed-over connection is to {}:{} as {}, the configuration says {}:{} as {}{};"
               " closing it and connecting anew",
               handover.host, handover.port, handover.component_domain, o.host, o.port,
               o.session.component_domain, o.tls.enabled ? " over TLS" : "");
  constexpr std::string_view close_stream = ComponentSession::kClose;
  [[maybe_unused]] const auto written = ::write(handover.fd, close_stream.data(), close_stream.size());
  ::close(handover.fd);
}

bool ComponentLink::send(const Element& stanza) {
  if (!state_->current) return false;
  return state_->current->send(stanza);
}

bool ComponentLink::ready() const { return state_->current && state_->current->ready(); }

const LinkCounters& ComponentLink::counters() const { return state_->counters; }

}  // namespace xpush::interceptor
