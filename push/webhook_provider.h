// Delivery to the operator's signed webhook (push/webhook_request.h): one
// URL from the configuration, any host it names (the operator chose it),
// HTTP/2 or HTTP/1.1 keep-alive as the receiver offers.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "push/address_guard.h"
#include "push/origin_pool.h"
#include "push/provider.h"

namespace xpush::push {

struct WebhookOptions {
  std::string url;          // http:// or https://
  std::string secret_file;  // the HMAC key, shared with the receiver
  std::string ca_file;      // empty: the system trust store
  std::size_t connections = 4;
  std::chrono::milliseconds timeout{10'000};
};

// At least this many bytes of secret (after trimming the file's last newline).
inline constexpr std::size_t kMinWebhookSecret = 16;

// The secret in `path`, or why it will not do.
tl::expected<std::string, std::string> read_webhook_secret(const std::string& path);

class WebhookProvider final : public Provider {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // Throws std::runtime_error for a bad URL or secret.
  WebhookProvider(boost::asio::any_io_executor executor, WebhookOptions options, Clock clock);

  void send(const Notification& notification, Completion done) override;

 private:
  Clock clock_;
  EndpointUrl url_;
  std::string secret_;
  OriginPool pool_;
};

}  // namespace xpush::push
