// A loaded rules file: conditions and templates compiled, ready to decide.
// Evaluation is pure (the time is an argument) and a RuleSet never changes
// once built, so one can be shared by pointer while a newer one is loaded.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "interceptor/offline_event.h"
#include "rules/decision.h"
#include "rules/event_facts.h"
#include "rules/quiet_hours.h"
#include "rules/template.h"

namespace xpush::rules {

using Condition = std::function<bool(const EventFacts&)>;

// An alert's fields as templates, keyed by their rules.yaml names.
struct AlertSpec {
  std::map<std::string, Template> text;               // title, body, sound, badge, ...
  std::map<std::string, std::vector<Template>> args;  // loc_args, title_loc_args
  std::map<std::string, Template> data;
  std::optional<Priority> priority;

  // `over` wins where it sets a field.
  AlertSpec merged_with(const AlertSpec& over) const;
  std::vector<std::string> variables() const;
};

struct PlatformSpecs {
  AlertSpec apns;
  AlertSpec fcm;
  AlertSpec webpush;
  AlertSpec webhook;
  AlertSpec vendor;
};

struct ThrottleSpec {
  std::chrono::seconds window{0};
  AlertSpec digest_apns;  // the rule's alert with the digest's fields over it
  AlertSpec digest_fcm;
  AlertSpec digest_webpush;
  AlertSpec digest_webhook;
  AlertSpec digest_vendor;
  std::vector<std::string> variables;  // what the digest reads besides count
};

struct Rule {
  std::string name;
  int priority = 0;
  std::vector<Condition> conditions;  // all must hold
  Action action = Action::kSilent;
  AlertSpec apns;  // defaults < the rule's alert < its apns block
  AlertSpec fcm;
  AlertSpec webpush;
  AlertSpec webhook;
  AlertSpec vendor;
  std::optional<std::chrono::seconds> ttl;
  bool quiet_hours = true;  // false: alerts even in quiet hours (calls, emergencies)
  std::shared_ptr<const ThrottleSpec> throttle;
};

struct Mute {
  std::string user;  // recipient pattern
  std::string from;  // sender pattern; empty: everyone
  Action action = Action::kSilent;
};

// A value rules and templates can read by name.
struct Field {
  std::string json_path;  // from the JSON body, or
  ElementPath element;    // from an element of the stanza
};

class RuleSet {
 public:
  RuleSet(std::vector<Rule> rules, Rule fallback, std::vector<QuietHours> quiet_hours,
          std::vector<Mute> mutes, std::map<std::string, Field> fields);

  Decision evaluate(const interceptor::OfflineEvent& event,
                    std::chrono::system_clock::time_point now) const;

  std::size_t size() const { return rules_.size(); }
  // The value of a template variable for this event (see docs/rules.md).
  std::optional<std::string> variable(const EventFacts& facts, std::string_view name) const;
  // Whether templates may use `name`, given the declared fields.
  static bool known_variable(std::string_view name, const std::map<std::string, Field>& fields);

 private:
  const Rule& first_match(const EventFacts& facts) const;
  void apply_modifiers(const EventFacts& facts, const Rule& rule,
                       std::chrono::system_clock::time_point now, Decision& decision) const;

  std::vector<Rule> rules_;  // in evaluation order
  Rule fallback_;
  std::vector<QuietHours> quiet_hours_;
  std::vector<Mute> mutes_;
  std::map<std::string, Field> fields_;
};

// Renders a spec for an event; `lookup` supplies variables.
Alert render_alert(const AlertSpec& spec, const VariableLookup& lookup);

}  // namespace xpush::rules
