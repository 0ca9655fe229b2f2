#include "engine/device_test.h"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/notification_from_decision.h"
#include "engine/secrets.h"
#include "interceptor/jid.h"

namespace xpush {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxTextBytes = 200;
constexpr std::chrono::seconds kTestTtl{300};

AdminResponse json_answer(int status, const json& j) {
  return {status, "application/json", j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"};
}

}  // namespace

tl::expected<DeviceTestRequest, std::string> parse_device_test(std::string_view body) {
  const auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return tl::unexpected(std::string{"the body is not a JSON object"});
  if (!j.contains("jid") || !j["jid"].is_string()) return tl::unexpected(std::string{"jid is required"});
  const auto jid = interceptor::Jid::parse(j["jid"].get<std::string>());
  if (!jid || jid->is_full() || jid->local.empty()) return tl::unexpected(std::string{"jid is not a user's bare JID"});
  DeviceTestRequest out{jid->bare(), "A test notification from xpush"};
  if (j.contains("text")) {
    if (!j["text"].is_string() || j["text"].get<std::string>().size() > kMaxTextBytes) {
      return tl::unexpected("text is a string of at most " + std::to_string(kMaxTextBytes) + " bytes");
    }
    out.text = j["text"].get<std::string>();
  }
  return out;
}

// One test: the devices' rows in the answer, filled as providers answer.
struct DeviceTester::Run {
  std::function<void(AdminResponse)> reply;
  std::string jid;
  json devices = json::array();
  std::size_t waiting = 0;
  std::vector<std::string> ids;
  std::unique_ptr<boost::asio::steady_timer> deadline;
  bool answered = false;
};

DeviceTester::DeviceTester(boost::asio::any_io_executor executor, StoreWorker& store, Dispatcher& dispatcher,
                           std::chrono::seconds wait)
    : executor_(std::move(executor)), store_(store), dispatcher_(dispatcher), wait_(wait) {}

void DeviceTester::run(std::string body, std::function<void(AdminResponse)> reply) {
  auto request = parse_device_test(body);
  if (!request) return reply(json_answer(400, {{"error", request.error()}}));
  auto run = std::make_shared<Run>();
  run->reply = std::move(reply);
  run->jid = request->jid;
  const auto finish = [this](const std::shared_ptr<Run>& r) {
    if (r->answered) return;
    r->answered = true;
    if (r->deadline) r->deadline->cancel();
    for (const auto& id : r->ids) dispatcher_.unwatch(id);
    r->reply(json_answer(200, {{"jid", r->jid}, {"devices", r->devices}}));
  };
  store_.run([jid = request->jid](store::Store& s) { return s.registrations_of(jid); },
             [this, run, finish, text = request->text](auto devices) {
               if (!devices) return run->reply(json_answer(503, {{"error", devices.error().message}}));
               if (devices->empty()) return finish(run);
               run->deadline = std::make_unique<boost::asio::steady_timer>(executor_, wait_);
               run->deadline->async_wait([run, finish](boost::system::error_code ec) {
                 if (!ec) finish(run);
               });
               for (const auto& reg : *devices) {
                 push::Notification n;
                 n.id = random_uuid();
                 n.recipient = reg.account;
                 n.node = reg.node;
                 n.device = device_of(reg);
                 n.kind = push::Kind::kAlert;
                 n.title = "xpush";
                 n.body = text;
                 n.rule = "xpushctl devices test";
                 n.created_at = std::chrono::system_clock::now();
                 n.ttl = kTestTtl;
                 const std::size_t row = run->devices.size();
                 run->devices.push_back({{"node", reg.node}, {"platform", reg.platform}, {"app", reg.app},
                                         {"device_id", reg.device_id}, {"outcome", "no answer yet"}});
                 run->ids.push_back(n.id);
                 ++run->waiting;
                 spdlog::info("notification {}: a test for node {} asked on the admin listener", n.id, reg.node);
                 dispatcher_.watch(n.id, [run, row, finish](const push::PushResult& result) {
                   auto& d = run->devices[row];
                   d["outcome"] = push::to_string(result.outcome);
                   if (result.status) d["status"] = result.status;
                   if (!result.reason.empty()) d["reason"] = result.reason;
                   if (--run->waiting == 0) finish(run);
                 });
                 dispatcher_.accept(std::move(n), reg.domain, [this, run, row, finish](bool stored) {
                   if (stored) return;
                   run->devices[row]["outcome"] = "not queued: the store failed";
                   dispatcher_.unwatch(run->ids[row]);
                   if (--run->waiting == 0) finish(run);
                 });
               }
             });
}

}  // namespace xpush
