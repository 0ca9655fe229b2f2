#include "rules/loader.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "base/read_file.h"
#include "rules/text.h"

namespace xpush::rules {

namespace {

using std::chrono::seconds;
// A test on a value that may be absent (nullopt). Values are views: the
// body is tested where it lies, not copied per rule.
using Value = std::optional<std::string_view>;
using StringTest = std::function<bool(const Value&)>;

constexpr std::array<std::string_view, 15> kAlertKeys = {
    "title", "subtitle", "body", "title_loc_key", "title_loc_args", "loc_key", "loc_args",
    "sound", "badge", "thread_id", "category", "collapse_key", "interruption_level",
    "priority", "data"};
constexpr std::array<std::string_view, 11> kTextKeys = {
    "title", "subtitle", "body", "title_loc_key", "loc_key", "sound", "badge",
    "thread_id", "category", "collapse_key", "interruption_level"};

template <class Words>
std::string joined(const Words& words) {
  std::string out;
  for (auto w : words) out += (out.empty() ? "" : ", ") + std::string{w};
  return out;
}

std::string with(std::string base, std::initializer_list<std::string_view> more) {
  for (auto w : more) base += (base.empty() ? "" : ", ") + std::string{w};
  return base;
}
template <class Words>
std::string with(const Words& base, std::initializer_list<std::string_view> more) {
  return with(joined(base), more);
}

class Loader {
 public:
  explicit Loader(std::string name) : name_(std::move(name)) {}

  LoadResult load(std::string_view text);

 private:
  // Reporting.
  void error(const YAML::Node& node, const std::string& message) {
    const auto& m = node.Mark();
    std::string where = name_;
    if (!m.is_null()) where += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    errors_.push_back(where + ": " + (context_.empty() ? "" : context_ + ": ") + message);
    places_.emplace_back(m.is_null() ? 0 : m.line, m.is_null() ? 0 : m.column);
  }
  // The errors in the order of their place in the file.
  std::vector<std::string> errors_in_file_order() {
    std::vector<std::size_t> order(errors_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [this](auto a, auto b) { return places_[a] < places_[b]; });
    std::vector<std::string> out;
    for (auto i : order) out.push_back(std::move(errors_[i]));
    return out;
  }
  bool check_keys(const YAML::Node& map, std::string_view where, const std::string& expected,
                  const std::function<bool(std::string_view)>& allowed);
  bool check_keys(const YAML::Node& map, std::string_view where,
                  std::initializer_list<std::string_view> allowed) {
    return check_keys(map, where, joined(allowed), [allowed](std::string_view k) {
      return std::find(allowed.begin(), allowed.end(), k) != allowed.end();
    });
  }

  // Scalars.
  std::optional<std::string> text(const YAML::Node& node, std::string_view what);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  std::optional<int> integer(const YAML::Node& node, std::string_view what);
  std::optional<seconds> duration(const YAML::Node& node, std::string_view what);
  std::vector<std::string> patterns(const YAML::Node& node, std::string_view what);
  std::optional<Template> templ(const YAML::Node& node, std::string_view what);
  std::optional<Action> action(const YAML::Node& node);

  // Sections.
  void read_namespaces(const YAML::Node& node);
  void read_fields(const YAML::Node& node);
  std::optional<ElementPath> element_path(const YAML::Node& node, const std::string& path);
  void read_quiet_hours(const YAML::Node& node);
  void read_mutes(const YAML::Node& node);
  // Reads the alert keys of `node`; `also` names other keys the caller
  // reads itself. `apns`/`fcm` (when given) receive the platform blocks.
  AlertSpec alert_spec(const YAML::Node& node, std::string_view where,
                       std::initializer_list<std::string_view> also, AlertSpec* apns = nullptr,
                       AlertSpec* fcm = nullptr);
  void read_defaults(const YAML::Node& node);
  std::shared_ptr<const ThrottleSpec> throttle(const YAML::Node& node, const AlertSpec& apns,
                                                const AlertSpec& fcm);
  std::optional<Rule> rule(const YAML::Node& node, bool is_default);

