// AppServer: devices register and unregister through ad-hoc commands (p2 and
// mod_push_appserver's v1). An account may register at most
// `limits.devices_per_account` distinct tokens, at most
// `limits.registration_burst` times at once; the same token registered again
// under another device id replaces the earlier registration.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/app_server.h"
#include "engine/secrets.h"
#include "interceptor/iq.h"
#include "push/vendor_api.h"
#include "push/webpush_request.h"

namespace xpush {

using interceptor::Element;
using interceptor::ErrorType;
using interceptor::iq_error;

namespace {

struct Registered {
  std::optional<store::Registration> stored;  // empty: refused by the cap
  RegistrationPlan plan;
};

// On the store thread: one read of the account's devices, then the plan.
store::StoreResult<Registered> register_device(store::Store& s, const store::Registration& candidate,
                                               std::size_t max_devices) {
  auto devices = s.registrations_of(candidate.account);
  if (!devices) return tl::unexpected(devices.error());
  Registered out{std::nullopt, plan_registration(*devices, candidate, max_devices)};
  if (out.plan.over_cap) return out;
  for (const auto& old : out.plan.superseded) {
    if (auto removed = s.remove_registration(old.account, old.device_id, old.muc); !removed) {
      return tl::unexpected(removed.error());
    }
  }
  auto stored = s.upsert_registration(candidate);
  if (!stored) return tl::unexpected(stored.error());
  out.stored = std::move(*stored);
  // A client registers when its user opens it (some at every login): the
  // user is back, and their unread count starts again.
  if (auto read = s.mark_read(candidate.account); !read) {
    spdlog::error("registration: unread count not reset: {}", read.error().message);
  }
  return out;
}

}  // namespace

void AppServer::on_command(Element iq) {
  auto command = interceptor::parse_registration_command(iq);
  if (!command) {
    const auto& e = command.error();
    spdlog::info("command from {} refused: {}", iq.attr_or("from"), e.text);
    return reply_(iq_error(iq, e.type, e.condition, e.text));
  }
  if (!domain_allowed(command->domain)) {
    return reply_(iq_error(iq, ErrorType::kAuth, "forbidden", "server domain is not served here"));
  }
  if (command->kind == interceptor::CommandKind::kRegister) {
    on_register(std::move(iq), std::move(*command));
  } else {
    on_unregister(std::move(iq), std::move(*command));
  }
}

// XEP-0128: clients read the VAPID key here before they subscribe
// (applicationServerKey), docs/webpush.md.
std::vector<std::pair<std::string, std::string>> AppServer::disco_extensions() const {
  if (!options_.webpush) return {};
  return {{"FORM_TYPE", std::string{kWebPushFormType}}, {"vapid-public-key", options_.vapid_public_key}};
}

// A Web Push subscription checked and turned into the device's token.
tl::expected<std::string, std::string> AppServer::webpush_token(const interceptor::RegistrationCommand& command) const {
  if (!options_.webpush) return tl::unexpected(std::string{"Web Push is not configured on this push service"});
  const auto& w = command.webpush;
  auto subscription = push::checked_subscription({w.endpoint, w.p256dh, w.auth}, *options_.webpush);
  if (!subscription) return tl::unexpected(subscription.error());
  return push::subscription_token(*subscription);
}

void AppServer::on_register(Element iq, interceptor::RegistrationCommand command) {
  if (command.service == interceptor::PushService::kWebPush) {
    auto token = webpush_token(command);
    if (!token) {
      spdlog::info("register: a Web Push subscription from {} refused: {}", command.domain, token.error());
      return reply_(iq_error(iq, options_.webpush ? ErrorType::kModify : ErrorType::kCancel,
                             options_.webpush ? "bad-request" : "feature-not-implemented", token.error()));
    }
    command.token = std::move(*token);
  }
  if (command.service == interceptor::PushService::kWebhook && !options_.webhook) {
    return reply_(iq_error(iq, ErrorType::kCancel, "feature-not-implemented",
                           "the webhook is not configured on this push service"));
  }
  const std::string service{interceptor::to_string(command.service)};
  const auto platform = push::platform_named(service);
  const auto vendor = options_.vendor_apps.find(service);
  if (platform && push::is_vendor(*platform) && vendor == options_.vendor_apps.end()) {
    return reply_(iq_error(iq, ErrorType::kCancel, "feature-not-implemented",
                           service + " is not configured on this push service"));
  }
  if (!command.app.empty()) {
    static const std::vector<std::string> kNone;
    const auto& known = command.service == interceptor::PushService::kApns  ? options_.apns_apps
                        : command.service == interceptor::PushService::kFcm ? options_.fcm_apps
                        : vendor != options_.vendor_apps.end()              ? vendor->second
                                                                             : kNone;
    if (std::find(known.begin(), known.end(), command.app) == known.end()) {
      return reply_(iq_error(iq, ErrorType::kModify, "bad-request",
                             "no " + std::string{interceptor::to_string(command.service)} +
                                 " app named '" + command.app + "'"));
    }
  }
  if (!registrations_limiter_.take(command.account, options_.steady_clock())) {
    ++counters_.registrations_rate_limited;
    spdlog::warn("register: {} registers too often; refused for now", command.account);
    return reply_(iq_error(iq, ErrorType::kWait, "resource-constraint",
                           "too many registrations for this account; try again in a minute"));
  }
  store::Registration candidate;
  candidate.node = command.dialect == interceptor::CommandDialect::kAppserverV1
                       ? command.device_id
                       : random_token(kNodeBytes);
  // Issued anew at every registration and kept only as a hash; the one
  // issued before stays valid until the next (docs/store.md#secrets).
  // Tigase clients take none: their node alone, published by their own
  // server, is the credential.
  const bool tigase = command.dialect == interceptor::CommandDialect::kTigase;
  auto secret = tigase ? std::string{} : random_token(kSecretBytes);
  candidate.secret_hash = tigase ? std::string{} : store::node_secret_hash(secret);
  candidate.account = command.account;
  candidate.domain = command.domain;
  candidate.device_id = command.device_id;
  candidate.muc = command.muc;
  candidate.platform = std::string{interceptor::to_string(command.service)};
  candidate.token = command.token;
  candidate.app = command.app;
  candidate.voip_token = command.voip_token;
  // Whatever the store answers, this device's kept registration is stale.
  registrations_.forget_device(candidate.account, candidate.device_id, candidate.muc);
  ++in_flight_;
  store_.run(
      [candidate, max = options_.limits.devices_per_account](store::Store& s) {
        return register_device(s, candidate, max);
      },
      [this, iq = std::move(iq), device = candidate, secret = std::move(secret)](auto done) {
        --in_flight_;
        // Again: a publish read the old registration before this change and
        // may have kept it since.
        registrations_.forget_device(device.account, device.device_id, device.muc);
        const auto& account = device.account;
        if (!done) {
          spdlog::error("register: store: {}", done.error().message);
          return reply_(done.error().kind == store::StoreErrorKind::kConflict
                            ? iq_error(iq, ErrorType::kCancel, "conflict",
                                       "this node belongs to another account")
                            : temporary_failure(iq));
        }
        if (!done->stored) {
          ++counters_.registrations_over_cap;
          spdlog::warn("register: {} has {} devices, the most allowed; refused", account,
                       options_.limits.devices_per_account);
          return reply_(iq_error(iq, ErrorType::kCancel, "not-allowed",
                                 "this account has " + std::to_string(options_.limits.devices_per_account) +
                                     " devices registered, the most allowed; unregister one first"));
        }
        const auto& stored = *done->stored;
        for (const auto& old : done->plan.superseded) registrations_.forget_device(old.account, old.device_id, old.muc);
        counters_.registrations_superseded += done->plan.superseded.size();
        ++counters_.registrations;
        spdlog::info("registered a {} device for {} (node {}{})", stored.platform, stored.domain,
                     stored.node,
                     done->plan.superseded.empty() ? "" : ", replacing the same token's earlier node");
        if (secret.empty()) return reply_(interceptor::command_completed(iq, {{"node", stored.node}}));
        reply_(interceptor::command_completed(
            iq, {{"jid", options_.component_domain}, {"node", stored.node}, {"secret", secret}}));
      });
}

void AppServer::on_unregister(Element iq, interceptor::RegistrationCommand command) {
  registrations_.forget_device(command.account, command.device_id, command.muc);
  ++in_flight_;
  store_.run(
      [command](store::Store& s) {
        return s.remove_registration(command.account, command.device_id, command.muc);
      },
      [this, iq = std::move(iq), command](auto removed) {
        --in_flight_;
        registrations_.forget_device(command.account, command.device_id, command.muc);
        if (!removed) {
          spdlog::error("unregister: store: {}", removed.error().message);
          return reply_(temporary_failure(iq));
        }
        reply_(interceptor::command_completed(iq, {}));
      });
}

}  // namespace xpush
