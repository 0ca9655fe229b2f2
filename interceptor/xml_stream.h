// XMPP stream parser on expat, with no I/O: feed it bytes, get back events.
// Depth 0 is outside the stream, the <stream:stream> header opens depth 1, an
// element at depth 1 is a stanza, delivered when it closes (libstrophe's rules).
// RFC 6120 §11.1: DOCTYPE, entity declarations, comments and processing
// instructions are refused. Stanza size and nesting depth are capped.
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
  // Prosody's own default for component stanzas (512 KiB).
  std::size_t max_stanza_bytes = 512 * 1024;
  std::size_t max_depth = 32;
};

enum class ParseErrorKind {
  kNotWellFormed,   // expat's verdict: syntax, bad characters, broken UTF-8, undefined entity
  kRestrictedXml,   // DOCTYPE, entity declaration, comment, processing instruction
  kStanzaTooLarge,
  kTooDeep,
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
struct StreamClosed {};
using StreamEvent = std::variant<StreamOpened, Element, StreamClosed>;

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

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// One stanza from a file or a capture, as if it had arrived on a client
// stream (default namespace jabber:client). An XML declaration in front is
// allowed; anything else the stream parser refuses is an error.
tl::expected<Element, std::string> parse_stanza_text(std::string_view xml);

}  // namespace xpush::interceptor
