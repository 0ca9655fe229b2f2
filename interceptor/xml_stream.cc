#include "interceptor/xml_stream.h"

#include <expat.h>

#include <utility>

#include "xpush_config.h"

namespace xpush::interceptor {

namespace {
// expat reports "namespace-uri<sep>local-name<sep>prefix" with triplets on.
constexpr char kNsSeparator = '\x01';

struct QName {
  std::string_view ns;
  std::string_view local;
  std::string_view prefix;
};

QName split_name(std::string_view raw) {
  QName q;
  auto first = raw.find(kNsSeparator);
  if (first == std::string_view::npos) {
    q.local = raw;
    return q;
  }
  q.ns = raw.substr(0, first);
  auto rest = raw.substr(first + 1);
  auto second = rest.find(kNsSeparator);
  q.local = rest.substr(0, second);
  if (second != std::string_view::npos) q.prefix = rest.substr(second + 1);
  return q;
}
}  // namespace

struct XmlStream::Impl {
  StreamLimits limits;
  XML_Parser parser = nullptr;
  std::vector<StreamEvent> events;
  std::vector<Element> open;       // the stanza being built, outermost first
  std::size_t depth = 0;           // 0 outside the stream, 1 inside the header
  std::uint64_t fed = 0;           // bytes given to expat so far
  std::uint64_t boundary = 0;      // byte index where the current stanza may start
  std::uint64_t progress = 0;      // byte index after the last event expat reported
  std::optional<ParseError> skip;  // set while the current stanza is being skipped
  std::optional<ParseError> error;
  std::string header;              // the <stream:stream ...> start tag as it was sent
  std::string unfinished;          // bytes [boundary, fed), while they fit the stanza limit
  bool unfinished_kept = true;

  // Keeps what is needed to hand the stream to another parser: the bytes of
  // the stanza under way, bounded by the stanza limit.
  void keep_unfinished(std::string_view chunk) {
    const std::uint64_t wanted = fed - boundary;
    if (wanted == 0) {
      unfinished.clear();
      unfinished_kept = true;
    } else if (wanted > limits.max_stanza_bytes || (!unfinished_kept && wanted > chunk.size())) {
      unfinished.clear();
      unfinished_kept = false;
    } else if (wanted <= chunk.size()) {
      unfinished.assign(chunk.substr(chunk.size() - wanted));
      unfinished_kept = true;
    } else {
      unfinished.append(chunk);
      unfinished.erase(0, unfinished.size() - wanted);
    }
  }

  explicit Impl(StreamLimits l) : limits(l) { create(); }
  ~Impl() { XML_ParserFree(parser); }

  void create();
  void fail(ParseErrorKind kind, std::string detail);
  ParseError here(ParseErrorKind kind, std::string detail) const {
    return ParseError{kind, std::move(detail), XML_GetCurrentLineNumber(parser),
                      XML_GetCurrentColumnNumber(parser)};
  }
  void start_skip(ParseErrorKind kind, std::string detail);
  void skip_if_too_large();
  std::string too_large() const {
    return "stanza larger than " + std::to_string(limits.max_stanza_bytes) + " bytes";
  }
  std::uint64_t event_end() const {
    return static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser) +
                                      XML_GetCurrentByteCount(parser));
  }
  bool over_size_limit() const {
    return fed > boundary && fed - boundary > limits.max_stanza_bytes;
  }

  void on_start(const XML_Char* name, const XML_Char** attrs);
  void on_end();
  void on_text(std::string_view text);
};

namespace {
XmlStream::Impl& self(void* user) { return *static_cast<XmlStream::Impl*>(user); }

void XMLCALL start_cb(void* u, const XML_Char* name, const XML_Char** attrs) {
  self(u).on_start(name, attrs);
}
void XMLCALL end_cb(void* u, const XML_Char*) { self(u).on_end(); }
void XMLCALL text_cb(void* u, const XML_Char* s, int len) {
  self(u).on_text(std::string_view{s, static_cast<std::size_t>(len)});
}
void XMLCALL doctype_cb(void* u, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  self(u).fail(ParseErrorKind::kRestrictedXml, "DOCTYPE is not allowed in XMPP");
}
void XMLCALL entity_cb(void* u, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                       const XML_Char*, const XML_Char*, const XML_Char*) {
  self(u).fail(ParseErrorKind::kRestrictedXml, "entity declarations are not allowed in XMPP");
}
void XMLCALL pi_cb(void* u, const XML_Char*, const XML_Char*) {
  self(u).fail(ParseErrorKind::kRestrictedXml, "processing instructions are not allowed in XMPP");
}
void XMLCALL comment_cb(void* u, const XML_Char*) {
  self(u).fail(ParseErrorKind::kRestrictedXml, "comments are not allowed in XMPP");
}
}  // namespace

