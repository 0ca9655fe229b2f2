// rules.yaml: matchers.
#include <re2/re2.h>

#include "rules/loader_internal.h"
#include "rules/text.h"

namespace xpush::rules::detail {

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
  if (key == "encrypted") {
    const auto want = boolean(value, "encrypted");
    if (!want) return std::nullopt;
    return [want = *want](const EventFacts& f) { return f.encrypted_payload() == want; };
  }
  if (key == "kind") {
    const auto read = [this](const YAML::Node& item) -> std::optional<std::string> {
      const auto k = text(item, "kind");
      if (k && *k != "message" && *k != "correction" && *k != "retraction" && *k != "call" && *k != "call-ended") {
        error(item, "kind must be message, correction, retraction, call or call-ended");
        return std::nullopt;
      }
      return k;
    };
    std::vector<std::string> kinds;
    if (value.IsSequence()) {
      for (const auto& item : value) {
        if (auto k = read(item)) kinds.push_back(*k);
      }
    } else if (auto k = read(value)) {
      kinds.push_back(*k);
    }
    if (kinds.empty()) return std::nullopt;
    return [kinds](const EventFacts& f) { return std::find(kinds.begin(), kinds.end(), f.kind()) != kinds.end(); };
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
                  {"source", "type", "kind", "encrypted", "from", "to", "from_domain", "to_domain", "body", "json",
                   "element", "child", "field", "summary", "any", "all", "not"})) {
    return out;
  }
  for (const auto& kv : node) {
    if (auto c = condition(kv.first.Scalar(), kv.second)) out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace xpush::rules::detail
