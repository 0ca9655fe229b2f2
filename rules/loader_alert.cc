// rules.yaml: alerts, defaults and throttles.
#include <memory>

#include "rules/loader_internal.h"

namespace xpush::rules::detail {

AlertSpec Loader::alert_spec(const YAML::Node& node, std::string_view where,
                             std::initializer_list<std::string_view> also, PlatformSpecs* platforms) {
  AlertSpec spec;
  const bool platform_blocks = platforms != nullptr;
  const auto is_platform = [](std::string_view k) {
    return k == "apns" || k == "fcm" || k == "webpush" || k == "webhook" || k == "vendor";
  };
  const auto is_also = [also](std::string_view k) {
    return std::find(also.begin(), also.end(), k) != also.end();
  };
  const std::string expected =
      with(with(kAlertKeys, also), platform_blocks ? std::initializer_list<std::string_view>{"apns", "fcm", "webpush", "webhook", "vendor"}
                                                   : std::initializer_list<std::string_view>{});
  const bool ok = check_keys(node, where, expected, [&](std::string_view k) {
    return std::find(kAlertKeys.begin(), kAlertKeys.end(), k) != kAlertKeys.end() || is_also(k) ||
           (platform_blocks && is_platform(k));
  });
  if (!ok && !node.IsMap()) return spec;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& value = kv.second;
    if (std::find(kTextKeys.begin(), kTextKeys.end(), key) != kTextKeys.end()) {
      auto t = templ(value, key);
      if (!t) {
        spec.text[key] = Template{};  // reported; present, so no "needs a title" on top
        continue;
      }
      if (key == "badge" && t->variables().empty() && !t->empty()) {
        int n = 0;
        if (!YAML::convert<int>::decode(value, n) || n < 0) {
          error(value, "badge must be a number, or a template such as \"{{count}}\"");
          continue;
        }
      }
      if (key == "importance" && t->variables().empty()) {
        const auto& v = value.Scalar();
        if (v != "low" && v != "normal" && v != "high") {
          error(value, "unknown importance '" + v + "' (expected low, normal or high)");
          continue;
        }
      }
      if (key == "interruption_level" && t->variables().empty()) {
        const auto& v = value.Scalar();
        if (v != "passive" && v != "active" && v != "time-sensitive" && v != "critical") {
          error(value, "unknown interruption_level '" + v + "' (expected passive, active, time-sensitive or critical)");
          continue;
        }
      }
      spec.text[key] = std::move(*t);
    } else if (key == "loc_args" || key == "title_loc_args") {
      if (!value.IsSequence()) {
        error(value, key + " must be a list of texts");
        continue;
      }
      std::vector<Template> list;
      for (const auto& item : value) {
        if (auto t = templ(item, key)) list.push_back(std::move(*t));
      }
      spec.args[key] = std::move(list);
    } else if (key == "data") {
      if (!check_keys(value, "data", "key: text pairs", [](std::string_view) { return true; })) continue;
      for (const auto& d : value) {
        if (auto t = templ(d.second, "data." + d.first.Scalar())) spec.data[d.first.Scalar()] = std::move(*t);
      }
    } else if (key == "priority") {
      const auto p = text(value, "priority");
      if (p && *p == "high") spec.priority = Priority::kHigh;
      else if (p && *p == "normal") spec.priority = Priority::kNormal;
      else if (p) error(value, "unknown priority '" + *p + "' (expected high or normal)");
    } else if (platform_blocks && is_platform(key)) {
      *(key == "apns"      ? &platforms->apns
        : key == "fcm"     ? &platforms->fcm
        : key == "webpush" ? &platforms->webpush
        : key == "webhook" ? &platforms->webhook
                           : &platforms->vendor) = alert_spec(value, key, {});
    }
  }
  return spec;
}

void Loader::read_defaults(const YAML::Node& node) {
  context_ = "defaults";
  PlatformSpecs blocks;
  const AlertSpec base = alert_spec(node, "defaults", {"ttl", "throttle"}, &blocks);
  defaults_ = {base.merged_with(blocks.apns), base.merged_with(blocks.fcm), base.merged_with(blocks.webpush),
               base.merged_with(blocks.webhook), base.merged_with(blocks.vendor)};
  if (node.IsMap() && node["ttl"]) default_ttl_ = duration(node["ttl"], "ttl");
  if (node.IsMap() && node["throttle"]) {
    default_throttle_ = node["throttle"];
    throttle(node["throttle"], defaults_);  // reports its errors here, once
  }
  context_.clear();
}

std::shared_ptr<const ThrottleSpec> Loader::throttle(const YAML::Node& node, const PlatformSpecs& alerts) {
  bool enabled = true;
  if (node.IsScalar() && (node.Scalar() == "off" || (YAML::convert<bool>::decode(node, enabled) && !enabled))) {
    return nullptr;
  }
  const auto errors_before = errors_.size();
  const AlertSpec over = alert_spec(node, "throttle", {"window"});
  if (errors_.size() != errors_before) return nullptr;
  if (!node["window"]) {
    error(node, "throttle needs a window, e.g. window: 60s");
    return nullptr;
  }
  const auto window = duration(node["window"], "throttle window");
  if (!window) return nullptr;
  auto spec = std::make_shared<ThrottleSpec>();
  spec->window = *window;
  spec->digest_apns = alerts.apns.merged_with(over);
  spec->digest_fcm = alerts.fcm.merged_with(over);
  spec->digest_webpush = alerts.webpush.merged_with(over);
  spec->digest_webhook = alerts.webhook.merged_with(over);
  spec->digest_vendor = alerts.vendor.merged_with(over);
  std::vector<std::string> names;
  for (const auto* digest : {&spec->digest_apns, &spec->digest_fcm, &spec->digest_webpush, &spec->digest_webhook,
                              &spec->digest_vendor}) {
    const auto more = digest->variables();
    names.insert(names.end(), more.begin(), more.end());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::erase(names, std::string{"count"});
  spec->variables = std::move(names);
  return spec;
}

}  // namespace xpush::rules::detail
