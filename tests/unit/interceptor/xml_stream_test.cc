#include "interceptor/xml_stream.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tests/unit/utf8_encode.h"

namespace xpush::interceptor {
namespace {

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:component:accept' id='abc' from='push.localhost'>";

std::vector<Element> stanzas_of(const XmlStream::Result& r) {
  std::vector<Element> out;
  for (const auto& e : r.events) {
    if (auto* s = std::get_if<Element>(&e)) out.push_back(*s);
  }
  return out;
}

TEST(XmlStream, HeaderThenStanzasAtDepthOne) {
  XmlStream stream;
  auto r = stream.feed(kHeader + "<handshake/><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>");
  ASSERT_FALSE(r.error) << describe(*r.error);
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(std::get<StreamOpened>(r.events[0]).header.attr_or("id"), "abc");
  auto stanzas = stanzas_of(r);
  ASSERT_EQ(stanzas.size(), 2u);
  EXPECT_TRUE(stanzas[0].is("handshake", ns::kComponent));
  EXPECT_EQ(stanzas[1].attr_or("type"), "get");
  EXPECT_TRUE(stanzas[1].child("ping", "urn:xmpp:ping"));
}

TEST(XmlStream, StanzaSplitAcrossReadsIsDeliveredOnceComplete) {
  XmlStream stream;
  const std::string data = kHeader + "<message to='a@b'><body>h\xC3\xA9llo &amp; bye</body></message>";
  std::vector<Element> got;
  for (char c : data) {  // one byte at a time, splitting the UTF-8 sequence too
    auto r = stream.feed(std::string_view{&c, 1});
    ASSERT_FALSE(r.error) << describe(*r.error);
    for (auto& s : stanzas_of(r)) got.push_back(s);
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].child_text("body", ns::kComponent), "h\xC3\xA9llo & bye");
}

TEST(XmlStream, KeepsNamespacesAndXmlLang) {
  XmlStream stream;
  auto r = stream.feed(kHeader + "<iq xml:lang='en' xmlns:p='urn:x'><p:q a='1'/></iq>");
  ASSERT_FALSE(r.error);
  auto s = stanzas_of(r).at(0);
  EXPECT_EQ(s.attr_or("xml:lang"), "en");
  ASSERT_NE(s.child("q", "urn:x"), nullptr);
  EXPECT_EQ(s.child("q", "urn:x")->attr_or("a"), "1");
}

TEST(XmlStream, WhitespaceKeepalivesAndCloseTag) {
  XmlStream stream;
  auto r = stream.feed(kHeader + "  \n <handshake/> </stream:stream>");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(r.events[2]));
}

struct BadInput {
  const char* name;
  std::string after_header;
  ParseErrorKind kind;
};

TEST(XmlStream, RefusesWhatXmppForbids) {
  const std::vector<BadInput> cases = {
      {"raw U+0001", "<message><body>\x01</body></message>", ParseErrorKind::kNotWellFormed},
      {"raw U+001F", "<message><body>\x1f</body></message>", ParseErrorKind::kNotWellFormed},
      {"char ref to U+0001", "<message><body>&#1;</body></message>", ParseErrorKind::kNotWellFormed},
      {"char ref to U+FFFE", "<message><body>&#xFFFE;</body></message>",
       ParseErrorKind::kNotWellFormed},
      {"char ref to a surrogate", "<message><body>&#xD800;</body></message>",
       ParseErrorKind::kNotWellFormed},
      {"invalid UTF-8 C3 28", "<message><body>\xC3\x28</body></message>",
       ParseErrorKind::kNotWellFormed},
      {"overlong UTF-8", "<message><body>\xC0\xAF</body></message>", ParseErrorKind::kNotWellFormed},
      {"encoded surrogate", "<message><body>\xED\xA0\x80</body></message>",
       ParseErrorKind::kNotWellFormed},
      {"above U+10FFFF", "<message><body>\xF4\x90\x80\x80</body></message>",
       ParseErrorKind::kNotWellFormed},
      {"undefined entity", "<message><body>&foo;</body></message>", ParseErrorKind::kNotWellFormed},
      {"mismatched tag", "<message><body></message>", ParseErrorKind::kNotWellFormed},
      {"comment", "<!-- hi --><message/>", ParseErrorKind::kRestrictedXml},
      {"comment inside a stanza", "<message><!-- hi --></message>", ParseErrorKind::kRestrictedXml},
      {"processing instruction", "<?foo bar?><message/>", ParseErrorKind::kRestrictedXml},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    XmlStream stream;
    auto r = stream.feed(kHeader + c.after_header);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, c.kind) << describe(*r.error);
    EXPECT_TRUE(stanzas_of(r).empty());
  }
}

