// What instances sharing a store must agree on besides its rows: which
// messages were seen already, each device's alert window, and the decisions
// of one path still waiting to pair with the other (engine/forward_ledger.h).
// The engine keeps the logic; this keeps the state where every instance sees
// it. None of it is precious: when it is lost (a crash, an unlogged table
// after a database crash) a user may get a notification twice, never none.
// Calls block, on the store thread, and never take part in its batch: each
// is atomic among instances on its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store/store.h"

namespace xpush::store {

// One device's alert window (engine/alert_throttle.h).
struct AlertWindow {
  std::int64_t next_free_ms = 0;  // from then on the next alert goes out at once
  std::string digest_id;          // empty: no digest waiting
  std::int64_t digest_due_ms = 0;
  int count = 0;  // alerts folded into the digest
};

class SharedWindows {
 public:
  virtual ~SharedWindows() = default;

  // True when `key` holds no mark at `now_ms` (never marked, or its mark
  // ended); it is then marked until `until_ms`. Two instances asking at once
  // get one true between them.
  virtual StoreResult<bool> mark_first(const std::string& key, std::int64_t now_ms,
                                       std::int64_t until_ms) = 0;
  // `step` reads and changes the device's window (a fresh one if none) with
  // no other instance's change in between. It may run more than once.
  virtual StoreResult<void> change_alert_window(const std::string& device,
                                                const std::function<void(AlertWindow&)>& step) = 0;
  // Takes the oldest tally under `take` still counted at `now_ms`; if there
  // is none, adds one under `add`, counted until `until_ms`. True when one
  // was taken. Two instances never take the same tally.
  virtual StoreResult<bool> take_or_add_tally(const std::string& take, const std::string& add,
                                              std::int64_t now_ms, std::int64_t until_ms) = 0;

  // This instance serves `domain` now: how many instances did within the
  // last `live_ms`, this one included.
  virtual StoreResult<int> instances_serving(const std::string& domain, const std::string& instance,
                                             std::int64_t now_ms, std::int64_t live_ms) = 0;
};

// In memory, for one instance alone (the SQLite store). Not thread-safe:
// the store thread is its only user.
std::unique_ptr<SharedWindows> memory_shared_windows();

}  // namespace xpush::store
