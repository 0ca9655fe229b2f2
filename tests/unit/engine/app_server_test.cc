#include "engine/app_server.h"

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/unit/engine/app_server_fixture.h"
#include "tests/unit/engine/unavailable_store.h"

namespace xpush {
namespace {

using interceptor::Element;
using interceptor::testing::parse_stanza;
using test_util::AppServerTest;
using test_util::RecordingProvider;
using test_util::UnavailableStore;

TEST_F(AppServerTest, VerifiedPublishIsAnsweredResultAndNotifies) {
  const auto reg = register_device();
  const Element* reply = exchange(publish("localhost", reg.node, secret(reg.secret),
                                          summary_with_body("New Message!")));
  EXPECT_EQ(error_of(reply), "result");
  EXPECT_EQ(reply->attr_or("to"), "localhost");
  EXPECT_EQ(reply->attr_or("from"), "push.localhost");
  ASSERT_EQ(provider_.sent.size(), 1u);
  const auto& n = provider_.sent[0];
  EXPECT_EQ(n.recipient, "alice@localhost");
  EXPECT_EQ(n.node, reg.node);
  EXPECT_EQ(n.device.token, "fcm-token");
  EXPECT_EQ(n.device.platform, push::Platform::kFcm);
  EXPECT_EQ(n.kind, push::Kind::kAlert);
  EXPECT_EQ(n.title, "New message");
  EXPECT_EQ(n.body, "");  // the summary's text never reaches the phone
}

TEST_F(AppServerTest, EmptySummaryWakesSilently) {
  const auto reg = register_device();
  EXPECT_EQ(error_of(exchange(publish("localhost", reg.node, secret(reg.secret), ""))), "result");
  ASSERT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ(provider_.sent[0].kind, push::Kind::kBackground);
}

TEST_F(AppServerTest, RefusedPublishesAreAnsweredCancelAndNotifyNobody) {
  const auto reg = register_device();
  struct Case {
    const char* name;
    std::string xml;
  };
  const std::vector<Case> cases = {
      {"wrong secret", publish("localhost", reg.node, secret(reg.secret + "x"), "")},
      {"no secret", publish("localhost", reg.node, "", "")},
      {"unknown node", publish("localhost", "no-such-node", secret(reg.secret), "")},
      {"a user, not the server", publish("alice@localhost", reg.node, secret(reg.secret), "")},
      {"another server", publish("evil.example", reg.node, secret(reg.secret), "")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(error_of(exchange(c.xml)), "cancel/item-not-found");
  }
  EXPECT_TRUE(provider_.sent.empty());
}

TEST_F(AppServerTest, RegisteringAgainIssuesANewSecretAndTheOneBeforeStaysValidUntilTheNext) {
  const auto first = register_device();
  const auto second = register_device();
  EXPECT_EQ(second.node, first.node);
  EXPECT_NE(second.secret, first.secret);
  // The app may not yet have enabled push with the new secret: both work.
  EXPECT_EQ(error_of(exchange(publish("localhost", first.node, secret(first.secret), ""))), "result");
  EXPECT_EQ(error_of(exchange(publish("localhost", first.node, secret(second.secret), ""))), "result");
  const auto third = register_device();
  EXPECT_EQ(error_of(exchange(publish("localhost", first.node, secret(first.secret), ""))),
            "cancel/item-not-found");
  EXPECT_EQ(error_of(exchange(publish("localhost", first.node, secret(second.secret), ""))), "result");
  EXPECT_EQ(error_of(exchange(publish("localhost", first.node, secret(third.secret), ""))), "result");
}

TEST_F(AppServerTest, TheStoreNeverSeesASecret) {
  const auto reg = register_device();
  auto file = store::SqliteStore::open(dir_.file("x.db"));  // the same file, read beside the worker
  ASSERT_TRUE(file);
  const auto kept = *(*file)->find_registration("localhost", reg.node);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->secret_hash, store::node_secret_hash(reg.secret));
  EXPECT_EQ(kept->secret_hash.find(reg.secret), std::string::npos);
}

TEST_F(AppServerTest, MalformedPublishIsABadRequest) {
  EXPECT_EQ(error_of(exchange("<iq type='set' id='m' from='localhost' to='push.localhost'><pubsub "
                              "xmlns='http://jabber.org/protocol/pubsub'><publish node='n'/>"
                              "</pubsub></iq>")),
            "modify/bad-request");
}

TEST_F(AppServerTest, UnregisteredDeviceIsRefused) {
  const auto reg = register_device();
  const Element* reply = exchange(
      "<iq type='set' id='u' from='alice@localhost/phone' to='push.localhost'><command "
      "xmlns='http://jabber.org/protocol/commands' node='unregister-push-fcm'><x "
      "xmlns='jabber:x:data' type='submit'><field var='device-id'><value>d1</value></field>"
      "</x></command></iq>");
  EXPECT_EQ(error_of(reply), "result");
  EXPECT_EQ(error_of(exchange(publish("localhost", reg.node, secret(reg.secret), ""))),
            "cancel/item-not-found");
}

TEST_F(AppServerTest, RegistrationFromAnUnservedDomainIsForbidden) {
  const Element* reply = exchange(
      "<iq type='set' id='r' from='eve@elsewhere.example/x' to='push.localhost'><command "
      "xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'><x "
      "xmlns='jabber:x:data' type='submit'><field var='token'><value>t</value></field><field "
      "var='device-id'><value>d</value></field></x></command></iq>");
  EXPECT_EQ(error_of(reply), "auth/forbidden");
}

TEST_F(AppServerTest, AppserverV1KeepsTheClientsNode) {
  const Element* reply = exchange(
      "<iq type='set' id='r' from='bob@localhost/ios' to='push.localhost'><command "
      "xmlns='http://jabber.org/protocol/commands' node='v1-register-push'><x "
      "xmlns='jabber:x:data' type='submit'><field var='type'><value>apns</value></field><field "
      "var='node'><value>client-node-1</value></field><field var='token'><value>ab12</value>"
      "</field></x></command></iq>");
  ASSERT_EQ(error_of(reply), "result");
  const auto form = interceptor::DataForm::parse(
      *reply->child("command", interceptor::ns::kCommands)->child("x", interceptor::ns::kDataForms));
  EXPECT_EQ(form.value_or("node"), "client-node-1");
  EXPECT_EQ(form.value_or("secret").size(), 32u);
}

TEST_F(AppServerTest, UnknownAppIsRefused) {
  const Element* reply = exchange(
      "<iq type='set' id='r' from='alice@localhost/phone' to='push.localhost'><command "
      "xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'><x "
      "xmlns='jabber:x:data' type='submit'><field var='token'><value>t</value></field><field "
      "var='device-id'><value>d</value></field><field var='app'><value>nope</value></field></x>"
      "</command></iq>");
  EXPECT_EQ(error_of(reply), "modify/bad-request");
}

TEST_F(AppServerTest, PingDiscoAndTheRest) {
  EXPECT_EQ(error_of(exchange("<iq type='get' id='1' from='localhost' to='push.localhost'><ping "
                              "xmlns='urn:xmpp:ping'/></iq>")),
            "result");
  EXPECT_EQ(error_of(exchange("<iq type='get' id='2' from='a@localhost/r' to='push.localhost'>"
                              "<vCard xmlns='vcard-temp'/></iq>")),
            "cancel/service-unavailable");
  const auto before = replies_.size();
  app_.handle(parse_stanza("<iq type='result' id='3' from='localhost' to='push.localhost'/>"));
  app_.handle(parse_stanza("<message from='a@localhost/r' to='push.localhost'><body>x</body></message>"));
  io_.run_for(std::chrono::milliseconds{20});
  EXPECT_EQ(replies_.size(), before);
}

// ejabberd deletes a registration on the first error that is not `wait`.
TEST(AppServerStoreFailure, TemporaryFailuresAreAnsweredWait) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  StoreWorker worker{io.get_executor(), std::make_unique<UnavailableStore>()};
  RecordingProvider provider;
  Dispatcher dispatcher{io.get_executor(), worker, provider, {},
                        [] { return std::chrono::system_clock::now(); }};
  std::vector<Element> replies;
  AppServer app{worker, dispatcher, {"push.localhost", {}},
                [&](const Element& r) { replies.push_back(r); }};
  app.handle(parse_stanza(
      "<iq type='set' id='p' from='localhost' to='push.localhost'><pubsub "
      "xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item><notification "
      "xmlns='urn:xmpp:push:0'/></item></publish></pubsub></iq>"));
  app.handle(parse_stanza(
      "<iq type='set' id='r' from='a@localhost/x' to='push.localhost'><command "
      "xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'><x "
      "xmlns='jabber:x:data' type='submit'><field var='token'><value>t</value></field><field "
      "var='device-id'><value>d</value></field></x></command></iq>"));
  EXPECT_EQ(app.in_flight(), 2u);
  for (int i = 0; i < 500 && replies.size() < 2; ++i) io.run_one_for(std::chrono::milliseconds{10});
  ASSERT_EQ(replies.size(), 2u);
  for (const auto& r : replies) {
    SCOPED_TRACE(r.attr_or("id"));
    const Element* error = r.child("error", interceptor::ns::kComponent);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->attr_or("type"), "wait");
  }
  EXPECT_EQ(app.in_flight(), 0u);
  EXPECT_TRUE(provider.sent.empty());
}

}  // namespace
}  // namespace xpush

