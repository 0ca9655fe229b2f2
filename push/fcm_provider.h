// Delivery to FCM HTTP v1 over HTTP/2: for each configured app a service
// account whose RS256 assertion is exchanged for an OAuth2 access token,
// cached until shortly before it expires, and a pool of connections.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "push/fcm_request.h"
#include "push/h2_pool.h"
#include "push/jwt.h"
#include "push/provider.h"

namespace xpush::push {

struct FcmAppOptions {
  std::string name;
  std::string service_account_file;  // the JSON key from the Firebase console
  std::string android_channel_id;
};

struct FcmOptions {
  H2Endpoint endpoint{.host = "fcm.googleapis.com", .port = 443, .streams_before_first_success = 1000};
  std::string token_url;  // empty: the service account's token_uri
  std::vector<FcmAppOptions> apps;  // the first is the default
  std::size_t connections = 1;
  bool validate_only = false;  // every send is only checked by FCM (xpushctl doctor)
};

// "https://host[:port]/path" -> endpoint and path; nullopt if not https.
struct HttpsUrl {
  std::string host;
  std::uint16_t port = 443;
  std::string path;
};
std::optional<HttpsUrl> parse_https_url(std::string_view url);

class FcmProvider final : public Provider {
 public:
  using Clock = std::function<TimePoint()>;
  // Throws std::runtime_error when a service account cannot be loaded.
  FcmProvider(boost::asio::any_io_executor executor, FcmOptions options, Clock clock);
  ~FcmProvider() override;

  void send(const Notification& notification, Completion done) override;

 private:
  using TokenWaiter = std::function<void(tl::expected<std::string, std::string>)>;
  struct App;

  App* app_for(const Notification& notification);
  void with_token(App& app, TokenWaiter waiter);
  void fetch_token(App& app);
  void attempt(App& app, const Notification& notification, Completion done, bool fresh_token);

  boost::asio::any_io_executor executor_;
  FcmOptions options_;
  Clock clock_;
  H2Pool pool_;
  std::vector<std::unique_ptr<App>> apps_;
};

}  // namespace xpush::push