using xpush::test_util::utf8;

bool body_parses(const std::string& body_text) {
  XmlStream stream;
  auto r = stream.feed(kHeader + "<message><body>" + body_text + "</body></message>");
  return !r.error && stanzas_of(r).size() == 1;
}

std::string hex_ref(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "&#x%X;", static_cast<unsigned>(c));
  return buf;
}

TEST(XmlStream, EveryForbiddenCodePointIsRefusedRawAndAsAReference) {
  std::vector<char32_t> forbidden;
  for (char32_t c = 0; c < 0x20; ++c) {
    if (c != 0x9 && c != 0xA && c != 0xD) forbidden.push_back(c);
  }
  for (char32_t c = 0xD800; c <= 0xDFFF; ++c) forbidden.push_back(c);
  forbidden.push_back(0xFFFE);
  forbidden.push_back(0xFFFF);
  forbidden.push_back(0x110000);
  for (const char32_t c : forbidden) {
    SCOPED_TRACE(static_cast<unsigned>(c));
    EXPECT_FALSE(body_parses(utf8(c)));
    EXPECT_FALSE(body_parses("&#" + std::to_string(static_cast<unsigned>(c)) + ";"));
    EXPECT_FALSE(body_parses(hex_ref(c)));
  }
}

TEST(XmlStream, TheBoundariesOfXmlCharAreAccepted) {
  for (const char32_t c : {0x9u, 0xAu, 0xDu, 0x20u, 0xD7FFu, 0xE000u, 0xFFFDu, 0x10000u, 0x10FFFFu}) {
    SCOPED_TRACE(static_cast<unsigned>(c));
    EXPECT_TRUE(body_parses(utf8(c)));
    EXPECT_TRUE(body_parses(hex_ref(c)));
  }
}

TEST(XmlStream, EveryFormOfBrokenUtf8IsRefused) {
  for (const std::string& bad : {
           std::string{"\xC0\x80"},            // overlong NUL
           std::string{"\xE0\x80\xAF"},        // overlong '/'
           std::string{"\xF0\x80\x80\xAF"},    // overlong, four bytes
           std::string{"\x80"},                // stray continuation byte
           std::string{"a\xBFz"},              // stray continuation inside text
           std::string{"\xE4\xB8"},            // truncated three-byte sequence
           std::string{"\xF0\x9F\x98"},        // truncated emoji
           std::string{"\xF4\x90\x80\x80"},    // above U+10FFFF
           std::string{"\xF5\x80\x80\x80"},    // a lead byte that never occurs
           std::string{"\xFF"},                // neither
           std::string{"\xC3\x28"},            // a lead byte then ASCII
       }) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(body_parses(bad));
  }
}

TEST(XmlStream, RefusesDoctypeAndEntityDeclarations) {
  for (const std::string& doc :
       {"<!DOCTYPE stream:stream>" + kHeader,
        std::string{"<!DOCTYPE s [<!ENTITY lol 'lol'>]>"} + kHeader}) {
    SCOPED_TRACE(doc);
    XmlStream stream;
    auto r = stream.feed(doc);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, ParseErrorKind::kRestrictedXml);
  }
}

TEST(XmlStream, RefusesARootThatIsNotAStream) {
  XmlStream stream;
  auto r = stream.feed("<html><body/></html>");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, ParseErrorKind::kBadStreamHeader);
}

TEST(XmlStream, StanzasBeforeTheBadBytesAreStillDelivered) {
  XmlStream stream;
  auto r = stream.feed(kHeader + "<iq id='ok'/><message><body>\x02</body></message>");
  ASSERT_TRUE(r.error);
  auto stanzas = stanzas_of(r);
  ASSERT_EQ(stanzas.size(), 1u);
  EXPECT_EQ(stanzas[0].attr_or("id"), "ok");
}

TEST(XmlStream, ErrorsReportLineAndColumn) {
  XmlStream stream;
  auto r = stream.feed(kHeader + "\n<message>\n  <body>\x01</body></message>");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->line, 3u);
  EXPECT_EQ(describe(*r.error).rfind("not-well-formed at 3:", 0), 0u) << describe(*r.error);
}

