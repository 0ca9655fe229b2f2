// The push providers on a loop and a thread of their own. The engine thread
// reads the XMPP stream, decides and answers; HTTP/2, TLS and building the
// providers' requests (a third of its work per publish) run here, beside it,
// on the second core. Notifications go over by copy; each result comes back
// to the engine's loop, as push::Provider promises.
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "push/provider.h"

namespace xpush {

class ProviderThread final : public push::Provider {
 public:
  using Make = std::function<std::unique_ptr<push::Provider>(boost::asio::any_io_executor)>;

  // `make` builds the provider for the push thread's loop; `loop` is where
  // results are delivered.
  ProviderThread(boost::asio::any_io_executor loop, const Make& make);
  ~ProviderThread() override;
  ProviderThread(const ProviderThread&) = delete;
  ProviderThread& operator=(const ProviderThread&) = delete;

  void send(const push::Notification& notification, Completion done) override;

 private:
  boost::asio::any_io_executor loop_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<push::Provider> inner_;  // used on the push thread only
  std::thread thread_;
};

}  // namespace xpush
