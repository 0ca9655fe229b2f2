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

void ForwardLedger::forwarded(store::SharedWindows& w, const std::string& device, TimePoint now) {
  add(w, "forwarded", device, now);
}

void ForwardLedger::published(store::SharedWindows& w, const std::string& device, TimePoint now) {
  add(w, "published", device, now);
}

bool ForwardLedger::covers_publish(store::SharedWindows& w, const std::string& device,
                                   TimePoint now) {
  return take(w, "forwarded", device, now);
}

bool ForwardLedger::covers_forwarded(store::SharedWindows& w, const std::string& device,
                                     TimePoint now) {
  return take(w, "published", device, now);
}

void ForwardLedger::add(store::SharedWindows& w, const std::string& path, const std::string& device,
                        TimePoint now) {
  if (auto added =
          w.add_tally(name_ + ":" + path + ":" + device, to_ms(now) + pair_window_.count());
      !added) {
    faults_.note(added.error().message);
  }
}

bool ForwardLedger::take(store::SharedWindows& w, const std::string& path,
                         const std::string& device, TimePoint now) {
  auto taken = w.take_tally(name_ + ":" + path + ":" + device, to_ms(now));
  if (!taken) {
    faults_.note(taken.error().message);
    return false;
  }
  return *taken;
}

}  // namespace xpush