TEST(XmlStream, DeadAfterAnErrorUntilReset) {
  XmlStream stream;
  ASSERT_TRUE(stream.feed(kHeader + "<a>\x01").error);
  EXPECT_TRUE(stream.feed("<iq/>").error);
  stream.reset();
  auto r = stream.feed(kHeader + "<iq/>");
  EXPECT_FALSE(r.error);
  EXPECT_EQ(stanzas_of(r).size(), 1u);
}

std::vector<SkippedStanza> skipped_of(const XmlStream::Result& r) {
  std::vector<SkippedStanza> out;
  for (const auto& e : r.events) {
    if (auto* s = std::get_if<SkippedStanza>(&e)) out.push_back(*s);
  }
  return out;
}

std::string nested(std::size_t levels) {
  std::string s;
  for (std::size_t i = 0; i < levels; ++i) s += "<a>";
  for (std::size_t i = 0; i < levels; ++i) s += "</a>";
  return s;
}

const std::string kPing = "<iq type='get' id='after' from='localhost' to='push.localhost'>"
                          "<ping xmlns='urn:xmpp:ping'/></iq>";

TEST(XmlStream, SizeLimitAtTheEdge) {
  StreamLimits limits{.max_stanza_bytes = 64, .max_depth = 32};
  const std::string open = "<message><body>";
  const std::string close = "</body></message>";
  const auto filler = [&](std::size_t total) { return std::string(total - open.size() - close.size(), 'x'); };
  {
    XmlStream stream{limits};
    auto r = stream.feed(kHeader + open + filler(64) + close);
    EXPECT_FALSE(r.error) << describe(*r.error);
    EXPECT_EQ(stanzas_of(r).size(), 1u);
    EXPECT_TRUE(skipped_of(r).empty());
  }
  {
    XmlStream stream{limits};
    auto r = stream.feed(kHeader + open + filler(65) + close);
    EXPECT_FALSE(r.error);
    EXPECT_TRUE(stanzas_of(r).empty());
    const auto skipped = skipped_of(r);
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_EQ(skipped[0].why.kind, ParseErrorKind::kStanzaTooLarge);
    EXPECT_EQ(skipped[0].head.name(), "message");
  }
}

TEST(XmlStream, AStanzaOverTheSizeLimitIsSkippedAndTheStreamGoesOn) {
  XmlStream stream;  // default 2 MiB
  const std::string iq_head = "<iq type='set' id='big' from='alice@localhost/phone' to='push.localhost'>";
  auto r = stream.feed(kHeader + iq_head + "<command xmlns='http://jabber.org/protocol/commands'><x>");
  ASSERT_FALSE(r.error);
  const std::string chunk(64 * 1024, 'a');
  for (std::size_t fed = 0; fed < 10 * 1024 * 1024; fed += chunk.size()) {
    r = stream.feed(chunk);
    ASSERT_FALSE(r.error) << describe(*r.error);
    ASSERT_TRUE(r.events.empty());
  }
  r = stream.feed("</x></command></iq>" + kPing);
  ASSERT_FALSE(r.error) << describe(*r.error);
  const auto skipped = skipped_of(r);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].why.kind, ParseErrorKind::kStanzaTooLarge);
  EXPECT_EQ(describe(skipped[0].why).substr(0, 20), "stanza-too-large at ");
  // Enough to answer it, nothing of its content.
  EXPECT_EQ(serialize(skipped[0].head, ns::kComponent),
            "<iq type='set' id='big' from='alice@localhost/phone' to='push.localhost'/>");
  const auto stanzas = stanzas_of(r);
  ASSERT_EQ(stanzas.size(), 1u);
  EXPECT_EQ(stanzas[0].attr_or("id"), "after");
}

