// AppServer: the badge. A server hook says when a user is back; their
// unread count starts again from zero and, when configured, each of their
// Apple devices gets a silent push that sets the badge to 0.
#include <spdlog/spdlog.h>

#include "interceptor/user_back.h"
#include "engine/app_server.h"
#include "engine/notification_from_decision.h"
#include "engine/secrets.h"

namespace xpush {

void AppServer::on_user_back(const interceptor::Element& message) {
  auto back = interceptor::parse_user_back(message);
  if (!back) return spdlog::warn("user-back from {} refused: {}", message.attr_or("from"), back.error());
  if (!domain_allowed(back->server_domain)) {
    return spdlog::warn("user-back from {} refused: server domain is not configured", back->server_domain);
  }
  ++counters_.users_back;
  using Reset = std::pair<std::int64_t, std::vector<store::Registration>>;
  auto reset = [account = back->account, devices_too = options_.clear_badge_on_return](
                   store::Store& s) -> store::StoreResult<Reset> {
    auto was = s.mark_read(account);
    if (!was) return tl::unexpected(was.error());
    if (!devices_too || *was == 0) return Reset{*was, {}};
    auto devices = s.registrations_of(account);
    if (!devices) return tl::unexpected(devices.error());
    return Reset{*was, std::move(*devices)};
  };
  store_.run(std::move(reset), [this](auto done) {
    if (!done) return spdlog::error("user back: unread count not reset: {}", done.error().message);
    if (done->first == 0) return;
    spdlog::info("user back: {} unread message(s) marked read", done->first);
    clear_badges(done->second);
  });
}

void AppServer::clear_badges(const std::vector<store::Registration>& devices) {
  std::size_t sent = 0;
  for (const auto& device : devices) {
    if (device.platform != "apns") continue;  // Android shows no count of its own
    if (sent++ >= options_.limits.notifications_per_event) {
      ++counters_.notifications_over_ceiling;
      continue;
    }
    push::Notification n;
    n.id = random_uuid();
    n.device = device_of(device);
    n.kind = push::Kind::kBackground;
    n.badge = 0;
    n.recipient = device.account;
    n.node = device.node;
    n.rule = "badge:clear";
    n.created_at = std::chrono::system_clock::now();
    n.ttl = options_.notification_ttl;
    spdlog::info("node={}: badge cleared by silent push, notification {}", device.node, n.id);
    dispatcher_.accept(std::move(n), device.domain, [](bool) {});
  }
}

}  // namespace xpush
