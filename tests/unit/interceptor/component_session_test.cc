#include "interceptor/component_session.h"

#include <gtest/gtest.h>

#include "interceptor/handshake.h"

namespace xpush::interceptor {
namespace {

SessionConfig config() { return {"push.localhost", "component-secret", {}}; }

// ejabberd 23.01's header as captured (PROTOCOL.md §1.1).
const std::string kEjabberdHeader =
    "<?xml version='1.0'?><stream:stream id='5522102951306203398' xml:lang='en' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='push.localhost' "
    "xmlns='jabber:component:accept'>";

TEST(Handshake, LowerCaseHexSha1OfIdAndSecret) {
  // Reference value: Python's hashlib.sha1(b'5522102951306203398component-secret').
  EXPECT_EQ(handshake_digest("5522102951306203398", "component-secret"),
            "fa2466643b6142002b3aaa3c5fcc175ef8b494a8");
}

TEST(ComponentSession, OpensWithAHeaderToTheComponentDomain) {
  ComponentSession s{config()};
  const auto header = s.open();
  EXPECT_NE(header.find("xmlns='jabber:component:accept'"), std::string::npos);
  EXPECT_NE(header.find("to='push.localhost'"), std::string::npos);
  EXPECT_EQ(s.state(), SessionState::kAwaitingHeader);
}

TEST(ComponentSession, AnswersTheHeaderWithTheHandshake) {
  ComponentSession s{config()};
  s.open();
  auto u = s.receive(kEjabberdHeader);
  EXPECT_EQ(u.to_write, "<handshake>fa2466643b6142002b3aaa3c5fcc175ef8b494a8</handshake>");
  EXPECT_EQ(s.state(), SessionState::kAwaitingHandshake);
  EXPECT_FALSE(u.failure);
}

TEST(ComponentSession, AcceptsBothHandshakeForms) {
  for (const std::string reply : {"<handshake/>", "<handshake></handshake>"}) {
    SCOPED_TRACE(reply);
    ComponentSession s{config()};
    s.open();
    s.receive(kEjabberdHeader);
    auto u = s.receive(reply);
    EXPECT_TRUE(u.became_ready);
    EXPECT_EQ(s.state(), SessionState::kReady);
  }
}

TEST(ComponentSession, DeliversStanzasOnlyOnceReady) {
  ComponentSession s{config()};
  s.open();
  auto u = s.receive(kEjabberdHeader + "<handshake/><iq type='get' id='p' from='localhost' "
                                       "to='push.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
  ASSERT_TRUE(u.became_ready);
  ASSERT_EQ(u.stanzas.size(), 1u);
  EXPECT_EQ(u.stanzas[0].attr_or("id"), "p");
}

TEST(ComponentSession, WrongSecretEndsWithTheServersReason) {
  ComponentSession s{config()};
  s.open();
  s.receive(kEjabberdHeader);
  auto u = s.receive(
      "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text "
      "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Given token does not match calculated "
      "token</text></stream:error></stream:stream>");
  ASSERT_TRUE(u.failure);
  EXPECT_EQ(u.failure->kind, FailureKind::kStreamError);
  EXPECT_EQ(u.failure->reason, "not-authorized (Given token does not match calculated token)");
  EXPECT_EQ(s.state(), SessionState::kClosed);
}

TEST(ComponentSession, ProsodyUnknownHostHeaderWithoutIdThenError) {
  ComponentSession s{config()};
  s.open();
  auto u = s.receive(
      "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
      "version='1.0' id='' xmlns='jabber:component:accept'><stream:error><host-unknown "
      "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  EXPECT_EQ(u.to_write.find("<handshake>"), std::string::npos);
  ASSERT_TRUE(u.failure);
  EXPECT_EQ(u.failure->reason, "host-unknown");
}

TEST(ComponentSession, BadBytesAnswerWithAStreamErrorAndFail) {
  ComponentSession s{config()};
  s.open();
  s.receive(kEjabberdHeader + "<handshake/>");
  auto u = s.receive("<message><body>\x01</body></message>");
  ASSERT_TRUE(u.failure);
  EXPECT_EQ(u.failure->kind, FailureKind::kBadInput);
  EXPECT_NE(u.to_write.find("<not-well-formed"), std::string::npos);
  EXPECT_NE(u.to_write.find("</stream:stream>"), std::string::npos);
}

TEST(ComponentSession, AnOversizedRequestIsAnsweredAndTheStreamStays) {
  ComponentSession s{SessionConfig{"push.localhost", "component-secret", {.max_stanza_bytes = 4096}}};
  s.open();
  s.receive(kEjabberdHeader + "<handshake/>");
  auto u = s.receive("<iq type='set' id='reg' from='mallory@localhost/x' to='push.localhost'>"
                     "<command xmlns='http://jabber.org/protocol/commands'>" + std::string(8192, 'a') +
                     "</command></iq><iq type='get' id='p' from='localhost' to='push.localhost'>"
                     "<ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_FALSE(u.failure);
  EXPECT_EQ(s.state(), SessionState::kReady);
  EXPECT_EQ(u.to_write,
            "<iq type='error' id='reg' from='push.localhost' to='mallory@localhost/x'>"
            "<error type='modify'><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>stanza larger than 4096 bytes</text>"
            "</error></iq>");
  ASSERT_EQ(u.skipped.size(), 1u);
  ASSERT_EQ(u.stanzas.size(), 1u);
  EXPECT_EQ(u.stanzas[0].attr_or("id"), "p");
}

TEST(ComponentSession, AnOversizedMessageIsDroppedWithoutAnAnswer) {
  ComponentSession s{SessionConfig{"push.localhost", "component-secret", {.max_depth = 8}}};
  s.open();
  s.receive(kEjabberdHeader + "<handshake/>");
  auto u = s.receive("<message from='mallory@localhost/x' to='push.localhost'><a><a><a><a><a><a><a><a>"
                     "</a></a></a></a></a></a></a></a></message>");
  EXPECT_FALSE(u.failure);
  EXPECT_EQ(u.to_write, "");
  ASSERT_EQ(u.skipped.size(), 1u);
  EXPECT_EQ(u.skipped[0].why.kind, ParseErrorKind::kTooDeep);
  EXPECT_TRUE(u.stanzas.empty());
}

TEST(ComponentSession, StanzaBeforeHandshakeIsAProtocolError) {
  ComponentSession s{config()};
  s.open();
  auto u = s.receive(kEjabberdHeader + "<iq type='get'/>");
  ASSERT_TRUE(u.failure);
  EXPECT_EQ(u.failure->kind, FailureKind::kProtocol);
}

TEST(ComponentSession, PeerCloseIsReported) {
  ComponentSession s{config()};
  s.open();
  auto u = s.receive(kEjabberdHeader + "<handshake/></stream:stream>");
  ASSERT_TRUE(u.failure);
  EXPECT_EQ(u.failure->kind, FailureKind::kClosedByPeer);
}

TEST(ComponentSession, ReopenStartsAFreshStream) {
  ComponentSession s{config()};
  s.open();
  s.receive(kEjabberdHeader + "<handshake/><a>\x01");
  ASSERT_EQ(s.state(), SessionState::kClosed);
  s.open();
  auto u = s.receive(kEjabberdHeader + "<handshake/>");
  EXPECT_TRUE(u.became_ready);
}

TEST(ComponentSession, OutgoingStanzasNeedFromAndToInOurDomain) {
  ComponentSession s{config()};
  Element ok{ns::kComponent, "iq"};
  ok.set_attr("from", "push.localhost").set_attr("to", "localhost").set_attr("type", "result");
  EXPECT_TRUE(s.encode(ok));

  Element user_from = ok;
  user_from.set_attr("from", "anyone@push.localhost/r");
  EXPECT_TRUE(s.encode(user_from));

  Element no_to{ns::kComponent, "iq"};
  no_to.set_attr("from", "push.localhost");
  EXPECT_FALSE(s.encode(no_to));

  Element foreign = ok;
  foreign.set_attr("from", "localhost");
  EXPECT_FALSE(s.encode(foreign));
}

}  // namespace
}  // namespace xpush::interceptor
