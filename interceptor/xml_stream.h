// XMPP stream parser on expat, with no I/O: feed it bytes, get back events.
// Depth 0 is outside the stream, the <stream:stream> header opens depth 1, an
// element at depth 1 is a stanza, delivered when it closes (libstrophe's rules).
// RFC 6120 §11.1: DOCTYPE, entity declarations, comments and processing
// instructions are refused.
//
// Limits are per stanza: a stanza over the size, depth or attribute limit is
// parsed on without building its tree and reported as SkippedStanza (its
// top-level element and attributes only), and the stream goes on. What the
// XMPP server relays has passed its own checks, so one user's odd stanza must
// not end the link that carries everyone's pushes. Only what XML makes fatal,
// and input that would grow memory without bound (one unfinished tag over
// max_token_bytes, nesting over max_nesting), ends the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <tl/expected.hpp>
#include <vector>

#include "interceptor/element.h"

namespace xpush::interceptor {

struct StreamLimits {
  // A stanza beyond any of these is skipped (docs/component.md#limits).
  // Prosody and ejabberd accept client stanzas up to 256 KiB; relayed in a
  // forwarded message, escaping can make one six times larger (' -> &apos;).
  std::size_t max_stanza_bytes = 2 * 1024 * 1024;
  std::size_t max_depth = 32;          // counting the stream header as 1
  std::size_t max_attributes = 64;     // on one element
  // Beyond these the stream ends: memory could not stay bounded. Neither is
  // reachable within the servers' own stanza limits.
  std::size_t max_token_bytes = 8 * 1024 * 1024;  // one tag not yet complete
  std::size_t max_nesting = 100'000;              // open elements, skipped or not
};

enum class ParseErrorKind {
  kNotWellFormed,   // expat's verdict: syntax, bad characters, broken UTF-8, undefined entity
  kRestrictedXml,   // DOCTYPE, entity declaration, comment, processing instruction
  kStanzaTooLarge,
  kTooDeep,
  kTooManyAttributes,
  kBadStreamHeader, // the root element is not <stream:stream/>
};

struct ParseError {
  ParseErrorKind kind;
  std::string detail;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
};

std::string_view to_string(ParseErrorKind kind);
// "not-well-formed at 1:42: not well-formed (invalid token)"
std::string describe(const ParseError& error);

struct StreamOpened {
  Element header;  // attributes of <stream:stream>, no children
};
// A stanza over a limit: its top-level element with its attributes (enough
// to answer an IQ with an error), no children; `why` says which limit and where.
struct SkippedStanza {
  Element head;
  ParseError why;
};
struct StreamClosed {};
using StreamEvent = std::variant<StreamOpened, Element, SkippedStanza, StreamClosed>;

class XmlStream {
 public:
  explicit XmlStream(StreamLimits limits = {});
  ~XmlStream();
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;

  // Parses the bytes and returns the events they completed, then the error
  // that stopped parsing, if any: stanzas completed before an error in the
  // same read are still delivered. After an error the stream is dead and
  // every later call returns the same error until reset().
  struct Result {
    std::vector<StreamEvent> events;
    std::optional<ParseError> error;
  };
  Result feed(std::string_view bytes);
  void reset();

  // The bytes fed since the last stanza ended: the start of a stanza not
  // yet complete (empty between stanzas). Fed, in this order, to a parser
  // that has read the same stream header, they let it carry on where this
  // one stopped (a restart that keeps the connection). nullopt when they
  // were not kept: a stanza skipped over max_stanza_bytes is not stored.
  std::optional<std::string_view> unfinished_stanza() const;
  // The stream header's start tag exactly as it arrived (namespace
  // declarations included); empty before it.
  const std::string& stream_header() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// One stanza from a file or a capture, as if it had arrived on a client
// stream (default namespace jabber:client). An XML declaration in front is
// allowed; anything else the stream parser refuses is an error.
tl::expected<Element, std::string> parse_stanza_text(std::string_view xml);

}  // namespace xpush::interceptor
