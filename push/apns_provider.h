// Delivery to APNs over HTTP/2: for each configured app a provider token
// (or a client certificate) and a small pool of connections.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "push/apns_request.h"
#include "push/h2_pool.h"
#include "push/jwt.h"
#include "push/provider.h"

namespace xpush::push {

struct ApnsAppOptions {
  ApnsApp app;
  // Token auth (a .p8 key), or certificate auth (cert_file, PEM).
  std::string key_file;
  std::string key_id;
  std::string team_id;
  std::string cert_file;      // PEM, or .p12/.pfx
  std::string cert_key_file;  // PEM key when not inside cert_file
  std::string cert_password;  // .p12
  std::optional<H2Endpoint> endpoint;  // this app's own (e.g. sandbox); default: the section's
};

struct ApnsOptions {
  H2Endpoint endpoint{.host = "api.push.apple.com", .port = 443};
  std::vector<ApnsAppOptions> apps;  // the first is the default
  std::size_t connections = 1;       // per app
};

class ApnsProvider final : public Provider {
 public:
  using Clock = std::function<TimePoint()>;
  // Throws std::runtime_error when a key or certificate cannot be loaded.
  ApnsProvider(boost::asio::any_io_executor executor, ApnsOptions options, Clock clock);

  void send(const Notification& notification, Completion done) override;

 private:
  struct App {
    ApnsAppOptions options;
    std::shared_ptr<ApnsTokenCache> tokens;  // shared by every app signing with the same key
    std::unique_ptr<H2Pool> pool;
  };

  App* app_for(const Notification& notification);
  struct Attempt {
    bool fresh_token = false;     // already retried with a newly signed token
    int goaway_resends = 0;       // sent again on a new connection after GOAWAY
  };
  static constexpr int kMaxGoawayResends = 3;
  void attempt(App& app, const Notification& notification, Completion done, Attempt tried);

  boost::asio::any_io_executor executor_;
  ApnsOptions options_;
  Clock clock_;
  std::vector<std::unique_ptr<App>> apps_;
};

}  // namespace xpush::push