  // Conditions.
  std::vector<Condition> match(const YAML::Node& node);
  std::optional<Condition> condition(const std::string& key, const YAML::Node& value);
  std::optional<Condition> any_of(const YAML::Node& value, bool all);
  std::optional<StringTest> string_test(const YAML::Node& node, std::string_view what);
  std::optional<Condition> value_map(const YAML::Node& node, std::string_view what,
                                     const std::function<std::optional<Condition>(const YAML::Node& key, StringTest)>& make);
  std::optional<Condition> jid_condition(const YAML::Node& value, std::string_view what,
                                         const std::string& (EventFacts::*get)() const);

  std::string name_;
  std::string context_;
  std::vector<std::string> errors_;
  std::vector<std::pair<int, int>> places_;  // (line, column) of each error
  std::map<std::string, std::string> namespaces_;
  std::map<std::string, Field> fields_;
  AlertSpec default_apns_, default_fcm_;
  std::optional<seconds> default_ttl_;
  std::optional<YAML::Node> default_throttle_;
  std::vector<QuietHours> quiet_hours_;
  std::vector<Mute> mutes_;
};

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

AlertSpec Loader::alert_spec(const YAML::Node& node, std::string_view where,
                             std::initializer_list<std::string_view> also, AlertSpec* apns,
                             AlertSpec* fcm) {
  AlertSpec spec;
  const bool platform_blocks = apns != nullptr;
  const auto is_also = [also](std::string_view k) {
    return std::find(also.begin(), also.end(), k) != also.end();
  };
  const std::string expected =
      with(with(kAlertKeys, also), platform_blocks ? std::initializer_list<std::string_view>{"apns", "fcm"}
                                                   : std::initializer_list<std::string_view>{});
  const bool ok = check_keys(node, where, expected, [&](std::string_view k) {
    return std::find(kAlertKeys.begin(), kAlertKeys.end(), k) != kAlertKeys.end() || is_also(k) ||
           (platform_blocks && (k == "apns" || k == "fcm"));
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
    } else if (platform_blocks && (key == "apns" || key == "fcm")) {
      *(key == "apns" ? apns : fcm) = alert_spec(value, key, {});
    }
  }
  return spec;
}

void Loader::read_defaults(const YAML::Node& node) {
  context_ = "defaults";
  AlertSpec apns, fcm;
  const AlertSpec base = alert_spec(node, "defaults", {"ttl", "throttle"}, &apns, &fcm);
  default_apns_ = base.merged_with(apns);
  default_fcm_ = base.merged_with(fcm);
  if (node.IsMap() && node["ttl"]) default_ttl_ = duration(node["ttl"], "ttl");
  if (node.IsMap() && node["throttle"]) {
    default_throttle_ = node["throttle"];
    throttle(node["throttle"], default_apns_, default_fcm_);  // reports its errors here, once
  }
  context_.clear();
}

std::shared_ptr<const ThrottleSpec> Loader::throttle(const YAML::Node& node, const AlertSpec& apns,
                                                     const AlertSpec& fcm) {
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
  spec->digest_apns = apns.merged_with(over);
  spec->digest_fcm = fcm.merged_with(over);
  auto names = spec->digest_apns.variables();
  const auto more = spec->digest_fcm.variables();
  names.insert(names.end(), more.begin(), more.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::erase(names, std::string{"count"});
  spec->variables = std::move(names);
  return spec;
}

std::optional<StringTest> Loader::string_test(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {  // shorthand: equals
    return [expected = node.Scalar()](const Value& v) { return v && *v == expected; };
  }
  if (node.IsSequence()) {  // shorthand: one of
    std::vector<std::string> options;
    for (const auto& item : node) {
      if (auto t = text(item, what)) options.push_back(*t);
    }
    return [options](const Value& v) {
      return v && std::find(options.begin(), options.end(), *v) != options.end();
    };
  }
  if (!check_keys(node, what, {"equals", "contains", "starts_with", "regex", "empty", "exists", "in"})) {
    return std::nullopt;
  }
  std::vector<StringTest> tests;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& value = kv.second;
    if (key == "empty" || key == "exists") {
      const auto flag = boolean(value, key);
      if (!flag) return std::nullopt;
      if (key == "empty") {
        tests.push_back([want = *flag](const auto& v) { return (!v || v->empty()) == want; });
      } else {
        tests.push_back([want = *flag](const auto& v) { return v.has_value() == want; });
      }
    } else if (key == "in") {
      auto in = string_test(value.IsSequence() ? value : YAML::Node{}, what);
      if (!value.IsSequence()) error(value, "in must be a list of texts");
      if (!in || !value.IsSequence()) return std::nullopt;
      tests.push_back(std::move(*in));
    } else if (key == "regex") {
      const auto pattern = text(value, "regex");
      if (!pattern) return std::nullopt;
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(1 << 20);  // RE2 matches in linear time; this bounds its memory too
      auto re = std::make_shared<RE2>(*pattern, options);
      if (!re->ok()) {
        error(value, "bad regular expression '" + *pattern + "': " + re->error());
        return std::nullopt;
      }
      tests.push_back([re](const auto& v) { return v && RE2::PartialMatch(re2::StringPiece{v->data(), v->size()}, *re); });
    } else {
      const auto needle = text(value, key);
      if (!needle) return std::nullopt;
      if (key == "equals") tests.push_back([n = *needle](const auto& v) { return v && *v == n; });
      if (key == "contains") tests.push_back([n = *needle](const auto& v) { return v && v->find(n) != std::string::npos; });
      if (key == "starts_with") tests.push_back([n = *needle](const auto& v) { return v && v->starts_with(n); });
    }
  }
  return [tests](const Value& v) {
    return std::all_of(tests.begin(), tests.end(), [&v](const StringTest& t) { return t(v); });
  };
}

std::optional<Condition> Loader::value_map(
    const YAML::Node& node, std::string_view what,
    const std::function<std::optional<Condition>(const YAML::Node& key, StringTest)>& make) {
  if (!check_keys(node, what, std::string{"name: matcher pairs"}, [](std::string_view) { return true; })) {
    return std::nullopt;
  }
  std::vector<Condition> all;
  for (const auto& kv : node) {
    auto test = string_test(kv.second, std::string{what} + "." + kv.first.Scalar());
    if (!test) return std::nullopt;
    auto c = make(kv.first, std::move(*test));
    if (!c) return std::nullopt;
    all.push_back(std::move(*c));
  }
  return [all](const EventFacts& f) {
    return std::all_of(all.begin(), all.end(), [&f](const Condition& c) { return c(f); });
  };
}

std::optional<Condition> Loader::jid_condition(const YAML::Node& value, std::string_view what,
                                               const std::string& (EventFacts::*get)() const) {
  auto list = patterns(value, what);
  if (list.empty()) return std::nullopt;
  return [list, get](const EventFacts& f) {
    const std::string& subject = (f.*get)();
    return std::any_of(list.begin(), list.end(), [&](const auto& p) { return glob_match(p, subject); });
  };
}

std::optional<Condition> Loader::any_of(const YAML::Node& value, bool all) {
  if (!value.IsSequence()) {
    error(value, std::string{all ? "all" : "any"} + " must be a list of matches");
    return std::nullopt;
  }
  std::vector<std::vector<Condition>> branches;
  for (const auto& item : value) branches.push_back(match(item));
  return [branches, all](const EventFacts& f) {
    const auto holds = [&f](const std::vector<Condition>& b) {
      return std::all_of(b.begin(), b.end(), [&f](const Condition& c) { return c(f); });
    };
    return all ? std::all_of(branches.begin(), branches.end(), holds)
               : std::any_of(branches.begin(), branches.end(), holds);
  };
}

std::optional<Condition> Loader::condition(const std::string& key, const YAML::Node& value) {
  if (key == "source") {
    const auto s = text(value, "source");
    if (s && *s != "summary" && *s != "stanza") error(value, "source must be summary or stanza");
    if (!s || (*s != "summary" && *s != "stanza")) return std::nullopt;
    return [want = *s](const EventFacts& f) { return f.source() == want; };
  }
  if (key == "type") {
    auto test = string_test(value, "type");
    if (!test) return std::nullopt;
    return [t = std::move(*test)](const EventFacts& f) { return t(std::string_view{f.type()}); };
  }
  if (key == "from") return jid_condition(value, key, &EventFacts::from);
  if (key == "to") return jid_condition(value, key, &EventFacts::to);
  if (key == "from_domain") return jid_condition(value, key, &EventFacts::from_domain);
  if (key == "to_domain") return jid_condition(value, key, &EventFacts::to_domain);
  if (key == "body") {
    auto test = string_test(value, "body");
    if (!test) return std::nullopt;
    return [t = std::move(*test)](const EventFacts& f) {
      return t(f.body().empty() ? Value{} : Value{f.body()});
    };
  }
  if (key == "json") {
    return value_map(value, "json", [](const YAML::Node& name_node, StringTest t) -> std::optional<Condition> {
      return [path = name_node.Scalar(), t = std::move(t)](const EventFacts& f) { return t(f.json_value(path)); };
    });
  }
  if (key == "element") {
    return value_map(value, "element", [this](const YAML::Node& name_node, StringTest t) -> std::optional<Condition> {
      auto parsed = element_path(name_node, name_node.Scalar());
      if (!parsed) return std::nullopt;
      return [p = std::move(*parsed), t = std::move(t)](const EventFacts& f) { return t(f.element_value(p)); };
    });
  }
  if (key == "field") {
    return value_map(value, "field", [this](const YAML::Node& name_node, StringTest t) -> std::optional<Condition> {
      const std::string name = name_node.Scalar();
      if (!fields_.count(name)) {
        error(name_node, "unknown field '" + name + "' (declare it under 'fields')");
        return std::nullopt;
      }
      const Field field = fields_.at(name);
      return [field, t = std::move(t)](const EventFacts& f) {
        return t(field.json_path.empty() ? f.element_value(field.element) : f.json_value(field.json_path));
      };
    });
  }
  if (key == "summary") {
    if (!check_keys(value, "summary", {"message_count", "last_message_sender", "last_message_body"})) return std::nullopt;
    return value_map(value, "summary", [](const YAML::Node& name_node, StringTest t) -> std::optional<Condition> {
      return [name = name_node.Scalar(), t = std::move(t)](const EventFacts& f) {
        const auto& s = f.event().summary;
        if (!s.present) return t(std::nullopt);
        if (name == "message_count") return t(s.message_count ? Value{*s.message_count} : Value{});
        const std::string& v = name == "last_message_sender" ? s.last_message_sender : s.last_message_body;
        return t(v.empty() ? Value{} : Value{v});
      };
    });
  }
  if (key == "child") {
    std::vector<std::pair<std::string, std::string>> wanted;
    const auto read_one = [&](const YAML::Node& item) {
      if (!check_keys(item, "child", {"ns", "name"})) return;
      if (!item["ns"]) return error(item, "child needs ns (the element's namespace)");
      const auto ns = text(item["ns"], "ns");
      const auto name = item["name"] ? text(item["name"], "name") : std::optional<std::string>{""};
      if (ns && name) wanted.emplace_back(*ns, *name);
    };
    if (value.IsSequence()) {
      for (const auto& item : value) read_one(item);
    } else {
      read_one(value);
    }
    if (wanted.empty()) return std::nullopt;
    return [wanted](const EventFacts& f) {
      return std::any_of(wanted.begin(), wanted.end(), [&f](const auto& w) { return f.has_child(w.first, w.second); });
    };
  }
  if (key == "any" || key == "all") return any_of(value, key == "all");
  if (key == "not") {
    auto inner = match(value);
    return [inner](const EventFacts& f) {
      return !std::all_of(inner.begin(), inner.end(), [&f](const Condition& c) { return c(f); });
    };
  }
  return std::nullopt;
}

std::vector<Condition> Loader::match(const YAML::Node& node) {
  std::vector<Condition> out;
  if (!check_keys(node, "match",
                  {"source", "type", "from", "to", "from_domain", "to_domain", "body", "json", "element",
                   "child", "field", "summary", "any", "all", "not"})) {
    return out;
  }
  for (const auto& kv : node) {
    if (auto c = condition(kv.first.Scalar(), kv.second)) out.push_back(std::move(*c));
  }
  return out;
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
  AlertSpec apns, fcm;
  const AlertSpec alert = node["alert"] ? alert_spec(node["alert"], "alert", {}, &apns, &fcm) : AlertSpec{};
  r.apns = default_apns_.merged_with(alert).merged_with(apns);
  r.fcm = default_fcm_.merged_with(alert).merged_with(fcm);
  if ((r.action == Action::kAlert || r.action == Action::kVoip)) {
    for (const auto* spec : {&r.apns, &r.fcm}) {
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
    r.throttle = throttle(*throttle_node, r.apns, r.fcm);
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

}  // namespace

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
