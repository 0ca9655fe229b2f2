// AppServer: the badge. A server hook says when a user is back; their
// unread count starts again from zero and, when configured, each of their
// Apple devices gets a silent push that sets the badge to 0. It says when
// they read a chat on one device; the others get a silent push naming the
// chat, with the count lowered by its messages. Through XEP-0357 summaries
// alone the count is shown only where it is exact.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "interceptor/hook_signals.h"
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
  hooked_domains_.insert(back->server_domain);
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

// Every device's publish carries the same summary. With one device on the
// server each publish is one message, counted as it comes; with several the
// summary is kept once per burst, which cannot tell two messages with the
// same text apart, so their alerts get no badge. Nor do they where xpush
// never learns that the user is back.
std::optional<std::int64_t> AppServer::keep_summary(store::Store& s, Windows& windows,
                                                    const store::OfflineMessage& kept, bool sees_returns,
                                                    std::chrono::system_clock::time_point now) {
  auto devices = s.registrations_of(kept.account);
  if (!devices) {
    spdlog::error("publish: devices: {}", devices.error().message);
    return std::nullopt;
  }
  const auto on_server = std::count_if(devices->begin(), devices->end(), [&](const store::Registration& d) {
    return d.enabled && d.domain == kept.domain;
  });
  const bool alone = on_server <= 1;
  const bool exact = alone && sees_returns;
  if (alone || windows.summaries.first_sighting(windows.in(s), kept.account + '\n' + kept.content, now)) {
    auto unread = s.store_message_counting_unread(kept);
    if (!unread) spdlog::error("publish: summary not kept: {}", unread.error().message);
    return unread && exact ? std::optional{*unread} : std::nullopt;
  }
  return std::nullopt;
}

void AppServer::on_chat_read(const interceptor::Element& message) {
  auto read = interceptor::parse_chat_read(message);
  if (!read) return spdlog::warn("read from {} refused: {}", message.attr_or("from"), read.error());
  if (!domain_allowed(read->server_domain)) {
    return spdlog::warn("read from {} refused: server domain is not configured", read->server_domain);
  }
  hooked_domains_.insert(read->server_domain);
  ++counters_.chats_read;
  using Cleared = std::pair<std::optional<std::int64_t>, std::vector<store::Registration>>;
  auto clear = [account = read->account, chat = read->chat](store::Store& s) -> store::StoreResult<Cleared> {
    auto unread = s.mark_chat_read(account, chat);
    if (!unread) return tl::unexpected(unread.error());
    if (!*unread) return Cleared{};
    auto devices = s.registrations_of(account);
    if (!devices) return tl::unexpected(devices.error());
    return Cleared{*unread, std::move(*devices)};
  };
  store_.run(std::move(clear), [this, chat = read->chat](auto cleared) {
    if (!cleared) return spdlog::error("chat read: not marked: {}", cleared.error().message);
    if (!cleared->first) {
      return spdlog::info("chat read on another device: nothing pushed since it was last read");
    }
    const auto unread = static_cast<int>(std::min<std::int64_t>(*cleared->first, 99'999));
    push_silently(cleared->second,
                  {.rule = "read:elsewhere",
                   .badge = options_.badge_unread ? std::optional{unread} : std::nullopt,
                   .data = {{"event", "read"}, {"chat", chat}, {"unread", std::to_string(unread)}}});
  });
}

void AppServer::clear_badges(const std::vector<store::Registration>& devices) {
  push_silently(devices, {.rule = "badge:clear", .badge = 0, .apple_only = true});  // Android shows no count of its own
}

void AppServer::push_silently(const std::vector<store::Registration>& devices, const SilentPush& push) {
  std::size_t sent = 0;
  for (const auto& device : devices) {
    if (!device.enabled || (push.apple_only && device.platform != "apns")) continue;
    auto to = device_of(device);
    if (!push::has_silent_push(to.platform)) continue;
    if (sent++ >= options_.limits.notifications_per_event) {
      ++counters_.notifications_over_ceiling;
      continue;
    }
    push::Notification n;
    n.id = random_uuid();
    n.device = std::move(to);
    n.kind = push::Kind::kBackground;
    n.badge = push.badge;
    n.data = push.data;
    n.recipient = device.account;
    n.node = device.node;
    n.rule = push.rule;
    n.created_at = std::chrono::system_clock::now();
    n.ttl = options_.notification_ttl;
    spdlog::info("node={}: silent push ({}), notification {}", device.node, push.rule, n.id);
    dispatcher_.accept(std::move(n), device.domain, [](bool) {});
  }
}

}  // namespace xpush
