#include "engine/forward_ledger.h"

#include <iterator>

namespace xpush {

bool ForwardLedger::first_sighting(const std::string& message_key, TimePoint now) {
  tick(now);
  if (message_key.empty()) return true;
  auto [it, inserted] = keys_.try_emplace(message_key, now);
  if (inserted || now - it->second >= key_window_) {
    it->second = now;
    return true;
  }
  return false;
}

void ForwardLedger::forwarded(const std::string& device, TimePoint now) {
  tick(now);
  forwarded_[device].push_back(now);
}

void ForwardLedger::published(const std::string& device, TimePoint now) {
  tick(now);
  published_[device].push_back(now);
}

bool ForwardLedger::covers_publish(const std::string& device, TimePoint now) {
  return take(forwarded_, device, now);
}

bool ForwardLedger::covers_forwarded(const std::string& device, TimePoint now) {
  return take(published_, device, now);
}

bool ForwardLedger::take(Decisions& decisions, const std::string& device, TimePoint now) {
  auto it = decisions.find(device);
  if (it == decisions.end()) return false;
  auto& times = it->second;
  while (!times.empty() && now - times.front() >= pair_window_) times.pop_front();
  const bool covered = !times.empty();
  if (covered) times.pop_front();
  if (times.empty()) decisions.erase(it);
  return covered;
}

void ForwardLedger::tick(TimePoint now) {
  if (++calls_ % 1024 == 0) forget_old(now);
}

void ForwardLedger::forget_old(TimePoint now) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    it = now - it->second >= key_window_ ? keys_.erase(it) : std::next(it);
  }
  for (auto* decisions : {&forwarded_, &published_}) {
    for (auto it = decisions->begin(); it != decisions->end();) {
      auto& times = it->second;
      while (!times.empty() && now - times.front() >= pair_window_) times.pop_front();
      it = times.empty() ? decisions->erase(it) : std::next(it);
    }
  }
}

}  // namespace xpush
