#include "rules/rule_set.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "rules/text.h"

namespace xpush::rules {

namespace {

constexpr std::array<std::string_view, 16> kBuiltinVariables = {
    "sender", "from", "from_local", "from_domain", "nick", "room", "to", "to_domain",
    "recipient", "body", "type", "count", "message_id", "source", "kind", "refers_to"};

std::optional<int> parse_badge(const std::string& text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> render_all(const std::vector<Template>& templates, const VariableLookup& lookup) {
  std::vector<std::string> out;
  out.reserve(templates.size());
  for (const auto& t : templates) out.push_back(t.render(lookup));
  return out;
}

void set_text_field(Alert& alert, std::string_view key, std::string value) {
  if (key == "title") alert.title = std::move(value);
  else if (key == "subtitle") alert.subtitle = std::move(value);
  else if (key == "body") alert.body = std::move(value);
  else if (key == "title_loc_key") alert.title_loc_key = std::move(value);
  else if (key == "loc_key") alert.loc_key = std::move(value);
  else if (key == "sound") alert.sound = std::move(value);
  else if (key == "badge") alert.badge = parse_badge(value);
  else if (key == "thread_id") alert.thread_id = std::move(value);
  else if (key == "category") alert.category = std::move(value);
  else if (key == "collapse_key") alert.collapse_key = std::move(value);
  else if (key == "interruption_level") alert.interruption_level = std::move(value);
  else if (key == "channel_id") alert.channel_id = std::move(value);
  else if (key == "importance") alert.importance = std::move(value);
  else if (key == "vendor_category") alert.vendor_category = std::move(value);
}

}  // namespace

AlertSpec AlertSpec::merged_with(const AlertSpec& over) const {
  AlertSpec out = *this;
  for (const auto& [key, value] : over.text) out.text[key] = value;
  for (const auto& [key, value] : over.args) out.args[key] = value;
  for (const auto& [key, value] : over.data) out.data[key] = value;
  if (over.priority) out.priority = over.priority;
  return out;
}

std::vector<std::string> AlertSpec::variables() const {
  std::vector<std::string> names;
  const auto add = [&names](const Template& t) {
    for (auto& n : t.variables()) names.push_back(std::move(n));
  };
  for (const auto& [key, t] : text) add(t);
  for (const auto& [key, list] : args) std::for_each(list.begin(), list.end(), add);
  for (const auto& [key, t] : data) add(t);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Alert render_alert(const AlertSpec& spec, const VariableLookup& lookup) {
  Alert alert;
  for (const auto& [key, t] : spec.text) set_text_field(alert, key, t.render(lookup));
  if (auto it = spec.args.find("loc_args"); it != spec.args.end()) {
    alert.loc_args = render_all(it->second, lookup);
  }
  if (auto it = spec.args.find("title_loc_args"); it != spec.args.end()) {
    alert.title_loc_args = render_all(it->second, lookup);
  }
  for (const auto& [key, t] : spec.data) alert.data[key] = t.render(lookup);
  alert.priority = spec.priority.value_or(Priority::kHigh);
  return alert;
}

RuleSet::RuleSet(std::vector<Rule> rules, Rule fallback, std::vector<QuietHours> quiet_hours,
                 std::vector<Mute> mutes, std::map<std::string, Field> fields)
    : rules_(std::move(rules)),
      fallback_(std::move(fallback)),
      quiet_hours_(std::move(quiet_hours)),
      mutes_(std::move(mutes)),
      fields_(std::move(fields)) {
  // Higher priority first; equal priorities keep their order in the file.
  std::stable_sort(rules_.begin(), rules_.end(),
                   [](const Rule& a, const Rule& b) { return a.priority > b.priority; });
}

bool RuleSet::known_variable(std::string_view name, const std::map<std::string, Field>& fields) {
  if (name.starts_with("json.") && name.size() > 5) return true;
  if (std::find(kBuiltinVariables.begin(), kBuiltinVariables.end(), name) != kBuiltinVariables.end()) {
    return true;
  }
  return fields.count(std::string{name}) > 0;
}

std::optional<std::string> RuleSet::variable(const EventFacts& f, std::string_view name) const {
  const bool groupchat = f.type() == "groupchat";
  if (name == "sender") return groupchat && !f.nick().empty() ? f.nick() : f.from();
  if (name == "from") return f.from();
  if (name == "from_local") return f.from_local();
  if (name == "from_domain") return f.from_domain();
  if (name == "nick") return f.nick();
  if (name == "room") return groupchat ? f.from() : std::string{};
  if (name == "to" || name == "recipient") return f.to();
  if (name == "to_domain") return f.to_domain();
  if (name == "body") return f.body();
  if (name == "type") return f.type();
  if (name == "count") return std::to_string(f.count());
  if (name == "message_id") return f.message_id();
  if (name == "source") return std::string{f.source()};
  if (name == "kind") return f.kind();
  if (name == "refers_to") return f.refers_to();
  if (name.starts_with("json.")) return f.json_value(name.substr(5));
  if (auto it = fields_.find(std::string{name}); it != fields_.end()) {
    const Field& field = it->second;
    return field.json_path.empty() ? f.element_value(field.element) : f.json_value(field.json_path);
  }
  return std::nullopt;
}

const Rule& RuleSet::first_match(const EventFacts& facts) const {
  for (const auto& rule : rules_) {
    if (std::all_of(rule.conditions.begin(), rule.conditions.end(),
                    [&facts](const Condition& c) { return c(facts); })) {
      return rule;
    }
  }
  return fallback_;
}

void RuleSet::apply_modifiers(const EventFacts& facts, const Rule& rule,
                              std::chrono::system_clock::time_point now, Decision& d) const {
  if (d.action != Action::kAlert) return;
  for (const auto& mute : mutes_) {
    if (glob_match(mute.user, facts.to()) && (mute.from.empty() || glob_match(mute.from, facts.from()))) {
      d.action = mute.action;
      d.modifier = "mute:" + mute.user;
      return;
    }
  }
  if (rule.quiet_hours) {
    for (const auto& quiet : quiet_hours_) {
      if (quiet.applies(now, facts.to())) {
        d.action = Action::kSilent;
        d.modifier = "quiet-hours:" + quiet.name();
        return;
      }
    }
  }
}

Decision RuleSet::evaluate(const interceptor::OfflineEvent& event,
                           std::chrono::system_clock::time_point now) const {
  const EventFacts facts{event};
  const Rule& rule = first_match(facts);
  Decision d;
  d.action = rule.action;
  d.rule = rule.name;
  d.ttl = rule.ttl;
  if (d.action == Action::kDrop) return d;
  const VariableLookup lookup = [this, &facts](std::string_view name) { return variable(facts, name); };
  d.apns = render_alert(rule.apns, lookup);
  d.fcm = render_alert(rule.fcm, lookup);
  d.webpush = render_alert(rule.webpush, lookup);
  d.webhook = render_alert(rule.webhook, lookup);
  d.vendor = render_alert(rule.vendor, lookup);
  apply_modifiers(facts, rule, now, d);
  // A throttled alert belongs to its digest, not to one message.
  if (!(d.action == Action::kAlert && rule.throttle)) d.tag = facts.message_tag();
  if (facts.is_call()) d.call = Decision::Call{facts.refers_to(), facts.kind() == "call-ended", facts.call_media()};
  if (facts.encrypted_payload()) {
    const auto& sealed = *event.summary.encrypted;
    d.passthrough = {{"encrypted", sealed.payload}, {"iv", sealed.iv}};
  }
  if (event.summary.priority == "high") {  // the server saw a message a person should see
    for (Alert* a : {&d.apns, &d.fcm, &d.webpush, &d.webhook, &d.vendor}) a->priority = Priority::kHigh;
  }
  if (d.action == Action::kAlert && rule.throttle) {
    // The digest is rendered later, for however many messages it folds;
    // keep what it reads of this event now.
    std::map<std::string, std::string, std::less<>> values;
    for (const auto& name : rule.throttle->variables) values[name] = lookup(name).value_or("");
    d.throttle = Throttle{rule.throttle->window,
                          [spec = rule.throttle, values = std::move(values)](int count) {
                            const VariableLookup digest_lookup =
                                [&](std::string_view name) -> std::optional<std::string> {
                              if (name == "count") return std::to_string(count);
                              if (auto it = values.find(name); it != values.end()) return it->second;
                              return std::nullopt;
                            };
                            return PlatformAlerts{render_alert(spec->digest_apns, digest_lookup),
                                                  render_alert(spec->digest_fcm, digest_lookup),
                                                  render_alert(spec->digest_webpush, digest_lookup),
                                                  render_alert(spec->digest_webhook, digest_lookup),
                                                  render_alert(spec->digest_vendor, digest_lookup)};
                          }};
  }
  return d;
}

}  // namespace xpush::rules
