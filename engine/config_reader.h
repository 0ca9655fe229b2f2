// Inside the xpush.yaml loader: the reader that turns every mistake into
// "file:line:column: what was expected", and the sections read in files of
// their own.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include "engine/config.h"

namespace xpush::config_detail {

class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    const auto& m = node.Mark();
    throw ConfigError(name_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) +
                      ": " + what);
  }

  void only_keys(const YAML::Node& map, const std::string& where,
                 std::initializer_list<std::string_view> allowed) const {
    if (!map.IsMap()) fail(map, where + " must be a mapping");
    const std::set<std::string_view> keys(allowed);
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      // yaml-cpp keeps the first of two equal keys without a word.
      if (!seen.insert(key).second) fail(kv.first, "duplicate key '" + key + "' in " + where);
      if (!keys.count(key)) {
        std::string expected;
        for (auto k : allowed) expected += (expected.empty() ? "" : ", ") + std::string{k};
        fail(kv.first, "unknown key '" + key + "' in " + where + " (expected one of: " + expected + ")");
      }
    }
  }

  template <class T>
  T get(const YAML::Node& map, const char* key, const std::string& where, T fallback) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, where + "." + key + " has the wrong type");
    }
  }

  template <class T>
  T get_in_range(const YAML::Node& map, const char* key, const std::string& where, T fallback,
                 T low, T high) const {
    const T value = get<T>(map, key, where, fallback);
    if (value < low || value > high) {
      fail(map[key], where + "." + key + " must be between " + std::to_string(low) + " and " +
                         std::to_string(high));
    }
    return value;
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// push: log, apns, fcm, webpush, webhook, retries and deadlines (config_push.cc).
void read_push(const Reader& r, const YAML::Node& p, Config& cfg);
// push.hms, honor, xiaomi, oppo, vivo (config_vendors.cc).
void read_vendors(const Reader& r, const YAML::Node& p, Config& cfg);

}  // namespace xpush::config_detail
