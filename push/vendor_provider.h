// Delivery to an Android phone maker's push service (push/vendor_api.h):
// one provider per configured vendor, with its apps. Access tokens are
// cached per app until shortly before they expire and fetched once for all
// the sends waiting on them; a send whose token the vendor refused gets a
// new token and is sent once more. HTTP/1.1 keep-alive, or HTTP/2 where the
// vendor's ALPN offers it (push/origin_pool.h).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "push/origin_pool.h"
#include "push/provider.h"
#include "push/vendor_api.h"

namespace xpush::push {

struct VendorAppOptions {
  std::string name;
  std::string app_id;
  std::string client_id;
  std::string app_key;
  std::string package;
  std::string secret_file;
  std::string channel_id;
  std::string category = "IM";
};

struct VendorOptions {
  Platform platform = Platform::kHms;
  std::string api_url;   // empty: the vendor's public one
  std::string auth_url;  // empty: the vendor's public one
  std::string ca_file;   // empty: the system trust store
  std::size_t connections = 4;
  std::chrono::milliseconds timeout{10'000};
  std::vector<VendorAppOptions> apps;  // the first is the default
};

// The secret in `path` without its last newline, or why it will not do.
tl::expected<std::string, std::string> read_vendor_secret(const std::string& path);

class VendorProvider final : public Provider {
 public:
  using Clock = std::function<TimePoint()>;
  // Throws std::runtime_error for a bad URL or an unreadable secret.
  VendorProvider(boost::asio::any_io_executor executor, VendorOptions options, Clock clock);
  ~VendorProvider() override;

  void send(const Notification& notification, Completion done) override;
  bool uses_token() const { return api_->uses_token(); }

  // Obtains an access token for each app: whether the vendor accepts the
  // credentials. `done(app, error)` once per app, error empty when accepted.
  // A vendor without tokens (Xiaomi) has nothing to check: `uses_token`.
  void check_credentials(std::function<void(const std::string& app, const std::string& error)> done);

 private:
  // Without a token: why, as the result each waiting send gets.
  using TokenWaiter = std::function<void(tl::expected<std::string, PushResult>)>;
  struct App;

  App* app_for(const Notification& notification);
  void with_token(App& app, TokenWaiter waiter);
  void fetch_token(App& app);
  // A token endpoint's answer as a token, or as the result for the waiting sends.
  tl::expected<AccessToken, PushResult> token_outcome(const tl::expected<HttpResponse, std::string>& response) const;
  void attempt(App& app, const Notification& notification, Completion done, bool fresh_token);

  std::unique_ptr<VendorApi> api_;
  std::string vendor_;
  Clock clock_;
  EndpointUrl api_url_;
  EndpointUrl auth_url_;
  OriginPool pool_;
  std::vector<std::unique_ptr<App>> apps_;
};

}  // namespace xpush::push
