#include "interceptor/component_session.h"

#include <variant>

#include "interceptor/handshake.h"
#include "interceptor/iq.h"
#include "interceptor/jid.h"

namespace xpush::interceptor {

namespace {

// The stream error we send before closing, by what went wrong in parsing.
std::string_view stream_condition(ParseErrorKind kind) {
  switch (kind) {
    case ParseErrorKind::kRestrictedXml: return "restricted-xml";
    case ParseErrorKind::kStanzaTooLarge: return "policy-violation";
    case ParseErrorKind::kTooDeep: return "policy-violation";
    case ParseErrorKind::kTooManyAttributes: return "policy-violation";
    case ParseErrorKind::kBadStreamHeader: return "invalid-namespace";
    case ParseErrorKind::kNotWellFormed: return "not-well-formed";
  }
  return "undefined-condition";
}

std::string stream_error(std::string_view condition) {
  std::string out = "<stream:error><";
  out += condition;
  out += " xmlns='";
  out += ns::kStreamErrors;
  out += "'/></stream:error>";
  out += ComponentSession::kClose;
  return out;
}

std::string describe_stream_error(const Element& error) {
  std::string condition = "undefined-condition";
  std::string text;
  for (const auto& c : error.children()) {
    if (c.is_text() || c.ns() != ns::kStreamErrors) continue;
    if (c.name() == "text") {
      text = c.text();
    } else {
      condition = c.name();
    }
  }
  return text.empty() ? condition : condition + " (" + text + ")";
}

}  // namespace

ComponentSession::ComponentSession(SessionConfig config)
    : config_(std::move(config)), parser_(config_.limits) {}

std::string ComponentSession::open() {
  parser_.reset();
  stream_id_.clear();
  state_ = SessionState::kAwaitingHeader;
  std::string header = "<?xml version='1.0'?><stream:stream xmlns='";
  header += ns::kComponent;
  header += "' xmlns:stream='";
  header += ns::kStreams;
  header += "' to='";
  append_escaped_attr(header, config_.component_domain);
  header += "'>";
  return header;
}

SessionUpdate ComponentSession::receive(std::string_view bytes) {
  SessionUpdate update;
  if (state_ == SessionState::kClosed || state_ == SessionState::kIdle) return update;
  auto result = parser_.feed(bytes);
  for (auto& event : result.events) {
    if (state_ == SessionState::kClosed) break;
    if (auto* opened = std::get_if<StreamOpened>(&event)) {
      on_header(opened->header, update);
    } else if (auto* element = std::get_if<Element>(&event)) {
      on_element(std::move(*element), update);
    } else if (auto* skipped = std::get_if<SkippedStanza>(&event)) {
      on_skipped(std::move(*skipped), update);
    } else {
      fail(update, FailureKind::kClosedByPeer, "server closed the stream");
    }
  }
  if (result.error && state_ != SessionState::kClosed) {
    update.to_write += stream_error(stream_condition(result.error->kind));
    fail(update, FailureKind::kBadInput, describe(*result.error));
  }
  return update;
}

std::optional<StreamHandover> ComponentSession::handover() const {
  const auto unfinished = parser_.unfinished_stanza();
  if (state_ != SessionState::kReady || !unfinished || parser_.stream_header().empty()) return std::nullopt;
  return StreamHandover{stream_id_, parser_.stream_header(), std::string{*unfinished}};
}

SessionUpdate ComponentSession::adopt(const StreamHandover& stream) {
  parser_.reset();
  state_ = SessionState::kAwaitingHeader;
  adopting_ = true;
  auto update = receive(stream.header);
  adopting_ = false;
  if (update.failure) return update;
  if (state_ != SessionState::kReady) {
    fail(update, FailureKind::kProtocol, "the handed-over stream header did not parse");
    return update;
  }
  stream_id_ = stream.stream_id;
  auto rest = receive(stream.unfinished);
  rest.to_write.insert(0, update.to_write);
  return rest;
}

void ComponentSession::on_header(const Element& header, SessionUpdate& update) {
  if (state_ != SessionState::kAwaitingHeader) {
    fail(update, FailureKind::kProtocol, "second stream header");
    return;
  }
  if (adopting_) {
    state_ = SessionState::kReady;  // authenticated by the process that handed it over
    return;
  }
  const auto id = header.attr("id");
  if (!id || id->empty()) {
    // Prosody answers an unknown domain with an id-less header and an error;
    // wait for that error, it says more than we could.
    state_ = SessionState::kAwaitingHandshake;
    return;
  }
  stream_id_ = std::string{*id};
  state_ = SessionState::kAwaitingHandshake;
  update.to_write += "<handshake>" + handshake_digest(stream_id_, config_.secret) + "</handshake>";
}

void ComponentSession::on_element(Element element, SessionUpdate& update) {
  if (element.is("error", ns::kStreams)) {
    fail(update, FailureKind::kStreamError, describe_stream_error(element));
    return;
  }
  if (state_ == SessionState::kAwaitingHandshake) {
    // Prosody and ejabberd send <handshake/>, Openfire <handshake></handshake>.
    if (element.name() == "handshake" && !stream_id_.empty()) {
      state_ = SessionState::kReady;
      update.became_ready = true;
      return;
    }
    fail(update, FailureKind::kProtocol, "expected <handshake/>, got <" + element.name() + ">");
    return;
  }
  update.stanzas.push_back(std::move(element));
}

// The server relayed it, so the stream is fine: refuse this stanza alone. A
// request is answered so that its sender is not left waiting; a message or
// presence is dropped, as a server drops what it will not route.
void ComponentSession::on_skipped(SkippedStanza skipped, SessionUpdate& update) {
  if (state_ != SessionState::kReady) {
    fail(update, FailureKind::kProtocol, "expected <handshake/>, got a stanza over a limit");
    return;
  }
  const Element& head = skipped.head;
  const auto type = head.attr_or("type");
  if (head.name() == "iq" && (type == "get" || type == "set")) {
    if (auto reply = encode(iq_error(head, ErrorType::kModify, "policy-violation", skipped.why.detail))) {
      update.to_write += *reply;
    }
  }
  update.skipped.push_back(std::move(skipped));
}

void ComponentSession::fail(SessionUpdate& update, FailureKind kind, std::string reason) {
  state_ = SessionState::kClosed;
  if (kind != FailureKind::kBadInput) update.to_write += kClose;
  update.failure = SessionFailure{kind, std::move(reason)};
}

tl::expected<std::string, std::string> ComponentSession::encode(const Element& stanza) const {
  const auto from = stanza.attr("from");
  const auto to = stanza.attr("to");
  if (!from || !to || from->empty() || to->empty()) {
    return tl::unexpected(std::string{"outgoing <"} + stanza.name() + "> lacks from or to");
  }
  const auto from_jid = Jid::parse(*from);
  if (!from_jid || from_jid->domain != config_.component_domain) {
    return tl::unexpected("outgoing from='" + std::string{*from} + "' is outside " +
                          config_.component_domain);
  }
  return serialize(stanza);
}

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::kBadInput: return "bad input";
    case FailureKind::kStreamError: return "stream error";
    case FailureKind::kProtocol: return "protocol error";
    case FailureKind::kClosedByPeer: return "closed by server";
  }
  return "unknown";
}

}  // namespace xpush::interceptor
