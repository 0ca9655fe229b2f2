#include "interceptor/xml_stream.h"

#include <gtest/gtest.h>

namespace xpush::interceptor {
namespace {

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:component:accept' id='abc' from='push.localhost'>";

std::vector<Element> stanzas_of(const XmlStream::Result& r) {
  std::vector<Element> out;
  for (const auto& e : r.events) {
    if (auto* s = std::get_if<Element>(&e)) out.push_back(*s);
  }
  return out;
}

TEST(XmlStream, HeaderThenStanzaAtDepthOne) {
  XmlStream stream;
  auto r = stream.feed(std::string{kHeader} + "<handshake/><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>");
  ASSERT_FALSE(r.error) << describe(*r.error);
  ASSERT_EQ(r.events.size(), 3u);
  const auto& header = std::get<StreamOpened>(r.events[0]).header;
  EXPECT_EQ(header.attr_or("id"), "abc");
  auto stanzas = stanzas_of(r);
  ASSERT_EQ(stanzas.size(), 2u);
  EXPECT_TRUE(stanzas[0].is("handshake", ns::kComponent));
  EXPECT_TRUE(stanzas[1].child("ping", "urn:xmpp:ping"));
}

}  // namespace
}  // namespace xpush::interceptor
