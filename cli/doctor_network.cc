// xpushctl doctor: the checks that talk to the XMPP server, the push
// providers and the running xpushd.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <map>
#include <memory>

#include "cli/admin_client.h"
#include "cli/doctor.h"
#include "push/apns_provider.h"
#include "push/fcm_provider.h"
#include "push/vendor_provider.h"

namespace xpush::doctor {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// The verdict on a provider's answer to a request that reaches no phone.
Finding provider_verdict(std::string check, const push::PushResult& r, std::string_view fix) {
  if (r.outcome == push::Outcome::kDelivered) return {Level::kOk, std::move(check), "credentials accepted"};
  if (r.outcome == push::Outcome::kTokenInvalid) {
    return {Level::kOk, std::move(check), "credentials accepted (a made-up device token was refused: " + r.reason + ")"};
  }
  if (r.status == 0) {
    return {Level::kFail, std::move(check), r.reason + ": is the provider reachable from here (firewall, proxy, DNS)?"};
  }
  return {Level::kFail, std::move(check), r.reason + " (HTTP " + std::to_string(r.status) + "): " + std::string{fix}};
}

}  // namespace

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

void check_providers(const Config& c, const Options& o, Report& report) {
  if (c.push_provider != "direct") {
    return report.add(Level::kOk, "providers", "push.provider is log: no provider to check");
  }
  asio::io_context io;
  const auto now = [] { return std::chrono::system_clock::now(); };
  std::vector<std::optional<Finding>> found;
  std::vector<std::string> names;
  const auto expect = [&](std::string check) {
    names.push_back(std::move(check));
    found.emplace_back();
    return found.size() - 1;
  };
  const auto probe = [&](push::Platform platform, const std::string& app, std::string token) {
    push::Notification n;
    n.id = "00000000-0000-4000-8000-00000000d0c7";
    n.device = {platform, std::move(token), app};
    n.kind = push::Kind::kBackground;
    n.high_priority = false;
    n.created_at = now();
    n.ttl = std::chrono::seconds{60};
    return n;
  };
  // A provider that cannot even start (an unreadable key) fails its apps.
  const auto started = [&report](const std::string& check, auto make) -> bool {
    try {
      make();
      return true;
    } catch (const std::exception& e) {
      report.add(Level::kFail, check, e.what());
      return false;
    }
  };
  std::unique_ptr<push::ApnsProvider> apns;
  if (!c.apns.apps.empty() &&
      !started("apns", [&] { apns = std::make_unique<push::ApnsProvider>(io.get_executor(), c.apns, now); })) {
    apns.reset();
  }
  for (const auto& a : apns ? c.apns.apps : decltype(c.apns.apps){}) {
    const auto i = expect("apns " + a.app.name);
    apns->send(probe(push::Platform::kApns, a.app.name, std::string(64, '0')), [&, i](push::PushResult r) {
      found[i] = provider_verdict(names[i], r,
                                  "InvalidProviderToken means a wrong key_file, key_id or team_id; BadTopic or"
                                  " TopicDisallowed a topic that is not the app's bundle id; check push.apns");
    });
  }
  std::unique_ptr<push::FcmProvider> fcm;
  if (!c.fcm.apps.empty()) {
    auto options = c.fcm;
    options.validate_only = true;  // FCM checks the request and sends nothing
    if (!started("fcm", [&] { fcm = std::make_unique<push::FcmProvider>(io.get_executor(), options, now); })) {
      fcm.reset();
    }
  }
  for (const auto& a : fcm ? c.fcm.apps : decltype(c.fcm.apps){}) {
    const auto i = expect("fcm " + a.name);
    fcm->send(probe(push::Platform::kFcm, a.name, "xpush-doctor-validate-only"), [&, i](push::PushResult r) {
      found[i] = provider_verdict(names[i], r,
                                  "the service account cannot send for its project: check that the key is current"
                                  " and has the Firebase Cloud Messaging API enabled");
    });
  }
  std::vector<std::unique_ptr<push::VendorProvider>> vendors;
  for (const auto& v : c.vendors) {
    const std::string vendor{push::to_string(v.platform)};
    if (!started(vendor, [&] { vendors.push_back(std::make_unique<push::VendorProvider>(io.get_executor(), v, now)); })) {
      continue;
    }
    if (!vendors.back()->uses_token()) {
      for (const auto& a : v.apps) {
        report.add(Level::kOk, vendor + " " + a.name,
                   "the secret is readable; " + vendor + " takes it with each send, so there is no token to check");
      }
      continue;
    }
    std::map<std::string, std::size_t> index;
    for (const auto& a : v.apps) index[a.name] = expect(vendor + " " + a.name);
    vendors.back()->check_credentials([&, index](const std::string& app, const std::string& error) {
      const auto i = index.at(app);
      found[i] = error.empty() ? Finding{Level::kOk, names[i], "credentials accepted (a token was issued)"}
                               : Finding{Level::kFail, names[i], error + ": check the app's ids and secret_file"};
    });
  }
  if (c.webpush) report.add(Level::kOk, "webpush", "the VAPID key loads");
  if (c.webhook) report.add(Level::kOk, "webhook", "the secret is readable; " + c.webhook->url + " is not contacted");
  io.run_for(o.timeout);
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (!found[i]) found[i] = Finding{Level::kFail, names[i], "no answer within " + seconds_text(o.timeout) +
                                                                  ": is the provider reachable from here (firewall, proxy)?"};
    report.add(found[i]->level, found[i]->check, found[i]->text);
  }
}

Finding probe_admin(const Config& c, const Options& o) {
  if (c.admin_port == 0) {
    return {Level::kWarn, "admin", "the admin listener is off (admin.port): no /health or /metrics to watch"};
  }
  const std::string where = c.admin_address + ":" + std::to_string(c.admin_port);
  auto answer = cli::admin_call(c, "/health", "", o.timeout);
  if (!answer) {
    return {Level::kFail, "admin", answer.error().starts_with("nothing answers") ? answer.error() + ": is xpushd running?"
                                                                                   : answer.error()};
  }
  if (answer->status == 200) return {Level::kOk, "admin", "xpushd answers on " + where + ": healthy"};
  if (answer->status == 401 || answer->status == 403) {
    return {Level::kFail, "admin", "xpushd on " + where + " refused the request (" + std::to_string(answer->status) +
                                       "): admin.token_file must hold the token xpushd was started with"};
  }
  return {Level::kWarn, "admin", "xpushd answers on " + where + " with " + std::to_string(answer->status) +
                                     ": its component link is down (see its log)"};
}

}  // namespace xpush::doctor