void XmlStream::Impl::create() {
  // The encoding is forced to UTF-8 (RFC 6120 §11.6), whatever a declaration says.
  parser = XML_ParserCreateNS("UTF-8", kNsSeparator);
  XML_SetReturnNSTriplet(parser, XML_TRUE);
  XML_SetUserData(parser, this);
  XML_SetElementHandler(parser, start_cb, end_cb);
  XML_SetCharacterDataHandler(parser, text_cb);
  XML_SetStartDoctypeDeclHandler(parser, doctype_cb);
  XML_SetEntityDeclHandler(parser, entity_cb);
  XML_SetProcessingInstructionHandler(parser, pi_cb);
  XML_SetCommentHandler(parser, comment_cb);
  XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
#if XPUSH_HAVE_REPARSE_DEFERRAL
  // A stanza must be delivered as soon as its bytes arrive; the size cap
  // above already bounds the cost that deferral protects against.
  XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#endif
}

void XmlStream::Impl::fail(ParseErrorKind kind, std::string detail) {
  if (error) return;
  error = here(kind, std::move(detail));
  XML_StopParser(parser, XML_FALSE);
}

// From here to the end of the stanza nothing more is built: the head keeps
// the top-level element's name and attributes, the rest is parsed and dropped.
void XmlStream::Impl::start_skip(ParseErrorKind kind, std::string detail) {
  if (skip || open.empty()) return;
  skip = here(kind, std::move(detail));
  Element head = open.front().head();
  open.clear();
  open.push_back(std::move(head));
}

void XmlStream::Impl::skip_if_too_large() {
  if (!skip && !open.empty() && over_size_limit()) {
    start_skip(ParseErrorKind::kStanzaTooLarge, too_large());
  }
}

namespace {
std::size_t count_attributes(const XML_Char** attrs) {
  std::size_t n = 0;
  for (const XML_Char** a = attrs; *a; a += 2) ++n;
  return n;
}

// The attributes a stanza error reply needs, when the rest are too many.
bool addresses_reply(std::string_view local) {
  return local == "id" || local == "from" || local == "to" || local == "type";
}
}  // namespace

void XmlStream::Impl::on_start(const XML_Char* raw_name, const XML_Char** attrs) {
  if (error) return;
  progress = event_end();
  const QName q = split_name(raw_name);
  if (depth == 0) {
    if (q.local != "stream" || q.ns != ns::kStreams) {
      fail(ParseErrorKind::kBadStreamHeader, "expected <stream:stream>, got <" +
                                                 std::string{q.local} + ">");
      return;
    }
  }
  if (depth >= limits.max_nesting) {
    fail(ParseErrorKind::kTooDeep,
         "elements nested deeper than " + std::to_string(limits.max_nesting));
    return;
  }
  if (skip) {
    ++depth;
    return;
  }
  if (depth >= limits.max_depth && depth >= 2) {
    start_skip(ParseErrorKind::kTooDeep,
               "elements nested deeper than " + std::to_string(limits.max_depth));
    ++depth;
    return;
  }
  const bool too_many = count_attributes(attrs) > limits.max_attributes;
  Element element{q.ns, q.local};
  for (const XML_Char** a = attrs; *a; a += 2) {
    const QName an = split_name(a[0]);
    if (an.ns.empty()) {
      if (!too_many || addresses_reply(an.local)) element.set_attr(an.local, a[1]);
    } else if (an.ns == ns::kXml && !too_many) {
      element.set_attr("xml:" + std::string{an.local}, a[1]);
    }
    // Attributes in other namespaces carry nothing XMPP defines; dropping
    // them keeps every element serialisable without prefix bookkeeping.
  }
  ++depth;
  if (depth == 1) {
    int offset = 0;
    int size = 0;
    if (const char* context = XML_GetInputContext(parser, &offset, &size)) {
      header.assign(context + offset, static_cast<std::size_t>(XML_GetCurrentByteCount(parser)));
    }
    events.emplace_back(StreamOpened{std::move(element)});
    // The first stanza may start right after the header's start tag.
    boundary = progress;
    return;
  }
  open.push_back(std::move(element));
  if (too_many) {
    start_skip(ParseErrorKind::kTooManyAttributes,
               "more than " + std::to_string(limits.max_attributes) + " attributes on one element");
    return;
  }
  skip_if_too_large();
}

