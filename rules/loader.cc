#include "rules/loader.h"

#include <charconv>
#include <set>

#include "base/read_file.h"
#include "rules/loader_internal.h"

namespace xpush::rules::detail {

bool Loader::check_keys(const YAML::Node& map, std::string_view where, const std::string& expected,
                        const std::function<bool(std::string_view)>& allowed) {
  if (!map.IsMap()) {
    error(map, std::string{where} + " must be a mapping of keys to values");
    return false;
  }
  std::set<std::string> seen;
  bool ok = true;
  for (const auto& kv : map) {
    const auto key = kv.first.Scalar();
    // yaml-cpp keeps the first of two equal keys without a word.
    if (!seen.insert(key).second) {
      error(kv.first, "duplicate key '" + key + "' in " + std::string{where});
      ok = false;
    } else if (!allowed(key)) {
      error(kv.first, "unknown key '" + key + "' in " + std::string{where} + " (expected one of: " + expected + ")");
      ok = false;
    }
  }
  return ok;
}

std::optional<std::string> Loader::text(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, std::string{what} + " must be a text");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> Loader::boolean(const YAML::Node& node, std::string_view what) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    error(node, std::string{what} + " must be true or false");
    return std::nullopt;
  }
  return value;
}

std::optional<int> Loader::integer(const YAML::Node& node, std::string_view what) {
  int value = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, value)) {
    error(node, std::string{what} + " must be a whole number");
    return std::nullopt;
  }
  return value;
}

// 45, "45s", "10m", "2h", "1d".
std::optional<seconds> Loader::duration(const YAML::Node& node, std::string_view what) {
  const std::string s = node.IsScalar() ? node.Scalar() : std::string{};
  long long value = -1;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  const std::string_view unit{end, static_cast<std::size_t>(s.data() + s.size() - end)};
  const long long scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (s.empty() || ec != std::errc{} || value < 0 || scale == 0 || value > 365LL * 86400) {
    error(node, std::string{what} + " must be a duration such as 30s, 10m, 2h or 1d");
    return std::nullopt;
  }
  return seconds{value * scale};
}

std::vector<std::string> Loader::patterns(const YAML::Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (auto t = text(item, what)) out.push_back(*t);
    }
  } else {
    error(node, std::string{what} + " must be a JID pattern or a list of them");
  }
  return out;
}

std::optional<Template> Loader::templ(const YAML::Node& node, std::string_view what) {
  auto source = text(node, what);
  if (!source) return std::nullopt;
  auto compiled = Template::compile(*source, [this](std::string_view name) {
    return RuleSet::known_variable(name, fields_);
  });
  if (!compiled) {
    std::string message = std::string{what} + ": " + compiled.error().message;
    if (compiled.error().message.starts_with("unknown variable")) {
      message += " (expected a field declared under 'fields', json.<path>, or one of: sender, from, "
                 "from_local, from_domain, nick, room, to, to_domain, recipient, body, type, count, "
                 "message_id, source)";
    }
    error(node, message);
    return std::nullopt;
  }
  return std::move(*compiled);
}

std::optional<Action> Loader::action(const YAML::Node& node) {
  const auto word = text(node, "action");
  if (!word) return std::nullopt;
  if (*word == "drop") return Action::kDrop;
  if (*word == "silent") return Action::kSilent;
  if (*word == "alert") return Action::kAlert;
  if (*word == "voip") return Action::kVoip;
  error(node, "unknown action '" + *word + "' (expected drop, silent, alert or voip)");
  return std::nullopt;
}

void Loader::read_namespaces(const YAML::Node& node) {
  if (!check_keys(node, "namespaces", "prefix: namespace URI pairs", [](std::string_view) { return true; })) return;
  for (const auto& kv : node) {
    if (auto uri = text(kv.second, "a namespace")) namespaces_[kv.first.Scalar()] = *uri;
  }
}

// "prefix:name/name/prefix:name@attribute"; a step without a prefix is in
// its parent's namespace, as in XML.
std::optional<ElementPath> Loader::element_path(const YAML::Node& node, const std::string& path) {
  ElementPath out;
  std::string_view rest = path;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    out.attribute = std::string{rest.substr(at + 1)};
    rest = rest.substr(0, at);
  }
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto step = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    const auto colon = step.find(':');
    std::string ns;
    if (colon != std::string_view::npos) {
      const std::string prefix{step.substr(0, colon)};
      const auto it = namespaces_.find(prefix);
      if (it == namespaces_.end()) {
        error(node, "element path '" + path + "' uses prefix '" + prefix + "', which is not declared under 'namespaces'");
        return std::nullopt;
      }
      ns = it->second;
    }
    const std::string name{colon == std::string_view::npos ? step : step.substr(colon + 1)};
    if (name.empty()) {
      error(node, "element path '" + path + "' has an empty step (expected prefix:name/name...)");
      return std::nullopt;
    }
    out.steps.emplace_back(std::move(ns), name);
  }
  if (out.steps.empty()) {
    error(node, "element path '" + path + "' names no element");
    return std::nullopt;
  }
  return out;
}

