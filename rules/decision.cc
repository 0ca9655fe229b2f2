#include "rules/decision.h"

namespace xpush::rules {

std::string_view to_string(Action action) {
  switch (action) {
    case Action::kDrop: return "drop";
    case Action::kSilent: return "silent";
    case Action::kAlert: return "alert";
    case Action::kVoip: return "voip";
  }
  return "drop";
}

std::string_view to_string(Priority priority) {
  return priority == Priority::kHigh ? "high" : "normal";
}

}  // namespace xpush::rules
