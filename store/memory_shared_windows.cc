#include <deque>
#include <iterator>
#include <unordered_map>

#include "store/shared_windows.h"

namespace xpush::store {
namespace {

// Everything ended is forgotten every so many calls, so memory follows what
// is live rather than everything ever seen.
constexpr std::size_t kCallsBetweenSweeps = 1024;

class MemorySharedWindows final : public SharedWindows {
 public:
  StoreResult<bool> mark_first(const std::string& key, std::int64_t now_ms,
                               std::int64_t until_ms) override {
    tick(now_ms);
    auto [it, inserted] = marks_.try_emplace(key, until_ms);
    if (!inserted && it->second > now_ms) return false;
    it->second = until_ms;
    return true;
  }

  StoreResult<void> change_alert_window(const std::string& device,
                                        const std::function<void(AlertWindow&)>& step) override {
    step(windows_[device]);
    return {};
  }

  StoreResult<bool> take_or_add_tally(const std::string& take, const std::string& add,
                                      std::int64_t now_ms, std::int64_t until_ms) override {
    tick(now_ms);
    if (auto it = tallies_.find(take); it != tallies_.end()) {
      auto& until = it->second;
      while (!until.empty() && until.front() <= now_ms) until.pop_front();
      const bool taken = !until.empty();
      if (taken) until.pop_front();
      if (until.empty()) tallies_.erase(it);
      if (taken) return true;
    }
    tallies_[add].push_back(until_ms);
    return false;
  }

  StoreResult<int> instances_serving(const std::string&, const std::string&, std::int64_t,
                                     std::int64_t) override {
    return 1;  // nothing else sees this memory
  }

 private:
  void tick(std::int64_t now_ms) {
    if (++calls_ % kCallsBetweenSweeps == 0) sweep(now_ms);
  }

  void sweep(std::int64_t now_ms) {
    for (auto it = marks_.begin(); it != marks_.end();) {
      it = it->second <= now_ms ? marks_.erase(it) : std::next(it);
    }
    // Past next_free any digest is out too, and the device starts afresh.
    for (auto it = windows_.begin(); it != windows_.end();) {
      it = it->second.next_free_ms <= now_ms ? windows_.erase(it) : std::next(it);
    }
    for (auto it = tallies_.begin(); it != tallies_.end();) {
      auto& until = it->second;
      while (!until.empty() && until.front() <= now_ms) until.pop_front();
      it = until.empty() ? tallies_.erase(it) : std::next(it);
    }
  }

  std::unordered_map<std::string, std::int64_t> marks_;
  std::unordered_map<std::string, AlertWindow> windows_;
  std::unordered_map<std::string, std::deque<std::int64_t>> tallies_;
  std::size_t calls_ = 0;
};

}  // namespace

std::unique_ptr<SharedWindows> memory_shared_windows() {
  return std::make_unique<MemorySharedWindows>();
}

}  // namespace xpush::store
