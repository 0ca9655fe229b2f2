#include "interceptor/link_handover.h"

#include <gtest/gtest.h>

#include <memory>

namespace xpush::interceptor {
namespace {

const std::string kHeader =
    "<stream:stream id='42' xml:lang='en'\n xmlns:stream='http://etherx.jabber.org/streams' "
    "from='push.localhost' xmlns='jabber:component:accept'>";

std::unique_ptr<ComponentSession> ready_session(StreamLimits limits = {}) {
  auto s = std::make_unique<ComponentSession>(SessionConfig{"push.localhost", "secret", limits});
  s->open();
  s->receive("<?xml version='1.0'?>" + kHeader + "<handshake/>");
  return s;
}

TEST(StreamHandover, CarriesOnAStanzaCutInTwo) {
  auto owner = ready_session();
  auto& old_session = *owner;
  const std::string iq =
      "<iq type='get' id='a' from='localhost' to='push.localhost'><ping xmlns='urn:xmpp:ping'/></iq>";
  auto first = old_session.receive(iq + " " + iq.substr(0, 30));
  ASSERT_EQ(first.stanzas.size(), 1u);
  const auto state = old_session.handover();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->stream_id, "42");
  EXPECT_EQ(state->header, kHeader);  // as sent, newline and all
  EXPECT_EQ(state->unfinished, iq.substr(0, 30));

  ComponentSession next{{"push.localhost", "secret", {}}};
  auto adopted = next.adopt(*state);
  EXPECT_FALSE(adopted.failure);
  EXPECT_EQ(adopted.to_write, "");  // no header, no handshake
  EXPECT_EQ(next.state(), SessionState::kReady);
  auto rest = next.receive(iq.substr(30));
  ASSERT_EQ(rest.stanzas.size(), 1u);
  EXPECT_EQ(rest.stanzas[0].attr_or("id"), "a");
  ASSERT_NE(rest.stanzas[0].child("ping", "urn:xmpp:ping"), nullptr);
}

TEST(StreamHandover, NothingUnfinishedBetweenStanzas) {
  auto owner = ready_session();
  auto& s = *owner;
  s.receive("<message from='a@localhost' to='push.localhost'><body>x</body></message> ");
  ASSERT_TRUE(s.handover());
  EXPECT_EQ(s.handover()->unfinished, "");
}

TEST(StreamHandover, KeepsAStanzaThatSpansManyReads) {
  auto owner = ready_session();
  auto& s = *owner;
  const std::string big = "<message from='a@localhost' to='push.localhost'><body>" +
                          std::string(100'000, 'x');
  for (std::size_t at = 0; at < big.size(); at += 7000) s.receive(big.substr(at, 7000));
  ASSERT_TRUE(s.handover());
  EXPECT_EQ(s.handover()->unfinished, big);
}

TEST(StreamHandover, NotPossibleWhileAStanzaOverTheLimitIsSkipped) {
  StreamLimits limits;
  limits.max_stanza_bytes = 4096;
  auto owner = ready_session(limits);
  auto& s = *owner;
  s.receive("<message from='a@localhost' to='push.localhost'><body>" + std::string(10'000, 'x'));
  EXPECT_FALSE(s.handover());
  s.receive("</body></message>");
  ASSERT_TRUE(s.handover());  // past it, the stream can move again
  EXPECT_EQ(s.handover()->unfinished, "");
}

TEST(StreamHandover, NotPossibleBeforeTheHandshake) {
  ComponentSession s{{"push.localhost", "secret", {}}};
  s.open();
  s.receive(kHeader);
  EXPECT_FALSE(s.handover());
}

TEST(LinkHandover, RoundTripsAnyBytes) {
  LinkHandover h{7, "push.localhost", "::1", 5347, {"id\n1", kHeader, std::string{"<iq \n\0\xff", 7}}};
  const auto text = encode_handover(h);
  auto back = decode_handover(text);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->fd, -1);  // the descriptor travels on its own
  EXPECT_EQ(back->component_domain, "push.localhost");
  EXPECT_EQ(back->host, "::1");
  EXPECT_EQ(back->port, 5347);
  EXPECT_EQ(back->stream.stream_id, "id\n1");
  EXPECT_EQ(back->stream.header, kHeader);
  EXPECT_EQ(back->stream.unfinished, h.stream.unfinished);
}

TEST(LinkHandover, RefusesWhatItDidNotWrite) {
  const auto good = encode_handover({-1, "push.localhost", "127.0.0.1", 5347, {"1", kHeader, "<iq"}});
  EXPECT_EQ(decode_handover("").error(), "not a link handover of this version");
  EXPECT_EQ(decode_handover(good.substr(0, good.size() - 3)).error(), "field 'unfinished' is cut short");
  EXPECT_EQ(decode_handover(good + "x").error(), "trailing bytes after the last field");
  std::string bad_port = good;
  bad_port.replace(bad_port.find("port 4\n5347"), 11, "port 4\n0000");
  EXPECT_EQ(decode_handover(bad_port).error(), "field 'port' is not a port");
}

}  // namespace
}  // namespace xpush::interceptor