void Loader::read_fields(const YAML::Node& node) {
  if (!check_keys(node, "fields", "name: { json: path } or name: { element: path }", [](std::string_view) { return true; })) return;
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    context_ = "field '" + name + "'";
    if (RuleSet::known_variable(name, {}) || name.find('.') != std::string::npos) {
      error(kv.first, "the name is taken by a built-in variable or contains '.'");
      continue;
    }
    if (!check_keys(kv.second, "a field", {"json", "element"})) continue;
    Field field;
    if (kv.second["json"] && kv.second["element"]) {
      error(kv.second, "a field reads either json or element, not both");
      continue;
    }
    if (const auto json = kv.second["json"]) {
      if (auto path = text(json, "json")) field.json_path = *path;
    } else if (const auto element = kv.second["element"]) {
      auto path = text(element, "element");
      auto parsed = path ? element_path(element, *path) : std::nullopt;
      if (!parsed) continue;
      field.element = std::move(*parsed);
    } else {
      error(kv.second, "a field needs json or element");
      continue;
    }
    fields_[name] = std::move(field);
  }
  context_.clear();
}

void Loader::read_quiet_hours(const YAML::Node& node) {
  if (!node.IsSequence()) return error(node, "quiet_hours must be a list");
  for (const auto& item : node) {
    context_ = "quiet_hours";
    if (!check_keys(item, "quiet hours", {"name", "timezone", "from", "to", "users"})) continue;
    const auto name = item["name"] ? text(item["name"], "name") : std::optional<std::string>{"quiet"};
    if (name) context_ = "quiet hours '" + *name + "'";
    std::optional<int> from, to;
    for (const auto& [key, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
      if (!item[key]) {
        error(item, std::string{"'"} + key + "' is missing (expected a time such as 22:00)");
      } else if (auto t = text(item[key], key)) {
        *out = parse_clock_time(*t);
        if (!*out) error(item[key], std::string{key} + " must be a 24-hour time such as 07:00");
      }
    }
    if (!item["timezone"]) {
      error(item, "'timezone' is missing (expected an IANA name such as Europe/Berlin)");
      continue;
    }
    const auto zone = text(item["timezone"], "timezone");
    auto users = item["users"] ? patterns(item["users"], "users") : std::vector<std::string>{};
    if (!name || !from || !to || !zone) continue;
    auto quiet = QuietHours::create(*name, *zone, *from, *to, std::move(users));
    if (!quiet) {
      error(item["timezone"], quiet.error());
      continue;
    }
    quiet_hours_.push_back(std::move(*quiet));
  }
  context_.clear();
}

void Loader::read_mutes(const YAML::Node& node) {
  if (!node.IsSequence()) return error(node, "mute must be a list");
  for (const auto& item : node) {
    context_ = "mute";
    if (!check_keys(item, "a mute", {"user", "from", "action"})) continue;
    Mute mute;
    if (!item["user"]) {
      error(item, "'user' is missing (expected the muted recipient's JID or pattern)");
      continue;
    }
    if (auto user = text(item["user"], "user")) mute.user = *user;
    if (item["from"]) {
      if (auto from = text(item["from"], "from")) mute.from = *from;
    }
    if (item["action"]) {
      const auto a = action(item["action"]);
      if (a && *a != Action::kSilent && *a != Action::kDrop) {
        error(item["action"], "a mute makes alerts silent or drops them (expected silent or drop)");
        continue;
      }
      if (a) mute.action = *a;
    }
    mutes_.push_back(std::move(mute));
  }
  context_.clear();
}

std::optional<Rule> Loader::rule(const YAML::Node& node, bool is_default) {
  Rule r;
  r.name = is_default ? "default" : "";
  context_ = is_default ? "default rule" : "rule";
  const bool keys_ok =
      is_default ? check_keys(node, context_, {"name", "action", "alert", "ttl", "quiet_hours", "throttle"})
                 : check_keys(node, context_,
                              {"name", "priority", "match", "action", "alert", "ttl", "quiet_hours", "throttle"});
  if (!keys_ok && !node.IsMap()) return std::nullopt;
  if (node["name"]) {
    if (auto n = text(node["name"], "name")) r.name = *n;
  } else if (!is_default) {
    error(node, "the rule has no name (every rule needs one, so that each push can be explained)");
  }
  context_ = is_default ? "default rule" : "rule '" + r.name + "'";
  if (node["priority"]) r.priority = integer(node["priority"], "priority").value_or(0);
  if (!is_default) {
    if (!node["match"]) {
      error(node, "the rule has no match (use match: {} to match everything)");
    } else {
      r.conditions = match(node["match"]);
    }
  }
  if (!node["action"]) {
    error(node, "the rule has no action (expected drop, silent, alert or voip)");
    return std::nullopt;
  }
  const auto a = action(node["action"]);
  if (!a) return std::nullopt;
  r.action = *a;
  PlatformSpecs blocks;
  const AlertSpec alert = node["alert"] ? alert_spec(node["alert"], "alert", {}, &blocks) : AlertSpec{};
  r.apns = defaults_.apns.merged_with(alert).merged_with(blocks.apns);
  r.fcm = defaults_.fcm.merged_with(alert).merged_with(blocks.fcm);
  r.webpush = defaults_.webpush.merged_with(alert).merged_with(blocks.webpush);
  r.webhook = defaults_.webhook.merged_with(alert).merged_with(blocks.webhook);
  r.vendor = defaults_.vendor.merged_with(alert).merged_with(blocks.vendor);
  if ((r.action == Action::kAlert || r.action == Action::kVoip)) {
    for (const auto* spec : {&r.apns, &r.fcm, &r.webpush, &r.webhook, &r.vendor}) {
      if (!spec->text.count("title") && !spec->text.count("body") && !spec->text.count("loc_key") &&
          !spec->text.count("title_loc_key")) {
        error(node["alert"] ? node["alert"] : node,
              "an alert needs a title, a body or a loc_key (here or under defaults)");
        break;
      }
    }
  }
  r.ttl = node["ttl"] ? duration(node["ttl"], "ttl") : default_ttl_;
  if (node["quiet_hours"]) {
    const auto q = text(node["quiet_hours"], "quiet_hours");
    if (q && *q != "obey" && *q != "ignore") error(node["quiet_hours"], "quiet_hours must be obey or ignore");
    r.quiet_hours = !q || *q != "ignore";
  }
  const auto throttle_node = node["throttle"] ? std::optional<YAML::Node>{node["throttle"]} : default_throttle_;
  if (throttle_node && r.action == Action::kAlert) {
    // A problem in defaults.throttle was reported once, under defaults.
    const auto reported = errors_.size();
    r.throttle = throttle(*throttle_node, PlatformSpecs{r.apns, r.fcm, r.webpush, r.webhook, r.vendor});
    if (!node["throttle"]) {
      errors_.resize(reported);
      places_.resize(reported);
    }
  }
  context_.clear();
  return r;
}

LoadResult Loader::load(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string{yaml_text});
  } catch (const YAML::ParserException& e) {
    return tl::unexpected(std::vector<std::string>{
        name_ + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg});
  }
  if (!check_keys(root, "the rules file", {"version", "namespaces", "fields", "defaults", "quiet_hours", "mute", "rules", "default"})) {
    if (!root.IsMap()) return tl::unexpected(errors_in_file_order());
  }
  if (root["version"]) {
    const auto v = integer(root["version"], "version");
    if (v && *v != 1) error(root["version"], "this xpush reads rules version 1, not " + std::to_string(*v));
  }
  if (root["namespaces"]) read_namespaces(root["namespaces"]);
  if (root["fields"]) read_fields(root["fields"]);
  if (root["defaults"]) read_defaults(root["defaults"]);
  if (root["quiet_hours"]) read_quiet_hours(root["quiet_hours"]);
  if (root["mute"]) read_mutes(root["mute"]);
  std::vector<Rule> rules;
  std::set<std::string> names;
  if (!root["rules"] || !root["rules"].IsSequence()) {
    error(root["rules"] ? root["rules"] : root, "'rules' must be a list of rules");
  } else {
    for (const auto& item : root["rules"]) {
      auto r = rule(item, false);
      if (!r) continue;
      if (!r->name.empty() && !names.insert(r->name).second) {
        error(item["name"], "two rules are named '" + r->name + "' (names must be unique)");
      }
      rules.push_back(std::move(*r));
    }
  }
  Rule fallback;
  fallback.name = "default";
  fallback.action = Action::kSilent;
  if (root["default"]) {
    if (auto r = rule(root["default"], true)) fallback = std::move(*r);
  }
  if (!errors_.empty()) return tl::unexpected(errors_in_file_order());
  return std::make_shared<const RuleSet>(std::move(rules), std::move(fallback), std::move(quiet_hours_),
                                         std::move(mutes_), std::move(fields_));
}

}  // namespace xpush::rules::detail

namespace xpush::rules {

using detail::Loader;

LoadResult load_rules_text(std::string_view yaml, const std::string& name) {
  return Loader{name}.load(yaml);
}

LoadResult load_rules_file(const std::string& path) {
  try {
    return load_rules_text(base::read_file(path, "rules file"), path);
  } catch (const std::exception& e) {
    return tl::unexpected(std::vector<std::string>{e.what()});
  }
}

}  // namespace xpush::rules
