// rules.yaml -> RuleSet. Everything is checked at load: unknown keys, wrong
// types, bad regular expressions, unknown template variables, unknown time
// zones. Every problem is reported, each as
//   file:line:column: rule 'name': what was wrong, and what was expected
// and a file with any problem yields no RuleSet at all.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "rules/rule_set.h"

namespace xpush::rules {

using LoadResult = tl::expected<std::shared_ptr<const RuleSet>, std::vector<std::string>>;

LoadResult load_rules_file(const std::string& path);
LoadResult load_rules_text(std::string_view yaml, const std::string& name = "<rules>");

// The policy used when no rules file is configured: a message with a body
// alerts "New message" (never the body itself), anything else wakes the app
// silently. It is an ordinary rules file; see builtin_rules_yaml().
std::shared_ptr<const RuleSet> builtin_rules();
std::string_view builtin_rules_yaml();

}  // namespace xpush::rules
