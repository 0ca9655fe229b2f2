// XEP-0114 component session as a state machine without I/O: give it the bytes
// the server sent, it says what to write back, which stanzas arrived, and when
// the stream is ready or has failed. The transport only moves bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "interceptor/element.h"
#include "interceptor/xml_stream.h"

namespace xpush::interceptor {

struct SessionConfig {
  std::string component_domain;  // the `to` of our stream header, e.g. push.example.com
  std::string secret;
  StreamLimits limits;
};

enum class SessionState { kIdle, kAwaitingHeader, kAwaitingHandshake, kReady, kClosed };

enum class FailureKind {
  kBadInput,         // the server sent something we refuse to parse
  kStreamError,      // the server ended the stream with <stream:error/>
  kProtocol,         // well-formed but not XEP-0114 (wrong header, stanza before handshake)
  kClosedByPeer,     // </stream:stream>
};

struct SessionFailure {
  FailureKind kind;
  std::string reason;  // for the log: what was wrong and where
};

// What another process needs to carry on a stream this one authenticated
// (a restart that keeps the connection, docs/component.md#restarts).
struct StreamHandover {
  std::string stream_id;
  std::string header;      // the server's <stream:stream> start tag, as it was sent
  std::string unfinished;  // the start of a stanza not yet complete
};

struct SessionUpdate {
  std::string to_write;
  std::vector<Element> stanzas;
  // Stanzas over a limit, not processed; an IQ request among them has
  // already been answered with an error in to_write.
  std::vector<SkippedStanza> skipped;
  bool became_ready = false;
  std::optional<SessionFailure> failure;  // the connection must be closed after writing
};

class ComponentSession {
 public:
  explicit ComponentSession(SessionConfig config);

  // Starts a new stream (also after a reconnect) and returns its header.
  std::string open();
  SessionUpdate receive(std::string_view bytes);

  // The state of a ready stream, for handing it over; nullopt when it
  // cannot be (not ready, or a stanza over the limit is under way).
  std::optional<StreamHandover> handover() const;
  // Carries on a ready stream that another session handed over: no header
  // and no handshake are sent. The update holds what the unfinished bytes
  // completed (normally nothing) or the failure if they did not parse.
  SessionUpdate adopt(const StreamHandover& stream);

  // Serialises a stanza we send. Every outgoing stanza needs `from` and `to`
  // (ejabberd closes the stream otherwise) and `from` in our own domain.
  tl::expected<std::string, std::string> encode(const Element& stanza) const;

  SessionState state() const { return state_; }
  const std::string& stream_id() const { return stream_id_; }
  const SessionConfig& config() const { return config_; }

  static constexpr std::string_view kClose = "</stream:stream>";

 private:
  void on_header(const Element& header, SessionUpdate& update);
  void on_element(Element element, SessionUpdate& update);
  void on_skipped(SkippedStanza skipped, SessionUpdate& update);
  void fail(SessionUpdate& update, FailureKind kind, std::string reason);

  SessionConfig config_;
  XmlStream parser_;
  SessionState state_ = SessionState::kIdle;
  std::string stream_id_;
  bool adopting_ = false;
};

std::string_view to_string(FailureKind kind);

}  // namespace xpush::interceptor