TEST(XmlStream, EscapedTextCountsAsTheBytesOnTheWire) {
  // 100 KB of apostrophes, relayed escaped: 600 KB, under the default limit.
  XmlStream stream;
  std::string body;
  for (int i = 0; i < 100'000; ++i) body += "&apos;";
  auto r = stream.feed(kHeader + "<message><body>" + body + "</body></message>");
  ASSERT_FALSE(r.error);
  const auto stanzas = stanzas_of(r);
  ASSERT_EQ(stanzas.size(), 1u);
  EXPECT_EQ(stanzas[0].child("body", ns::kComponent)->text(), std::string(100'000, '\''));
}

TEST(XmlStream, ManyStanzasDoNotAddUpToTheSizeLimit) {
  XmlStream stream{StreamLimits{.max_stanza_bytes = 4096, .max_depth = 32}};
  ASSERT_FALSE(stream.feed(kHeader).error);
  for (int i = 0; i < 1000; ++i) {
    auto r = stream.feed("<iq id='" + std::to_string(i) + "' type='get'><ping xmlns='urn:xmpp:ping'/></iq> ");
    ASSERT_FALSE(r.error) << i;
    ASSERT_EQ(stanzas_of(r).size(), 1u) << i;
  }
}

TEST(XmlStream, DepthLimitAtTheEdge) {
  StreamLimits limits{.max_stanza_bytes = 1 << 20, .max_depth = 8};
  {
    XmlStream stream{limits};  // the stream header is depth 1, so a stanza may nest 7 deep
    auto r = stream.feed(kHeader + nested(7));
    EXPECT_FALSE(r.error);
    EXPECT_EQ(stanzas_of(r).size(), 1u);
  }
  {
    XmlStream stream{limits};
    auto r = stream.feed(kHeader + nested(8) + kPing);
    ASSERT_FALSE(r.error);
    const auto skipped = skipped_of(r);
    ASSERT_EQ(skipped.size(), 1u);
    EXPECT_EQ(skipped[0].why.kind, ParseErrorKind::kTooDeep);
    EXPECT_TRUE(skipped[0].head.children().empty());
    ASSERT_EQ(stanzas_of(r).size(), 1u);
    EXPECT_EQ(stanzas_of(r)[0].attr_or("id"), "after");
  }
}

TEST(XmlStream, TenThousandLevelsAreSkippedNotFatal) {
  XmlStream stream;
  auto r = stream.feed(kHeader + "<message id='deep'>" + nested(10'000) + "</message>" + kPing);
  ASSERT_FALSE(r.error) << describe(*r.error);
  const auto skipped = skipped_of(r);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].why.kind, ParseErrorKind::kTooDeep);
  EXPECT_EQ(skipped[0].head.attr_or("id"), "deep");
  EXPECT_EQ(stanzas_of(r).size(), 1u);
}

TEST(XmlStream, NestingBeyondAnyServersStanzaLimitEndsTheStream) {
  XmlStream stream{StreamLimits{.max_nesting = 1000}};
  auto r = stream.feed(kHeader + "<message>" + nested(2000));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, ParseErrorKind::kTooDeep);
  EXPECT_EQ(r.error->detail, "elements nested deeper than 1000");
}

TEST(XmlStream, TooManyAttributesSkipTheStanzaButKeepItsAddresses) {
  XmlStream stream{StreamLimits{.max_attributes = 8}};
  std::string attrs;
  for (int i = 0; i < 9; ++i) attrs += " a" + std::to_string(i) + "='v'";
  auto r = stream.feed(kHeader + "<iq type='get' id='many' from='bob@localhost/x' to='push.localhost'>"
                                 "<query xmlns='urn:x'" + attrs + "/></iq>" +
                       "<iq type='get' id='top' to='push.localhost'" + attrs + "/>" + kPing);
  ASSERT_FALSE(r.error) << describe(*r.error);
  const auto skipped = skipped_of(r);
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(skipped[0].why.kind, ParseErrorKind::kTooManyAttributes);
  EXPECT_EQ(skipped[0].head.attr_or("from"), "bob@localhost/x");
  EXPECT_EQ(serialize(skipped[1].head, ns::kComponent), "<iq type='get' id='top' to='push.localhost'/>");
  EXPECT_EQ(stanzas_of(r).size(), 1u);
}

TEST(XmlStream, AnUnfinishedTagLongerThanTheTokenLimitEndsTheStream) {
  XmlStream stream{StreamLimits{.max_token_bytes = 256 * 1024}};
  auto r = stream.feed(kHeader + "<message id='");
  const std::string chunk(64 * 1024, 'x');
  std::size_t fed = 0;
  while (!r.error && fed < 4 * 1024 * 1024) {
    r = stream.feed(chunk);
    fed += chunk.size();
  }
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, ParseErrorKind::kStanzaTooLarge);
  EXPECT_LE(fed, 320u * 1024);
}

}  // namespace
}  // namespace xpush::interceptor
