// POST /devices/test on the admin listener (`xpushctl devices test`): a real
// notification to every enabled device of a user, through the outbox like
// any other, answered with each provider's first answer. A provider that
// asks for a retry gets one on the usual schedule; the answer says so.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <tl/expected.hpp>

#include "admin/admin_http.h"
#include "engine/dispatcher.h"
#include "engine/store_worker.h"

namespace xpush {

struct DeviceTestRequest {
  std::string jid;   // bare JID
  std::string text;  // the body shown
};

// {"jid": "...", "text": "..."} (text optional), or what is wrong with it.
tl::expected<DeviceTestRequest, std::string> parse_device_test(std::string_view body);

class DeviceTester {
 public:
  DeviceTester(boost::asio::any_io_executor executor, StoreWorker& store, Dispatcher& dispatcher,
               std::chrono::seconds wait = std::chrono::seconds{20});
  void run(std::string body, std::function<void(AdminResponse)> reply);

 private:
  struct Run;
  boost::asio::any_io_executor executor_;
  StoreWorker& store_;
  Dispatcher& dispatcher_;
  std::chrono::seconds wait_;
};

}  // namespace xpush
