#include "interceptor/registration_command.h"

#include <algorithm>
#include <cctype>

#include "base/fnv.h"
#include "interceptor/data_form.h"
#include "interceptor/jid.h"

namespace xpush::interceptor {

namespace {

struct CommandSpec {
  std::string_view node;
  std::string_view title;
  CommandKind kind;
  CommandDialect dialect;
  std::optional<PushService> service;  // v1 names it in the form instead
};

constexpr CommandSpec kCommands[] = {
    {"register-push-apns", "Register an APNs device", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kApns},
    {"register-push-fcm", "Register an FCM device", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kFcm},
    {"unregister-push-apns", "Unregister an APNs device", CommandKind::kUnregister,
     CommandDialect::kP2, PushService::kApns},
    {"unregister-push-fcm", "Unregister an FCM device", CommandKind::kUnregister,
     CommandDialect::kP2, PushService::kFcm},
    {"register-push-webpush", "Register a Web Push subscription", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kWebPush},
    {"unregister-push-webpush", "Unregister a Web Push subscription", CommandKind::kUnregister,
     CommandDialect::kP2, PushService::kWebPush},
    {"register-push-webhook", "Register a device reached through the webhook", CommandKind::kRegister,
     CommandDialect::kP2, PushService::kWebhook},
    {"unregister-push-webhook", "Unregister a device reached through the webhook", CommandKind::kUnregister,
     CommandDialect::kP2, PushService::kWebhook},
    {"register-push-hms", "Register a Huawei (HMS Push Kit) device", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kHms},
    {"unregister-push-hms", "Unregister a Huawei device", CommandKind::kUnregister, CommandDialect::kP2,
     PushService::kHms},
    {"register-push-honor", "Register an Honor device", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kHonor},
    {"unregister-push-honor", "Unregister an Honor device", CommandKind::kUnregister, CommandDialect::kP2,
     PushService::kHonor},
    {"register-push-xiaomi", "Register a Xiaomi (MiPush) device", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kXiaomi},
    {"unregister-push-xiaomi", "Unregister a Xiaomi device", CommandKind::kUnregister, CommandDialect::kP2,
     PushService::kXiaomi},
    {"register-push-oppo", "Register an OPPO device", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kOppo},
    {"unregister-push-oppo", "Unregister an OPPO device", CommandKind::kUnregister, CommandDialect::kP2,
     PushService::kOppo},
    {"register-push-vivo", "Register a vivo device", CommandKind::kRegister, CommandDialect::kP2,
     PushService::kVivo},
    {"unregister-push-vivo", "Unregister a vivo device", CommandKind::kUnregister, CommandDialect::kP2,
     PushService::kVivo},
    {"v1-register-push", "Register a device (mod_push_appserver v1)", CommandKind::kRegister,
     CommandDialect::kAppserverV1, std::nullopt},
    {"v1-unregister-push", "Unregister a device (mod_push_appserver v1)",
     CommandKind::kUnregister, CommandDialect::kAppserverV1, std::nullopt},
    {"register-device", "Register a device (Tigase clients)", CommandKind::kRegister, CommandDialect::kTigase,
     std::nullopt},
    {"unregister-device", "Unregister a device (Tigase clients)", CommandKind::kUnregister,
     CommandDialect::kTigase, std::nullopt},
};

CommandError bad_request(std::string text) {
  return CommandError{ErrorType::kModify, "bad-request", std::move(text)};
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

// APNs tokens are hex (32 bytes today); FCM tokens are opaque printable ASCII.
tl::expected<std::string, CommandError> checked_token(PushService service, std::string_view raw) {
  if (raw.empty()) return tl::unexpected(bad_request("token is missing"));
  if (raw.size() > kMaxTokenBytes) return tl::unexpected(bad_request("token is too long"));
  if (service == PushService::kApns) {
    const bool hex = std::all_of(raw.begin(), raw.end(),
                                 [](unsigned char c) { return std::isxdigit(c) != 0; });
    if (!hex || raw.size() % 2 != 0) {
      return tl::unexpected(bad_request("an APNs token is an even number of hex digits"));
    }
    std::string token{raw};
    std::transform(token.begin(), token.end(), token.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return token;
  }
  if (!printable_ascii(raw)) {
    return tl::unexpected(bad_request(service == PushService::kFcm ? "an FCM token is printable ASCII"
                                                                   : "a token is printable ASCII"));
  }
  return std::string{raw};
}

tl::expected<RegistrationCommand::WebPush, CommandError> checked_subscription_fields(const DataForm& form) {
  RegistrationCommand::WebPush out{std::string{form.value_or("endpoint")}, std::string{form.value_or("p256dh")},
                                   std::string{form.value_or("auth")}};
  if (out.endpoint.empty() || out.p256dh.empty() || out.auth.empty()) {
    return tl::unexpected(bad_request("endpoint, p256dh and auth are required"));
  }
  if (out.endpoint.size() > kMaxEndpointBytes || !printable_ascii(out.endpoint)) {
    return tl::unexpected(bad_request("the endpoint is a URL of printable ASCII"));
  }
  if (out.p256dh.size() > kMaxKeyBytes || out.auth.size() > kMaxKeyBytes || !printable_ascii(out.p256dh) ||
      !printable_ascii(out.auth)) {
    return tl::unexpected(bad_request("p256dh and auth are short base64url strings"));
  }
  return out;
}

// A Tigase provider string: Siskin's APNs one (or any "…:apns:…" an
// operator's own build uses) or the FCM one.
std::optional<PushService> tigase_provider_service(std::string_view provider) {
  if (provider == kTigaseApnsProvider || provider.find(":apns:") != std::string_view::npos) {
    return PushService::kApns;
  }
  if (provider == kTigaseFcmProvider || provider.find(":fcm:") != std::string_view::npos) return PushService::kFcm;
  return std::nullopt;
}

// Tigase clients name a device by its token alone; the store keeps a short
// name made from it (the token itself stays in the token column, sealed
// when the store seals tokens).
tl::expected<RegistrationCommand, CommandError> tigase_command(RegistrationCommand out, const DataForm& form) {
  const auto service = tigase_provider_service(form.value_or("provider"));
  if (!service) return tl::unexpected(bad_request("provider must be tigase:messenger:apns:1 or fcm-xmpp-api"));
  out.service = *service;
  auto token = checked_token(out.service, form.value_or("device-token"));
  if (!token) return tl::unexpected(token.error());
  out.device_id = "tigase-" + base::fnv1a64_hex(*token);
  if (out.kind == CommandKind::kUnregister) return out;
  out.token = std::move(*token);
  if (auto second = form.value_or("device-second-token"); !second.empty() && out.service == PushService::kApns) {
    auto voip = checked_token(PushService::kApns, second);  // a PushKit token
    if (!voip) return tl::unexpected(voip.error());
    out.voip_token = std::move(*voip);
  }
  return out;
}

// mod_push_appserver v1 names a token's service in `type`: any but the two
// whose registrations are not a token.
std::optional<PushService> service_named(std::string_view type) {
  const auto s = push_service_named(type);
  if (s == PushService::kWebPush || s == PushService::kWebhook) return std::nullopt;
  return s;
}

}  // namespace

std::string_view to_string(PushService service) {
  switch (service) {
    case PushService::kApns: return "apns";
    case PushService::kFcm: return "fcm";
    case PushService::kWebPush: return "webpush";
    case PushService::kWebhook: return "webhook";
    case PushService::kHms: return "hms";
    case PushService::kHonor: return "honor";
    case PushService::kXiaomi: return "xiaomi";
    case PushService::kOppo: return "oppo";
    case PushService::kVivo: return "vivo";
  }
  return "fcm";
}

std::optional<PushService> push_service_named(std::string_view name) {
  for (const auto s : {PushService::kApns, PushService::kFcm, PushService::kWebPush, PushService::kWebhook,
                       PushService::kHms, PushService::kHonor, PushService::kXiaomi, PushService::kOppo,
                       PushService::kVivo}) {
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

const std::vector<CommandName>& registration_command_names() {
  static const std::vector<CommandName> names = [] {
    std::vector<CommandName> v;
    for (const auto& spec : kCommands) v.push_back({spec.node, spec.title});
    return v;
  }();
  return names;
}

tl::expected<RegistrationCommand, CommandError> parse_registration_command(const Element& iq) {
  const Element* command = iq.child("command", ns::kCommands);
  if (!command) return tl::unexpected(bad_request("no command"));
  const auto node = command->attr_or("node");
  const auto spec = std::find_if(std::begin(kCommands), std::end(kCommands),
                                 [&](const CommandSpec& s) { return s.node == node; });
  if (spec == std::end(kCommands)) {
    return tl::unexpected(CommandError{ErrorType::kCancel, "item-not-found", "unknown command"});
  }
  const auto action = command->attr_or("action", "execute");
  if (action != "execute" && action != "complete") {
    return tl::unexpected(bad_request("only single-stage execute is supported"));
  }
  // Registration reaches us through the user's server from a real client.
  const auto sender = Jid::parse(iq.attr_or("from"));
  if (!sender || !sender->is_full() || sender->local.empty()) {
    return tl::unexpected(
        CommandError{ErrorType::kAuth, "forbidden", "commands are accepted from client JIDs"});
  }
  const Element* x = command->child("x", ns::kDataForms);
  if (!x) return tl::unexpected(bad_request("a submitted form is expected"));
  const DataForm form = DataForm::parse(*x);

  RegistrationCommand out{spec->kind, spec->dialect, PushService::kFcm, sender->bare(),
                          sender->domain, {}, {}, {}};
  if (spec->dialect == CommandDialect::kTigase) return tigase_command(std::move(out), form);
  if (spec->dialect == CommandDialect::kP2) {
    out.service = *spec->service;
    out.device_id = std::string{form.value_or("device-id", form.value_or("android-id"))};
    if (auto muc = form.value("muc"); muc && !muc->empty()) {
      const auto muc_jid = Jid::parse(*muc);
      if (!muc_jid || muc_jid->is_full()) return tl::unexpected(bad_request("muc is not a bare JID"));
      out.muc = muc_jid->bare();
    }
  } else {
    const auto service = service_named(form.value_or("type"));
    if (!service) return tl::unexpected(bad_request("type must be apns, fcm, hms, honor, xiaomi, oppo or vivo"));
    out.service = *service;
    out.device_id = std::string{form.value_or("node")};
  }
  if (out.device_id.empty() || out.device_id.size() > kMaxDeviceIdBytes ||
      !printable_ascii(out.device_id)) {
    return tl::unexpected(bad_request("a device id of printable ASCII is required"));
  }
  out.app = std::string{form.value_or("app")};
  if (out.app.size() > kMaxAppNameBytes || !printable_ascii(out.app)) {
    return tl::unexpected(bad_request("app is a short name of printable ASCII"));
  }
  if (out.kind == CommandKind::kRegister && out.service == PushService::kWebPush) {
    auto fields = checked_subscription_fields(form);
    if (!fields) return tl::unexpected(fields.error());
    out.webpush = std::move(*fields);
  } else if (out.kind == CommandKind::kRegister) {
    auto token = checked_token(out.service, form.value_or("token"));
    if (!token) return tl::unexpected(token.error());
    out.token = std::move(*token);
    if (auto voip = form.value_or("voip-token"); !voip.empty()) {
      if (out.service != PushService::kApns) return tl::unexpected(bad_request("voip-token is for APNs devices"));
      auto checked = checked_token(PushService::kApns, voip);
      if (!checked) return tl::unexpected(checked.error());
      out.voip_token = std::move(*checked);
    }
  }
  return out;
}

Element command_completed(const Element& request,
                          const std::vector<std::pair<std::string, std::string>>& fields) {
  Element iq = iq_result(request);
  const Element* asked = request.child("command", ns::kCommands);
  Element& command = iq.add(ns::kCommands, "command");
  command.set_attr("node", asked ? asked->attr_or("node") : std::string_view{});
  command.set_attr("sessionid", asked ? asked->attr_or("sessionid", request.attr_or("id"))
                                      : request.attr_or("id"));
  command.set_attr("status", "completed");
  if (!fields.empty()) command.add(make_form("result", fields));
  return iq;
}

}  // namespace xpush::interceptor
