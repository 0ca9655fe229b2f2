// The XEP-0114 connection to the XMPP server on the Asio loop: TCP or TLS,
// the session state machine, a whitespace keepalive, and reconnection with
// capped exponential back-off for as long as the link is started.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "base/backoff.h"
#include "interceptor/component_session.h"
#include "interceptor/element.h"
#include "interceptor/link_handover.h"

namespace xpush::interceptor {

struct LinkTlsOptions {
  bool enabled = false;      // implicit TLS on the component port (ejabberd `tls: true`)
  bool verify = true;
  std::string ca_file;       // empty: the system's trust store
  std::string server_name;   // SNI and name check; empty: the host
};

struct LinkOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5347;
  LinkTlsOptions tls;
  // Openfire drops a component idle for 6 min, so keep this well under that.
  std::chrono::seconds keepalive{30};
  std::chrono::seconds handshake_timeout{10};
  // The server must take what we write, and answer a ping sent after a
  // quiet keepalive interval, within this; otherwise the link is replaced
  // (interceptor/link_liveness.h). Also the socket's TCP_USER_TIMEOUT.
  std::chrono::seconds answer_timeout{30};
  // Where pings go; empty: the component domain's parent (push.example.org
  // pings example.org). Any answer, even an error, proves the server alive.
  std::string ping_to;
  base::BackoffPolicy reconnect;
  SessionConfig session;
};

struct LinkCounters {
  std::uint64_t connects = 0;
  std::uint64_t failures = 0;
  std::uint64_t pings = 0;
  // Connections replaced because the server stopped reading or answering.
  std::uint64_t unresponsive = 0;
  std::uint64_t stanzas_in = 0;
  std::uint64_t stanzas_out = 0;
  // Stanzas skipped over a limit, the stream kept (docs/component.md#limits).
  std::uint64_t skipped_too_large = 0;
  std::uint64_t skipped_too_deep = 0;
  std::uint64_t skipped_too_many_attributes = 0;
};

class ComponentLink {
 public:
  struct Handlers {
    std::function<void(Element)> on_stanza;
    std::function<void(bool ready)> on_ready_changed;
    // How many received requests still await their reply. When we must end
    // a stream over bad input, those replies are sent first (bounded by
    // kDrainLimit) so that requests that arrived intact are answered.
    std::function<std::size_t()> pending_replies;
  };
  static constexpr std::chrono::milliseconds kDrainLimit{2000};

  ComponentLink(boost::asio::any_io_executor executor, LinkOptions options, Handlers handlers);
  ~ComponentLink();
  ComponentLink(const ComponentLink&) = delete;
  ComponentLink& operator=(const ComponentLink&) = delete;

  void start();
  // Closes the stream politely and stops reconnecting.
  void stop();
  // Like stop(), but the stream is left open for the next process: reading
  // stops, the requests that arrived are answered (for at most kDrainLimit),
  // and `done` gets the connected socket and the stream's state. It gets
  // nullopt, after a polite close, when the link cannot be handed over
  // (down, TLS, a stanza over the size limit under way).
  using HandoverDone = std::function<void(std::optional<LinkHandover>)>;
  void hand_over(HandoverDone done);
  // Before start(): carry on this stream instead of connecting, if it is the
  // configured link (plain TCP, same host, port and domain); otherwise it is
  // closed politely and start() connects as usual.
  void adopt(LinkHandover handover);
  // Queues a stanza; false (and logged) when not ready or when it is not a
  // stanza we may send.
  bool send(const Element& stanza);
  bool ready() const;
  const LinkCounters& counters() const;

  class Connection;
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace xpush::interceptor
