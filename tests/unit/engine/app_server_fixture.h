// The AppServer test fixture: a real SQLite store, the dispatcher, and a
// provider that records what it was asked to send.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "interceptor/data_form.h"
#include "interceptor/iq.h"
#include "engine/app_server.h"
#include "store/sqlite_store.h"
#include "tests/unit/interceptor/test_util.h"
#include "tests/unit/temp_dir.h"

namespace xpush::test_util {

using interceptor::Element;
using interceptor::testing::parse_stanza;

class RecordingProvider : public push::Provider {
 public:
  void send(const push::Notification& n, Completion done) override {
    sent.push_back(n);
    done(answer);
  }
  std::vector<push::Notification> sent;
  push::PushResult answer{.outcome = push::Outcome::kDelivered, .status = 200};
};

class AppServerTest : public ::testing::Test {
 protected:
  explicit AppServerTest(AppServerOptions options = {"push.localhost", {"localhost"}})
      : worker_(io_.get_executor(), *store::SqliteStore::open(dir_.file("x.db"))),
        dispatcher_(io_.get_executor(), worker_, provider_, {},
                    [] { return std::chrono::system_clock::now(); }),
        app_(worker_, dispatcher_, std::move(options),
             [this](const Element& reply) { replies_.push_back(reply); }) {
    // As the engine wires them.
    dispatcher_.on_registration_disabled(
        [this](const std::string& domain, const std::string& node) { app_.forget_registration(domain, node); });
  }

  // Hands one stanza in and runs the loop until it has been answered.
  const Element* exchange(const std::string& xml) {
    const auto before = replies_.size();
    app_.handle(parse_stanza(xml));
    for (int i = 0; i < 500 && replies_.size() == before; ++i) {
      io_.run_one_for(std::chrono::milliseconds{10});
    }
    return replies_.size() > before ? &replies_.back() : nullptr;
  }

  struct Registered {
    std::string node, secret;
  };
  static std::string token_for(const std::string& service, const std::string& device) {
    if (service == "apns") return "00fe11aa" + std::to_string(device.size()) + "0";
    return device == "d1" ? "fcm-token" : "fcm-token-" + device;
  }
  Registered register_device(const std::string& from = "alice@localhost/phone",
                             const std::string& service = "fcm", const std::string& device = "d1") {
    const Element* reply = exchange(
        "<iq type='set' id='r' from='" + from +
        "' to='push.localhost'><command xmlns='http://jabber.org/protocol/commands' "
        "node='register-push-" + service + "' action='execute'><x xmlns='jabber:x:data' type='submit'>"
        "<field var='token'><value>" + token_for(service, device) + "</value></field><field var='device-id'><value>" +
        device + "</value></field></x></command></iq>");
    EXPECT_NE(reply, nullptr);
    EXPECT_EQ(reply->attr_or("type"), "result");
    const auto form = interceptor::DataForm::parse(
        *reply->child("command", interceptor::ns::kCommands)->child("x", interceptor::ns::kDataForms));
    EXPECT_EQ(form.value_or("jid"), "push.localhost");
    return {std::string{form.value_or("node")}, std::string{form.value_or("secret")}};
  }

  static std::string publish(const std::string& from, const std::string& node,
                             const std::string& secret_field, const std::string& summary) {
    return "<iq type='set' id='p1' from='" + from +
           "' to='push.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish "
           "node='" + node + "'><item><notification xmlns='urn:xmpp:push:0'>" + summary +
           "</notification></item></publish><publish-options><x xmlns='jabber:x:data' "
           "type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/"
           "pubsub#publish-options</value></field>" + secret_field +
           "</x></publish-options></pubsub></iq>";
  }
  static std::string secret(const std::string& s) {
    return "<field var='secret'><value>" + s + "</value></field>";
  }
  static std::string summary_with_body(const std::string& body) {
    return "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'><value>"
           "urn:xmpp:push:summary</value></field><field var='message-count'><value>1</value>"
           "</field><field var='last-message-body'><value>" + body + "</value></field></x>";
  }

  static std::string error_of(const Element* reply) {
    if (!reply) return "no reply";
    if (reply->attr_or("type") != "error") return std::string{reply->attr_or("type")};
    const Element* e = reply->child("error", interceptor::ns::kComponent);
    for (const auto& c : e->children()) {
      if (!c.is_text() && c.name() != "text") return std::string{e->attr_or("type")} + "/" + c.name();
    }
    return "error without condition";
  }

  // Hands a stanza in that gets no reply, and runs the loop until `done`.
  void deliver(const std::string& xml, const std::function<bool()>& done) {
    app_.handle(parse_stanza(xml));
    for (int i = 0; i < 300 && !done(); ++i) io_.run_one_for(std::chrono::milliseconds{10});
  }
  void settle() {
    for (int i = 0; i < 20; ++i) io_.run_one_for(std::chrono::milliseconds{10});
  }
  // The database as xpushctl sees it, beside the store thread's connection.
  std::unique_ptr<store::SqliteStore> observer() { return *store::SqliteStore::open(dir_.file("x.db")); }

  static std::string forwarded(const std::string& from, const std::string& inner) {
    return "<message from='" + from + "' to='push.localhost'><forwarded xmlns='urn:xmpp:forward:0'>"
           "<delay xmlns='urn:xmpp:delay' stamp='2026-11-22T08:00:00Z'/>" + inner + "</forwarded></message>";
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  // Keeps run_for() waiting for the store thread's answer.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  StoreWorker worker_;
  RecordingProvider provider_;
  Dispatcher dispatcher_;
  std::vector<Element> replies_;
  AppServer app_;
};

}  // namespace xpush::test_util