void XmlStream::Impl::on_end() {
  if (error) return;
  progress = event_end();
  --depth;
  if (depth == 0) {
    events.emplace_back(StreamClosed{});
    return;
  }
  if (skip) {
    if (depth > 1) return;
    events.emplace_back(SkippedStanza{std::move(open.front()), *std::exchange(skip, std::nullopt)});
    open.clear();
    boundary = progress;
    return;
  }
  Element done = std::move(open.back());
  open.pop_back();
  if (open.empty()) {
    events.emplace_back(std::move(done));
    boundary = progress;
  } else {
    open.back().add(std::move(done));
  }
}

void XmlStream::Impl::on_text(std::string_view text) {
  if (error) return;
  progress = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser)) + text.size();
  if (open.empty()) {
    // Whitespace between stanzas (keepalives) starts nothing.
    boundary = progress;
    return;
  }
  if (skip) return;
  if (progress - boundary > limits.max_stanza_bytes) {
    start_skip(ParseErrorKind::kStanzaTooLarge, too_large());
    return;
  }
  open.back().add_text(text);
}

XmlStream::XmlStream(StreamLimits limits) : impl_(std::make_unique<Impl>(limits)) {}
XmlStream::~XmlStream() = default;

void XmlStream::reset() { impl_ = std::make_unique<Impl>(impl_->limits); }

XmlStream::Result XmlStream::feed(std::string_view bytes) {
  Impl& s = *impl_;
  if (s.error) return Result{{}, s.error};
  // Feed in slices so that a flood inside one read is skipped at the size cap
  // instead of being built first.
  constexpr std::size_t kSlice = 16 * 1024;
  while (!bytes.empty() && !s.error) {
    const auto slice = bytes.substr(0, kSlice);
    bytes.remove_prefix(slice.size());
    s.fed += slice.size();
    const auto status = XML_Parse(s.parser, slice.data(), static_cast<int>(slice.size()), XML_FALSE);
    s.keep_unfinished(slice);
    if (status == XML_STATUS_ERROR && !s.error) {
      s.error = ParseError{ParseErrorKind::kNotWellFormed,
                           XML_ErrorString(XML_GetErrorCode(s.parser)),
                           XML_GetCurrentLineNumber(s.parser),
                           XML_GetCurrentColumnNumber(s.parser)};
    }
    if (s.error) break;
    s.skip_if_too_large();
    if (s.fed - s.progress > s.limits.max_token_bytes) {
      s.fail(ParseErrorKind::kStanzaTooLarge, "a tag longer than " +
                                                  std::to_string(s.limits.max_token_bytes) +
                                                  " bytes");
    }
  }
  return Result{std::exchange(s.events, {}), s.error};
}

const std::string& XmlStream::stream_header() const { return impl_->header; }

std::optional<std::string_view> XmlStream::unfinished_stanza() const {
  if (impl_->error || !impl_->unfinished_kept) return std::nullopt;
  return std::string_view{impl_->unfinished};
}

std::string_view to_string(ParseErrorKind kind) {
  switch (kind) {
    case ParseErrorKind::kNotWellFormed: return "not-well-formed";
    case ParseErrorKind::kRestrictedXml: return "restricted-xml";
    case ParseErrorKind::kStanzaTooLarge: return "stanza-too-large";
    case ParseErrorKind::kTooDeep: return "too-deep";
    case ParseErrorKind::kTooManyAttributes: return "too-many-attributes";
    case ParseErrorKind::kBadStreamHeader: return "bad-stream-header";
  }
  return "unknown";
}

std::string describe(const ParseError& error) {
  return std::string{to_string(error.kind)} + " at " + std::to_string(error.line) + ":" +
         std::to_string(error.column) + ": " + error.detail;
}

tl::expected<Element, std::string> parse_stanza_text(std::string_view xml) {
  const auto first = xml.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  xml = first == std::string_view::npos ? std::string_view{} : xml.substr(first);
  if (xml.starts_with("<?xml")) {
    const auto end = xml.find("?>");
    if (end == std::string_view::npos) return tl::unexpected(std::string{"unterminated XML declaration"});
    xml.remove_prefix(end + 2);
  }
  XmlStream stream;
  std::string wrapped =
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>";
  wrapped += xml;
  auto result = stream.feed(wrapped);
  for (auto& event : result.events) {
    if (auto* element = std::get_if<Element>(&event)) return std::move(*element);
    if (auto* skipped = std::get_if<SkippedStanza>(&event)) return tl::unexpected(describe(skipped->why));
  }
  if (result.error) return tl::unexpected(describe(*result.error));
  return tl::unexpected(std::string{"no complete element"});
}

}  // namespace xpush::interceptor