namespace xpush {
namespace {

const std::string kBobToAlice =
    "<message xmlns='jabber:client' from='bob@localhost/pc' to='alice@localhost' type='chat' id='m1'>"
    "<body>lunch?</body><origin-id xmlns='urn:xmpp:sid:0' id='o-1'/></message>";

TEST_F(AppServerTest, ForwardedMessageNotifiesEveryDeviceOfTheAccount) {
  register_device();
  deliver(forwarded("localhost", kBobToAlice), [this] { return !provider_.sent.empty(); });
  ASSERT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ(provider_.sent[0].recipient, "alice@localhost");
  EXPECT_EQ(provider_.sent[0].rule, "builtin:important");
  EXPECT_EQ(app_.counters().forwarded, 1u);
}

TEST_F(AppServerTest, TheSameMessageForwardedTwiceIsPushedOnce) {
  register_device();
  deliver(forwarded("localhost", kBobToAlice), [this] { return !provider_.sent.empty(); });
  app_.handle(parse_stanza(forwarded("localhost", kBobToAlice)));
  settle();
  EXPECT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ(app_.counters().forwarded_duplicates, 1u);
}

TEST_F(AppServerTest, APublishForAForwardedMessageIsAnsweredButNotPushedAgain) {
  const auto reg = register_device();
  deliver(forwarded("localhost", kBobToAlice), [this] { return !provider_.sent.empty(); });
  EXPECT_EQ(error_of(exchange(publish("localhost", reg.node, secret(reg.secret), summary_with_body("x")))),
            "result");
  settle();
  EXPECT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ(app_.counters().publishes_covered, 1u);
  // The next publish has no forwarded message to match: it notifies.
  EXPECT_EQ(error_of(exchange(publish("localhost", reg.node, secret(reg.secret), summary_with_body("x")))),
            "result");
  settle();
  EXPECT_EQ(provider_.sent.size(), 2u);
}

TEST_F(AppServerTest, ForwardedMessagesFromElsewhereAreRefused) {
  register_device();
  const std::vector<std::string> refused = {
      forwarded("evil.example", "<message xmlns='jabber:client' to='alice@evil.example'><body>x</body></message>"),
      forwarded("localhost", "<message xmlns='jabber:client' to='alice@other.example'><body>x</body></message>"),
      forwarded("bob@localhost", kBobToAlice),
      "<message from='localhost' to='push.localhost'><forwarded xmlns='urn:xmpp:forward:0'/></message>",
  };
  for (const auto& xml : refused) app_.handle(parse_stanza(xml));
  settle();
  EXPECT_TRUE(provider_.sent.empty());
  EXPECT_EQ(app_.counters().forwarded_refused, refused.size());
}

}  // namespace
}  // namespace xpush
