// The rules loader's internals, shared by loader.cc (the file and its
// sections), loader_alert.cc (alerts, defaults, throttles) and
// loader_match.cc (matchers). Not part of the rules interface.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/loader.h"

namespace xpush::rules::detail {

using std::chrono::seconds;
// A test on a value that may be absent (nullopt). Values are views: the
// body is tested where it lies, not copied per rule.
using Value = std::optional<std::string_view>;
using StringTest = std::function<bool(const Value&)>;

inline constexpr std::array<std::string_view, 18> kAlertKeys = {
    "title", "subtitle", "body", "title_loc_key", "title_loc_args", "loc_key", "loc_args",
    "sound", "badge", "thread_id", "category", "collapse_key", "interruption_level",
    "priority", "data", "channel_id", "importance", "vendor_category"};
inline constexpr std::array<std::string_view, 14> kTextKeys = {
    "title", "subtitle", "body", "title_loc_key", "loc_key", "sound", "badge",
    "thread_id", "category", "collapse_key", "interruption_level", "channel_id", "importance",
    "vendor_category"};

template <class Words>
inline std::string joined(const Words& words) {
  std::string out;
  for (auto w : words) out += (out.empty() ? "" : ", ") + std::string{w};
  return out;
}

inline std::string with(std::string base, std::initializer_list<std::string_view> more) {
  for (auto w : more) base += (base.empty() ? "" : ", ") + std::string{w};
  return base;
}
template <class Words>
inline std::string with(const Words& base, std::initializer_list<std::string_view> more) {
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
  // reads itself. `platforms` (when given) receives the apns, fcm and
  // webpush blocks.
  AlertSpec alert_spec(const YAML::Node& node, std::string_view where,
                       std::initializer_list<std::string_view> also, PlatformSpecs* platforms = nullptr);
  void read_defaults(const YAML::Node& node);
  std::shared_ptr<const ThrottleSpec> throttle(const YAML::Node& node, const PlatformSpecs& alerts);
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
  PlatformSpecs defaults_;
  std::optional<seconds> default_ttl_;
  std::optional<YAML::Node> default_throttle_;
  std::vector<QuietHours> quiet_hours_;
  std::vector<Mute> mutes_;
};

}  // namespace xpush::rules::detail
