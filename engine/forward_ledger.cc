#include "engine/forward_ledger.h"

namespace xpush {
namespace {
std::int64_t to_ms(ForwardLedger::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
}  // namespace

ForwardLedger::ForwardLedger(std::string name, std::chrono::seconds key_window,
                             std::chrono::seconds pair_window)
    : name_(std::move(name)),
      key_window_(key_window),
      pair_window_(pair_window),
      faults_("ledger " + name_ + ": shared windows failed; pushed, perhaps twice") {}

bool ForwardLedger::first_sighting(store::SharedWindows& w, const std::string& message_key,
                                   TimePoint now) {
  if (message_key.empty()) return true;
  const auto now_ms = to_ms(now);
  auto first = w.mark_first(name_ + ":seen:" + message_key, now_ms, now_ms + key_window_.count());
  if (!first) {
    faults_.note(first.error().message);
    return true;
  }
  return *first;
}

bool ForwardLedger::pair_publish(store::SharedWindows& w, const std::string& device,
                                 TimePoint now) {
  return pair(w, "published", "forwarded", device, now);
}

bool ForwardLedger::pair_forwarded(store::SharedWindows& w, const std::string& device,
                                   TimePoint now) {
  return pair(w, "forwarded", "published", device, now);
}

bool ForwardLedger::pair(store::SharedWindows& w, const char* mine, const char* other,
                         const std::string& device, TimePoint now) {
  const auto now_ms = to_ms(now);
  auto taken =
      w.take_or_add_tally(name_ + ":" + other + ":" + device, name_ + ":" + mine + ":" + device,
                          now_ms, now_ms + pair_window_.count());
  if (!taken) {
    faults_.note(taken.error().message);
    return false;
  }
  return *taken;
}

}  // namespace xpush
