// The store interface. Calls block; the engine runs them on its store thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "store/offline_message.h"
#include "store/outbox.h"
#include "store/registration.h"

namespace xpush::store {

enum class StoreErrorKind {
  kConflict,     // the request contradicts what is stored
  kUnavailable,  // temporary: busy, I/O; worth a retry
  kFatal,        // schema or corruption; needs an operator
};

struct StoreError {
  StoreErrorKind kind;
  std::string message;
};

template <class T>
using StoreResult = tl::expected<T, StoreError>;

class Store {
 public:
  virtual ~Store() = default;

  // Registers a device, or, when the account already registered this device
  // (and MUC), updates its token and re-enables it: node and secret stay.
  // The node and secret of `candidate` are used only for a new device.
  virtual StoreResult<Registration> upsert_registration(const Registration& candidate) = 0;
  // True when something was removed.
  virtual StoreResult<bool> remove_registration(const std::string& account,
                                                const std::string& device_id,
                                                const std::string& muc) = 0;
  virtual StoreResult<std::optional<Registration>> find_registration(const std::string& domain,
                                                                      const std::string& node) = 0;
  // The enabled registrations of an account (bare JID), every device.
  virtual StoreResult<std::vector<Registration>> registrations_of(const std::string& account) = 0;
  virtual StoreResult<std::int64_t> count_registrations() = 0;
  // The provider said the device token is dead. Ignored when the device
  // registered again after `dead_since_ms` (APNs' timestamp; 0: unknown).
  // True when the registration is now disabled.
  virtual StoreResult<bool> disable_registration(const std::string& domain, const std::string& node,
                                                 const std::string& reason,
                                                 std::int64_t dead_since_ms) = 0;

  // Adds the entry, or, when a pending entry has its id, replaces that one's
  // payload, expiry and due time (a throttling digest that grows).
  virtual StoreResult<void> enqueue(const OutboxEntry& entry) = 0;
  // Pending entries due at `now_ms`, oldest first.
  virtual StoreResult<std::vector<OutboxEntry>> due_entries(std::int64_t now_ms,
                                                            std::size_t limit) = 0;
  virtual StoreResult<void> remove_entry(const std::string& id) = 0;
  virtual StoreResult<void> reschedule_entry(const std::string& id, int attempts,
                                             std::int64_t next_attempt_ms,
                                             const std::string& reason) = 0;
  // A dead letter: kept, with the last reason, for operators to see.
  virtual StoreResult<void> bury_entry(const std::string& id, int attempts,
                                       const std::string& reason) = 0;
  virtual StoreResult<std::vector<OutboxEntry>> dead_letters(std::size_t limit) = 0;
  virtual StoreResult<OutboxCounts> outbox_counts() = 0;

  // Offline messages, per user. `store_message` returns the new id.
  virtual StoreResult<std::int64_t> store_message(const OfflineMessage& message) = 0;
  // Newest first; `before_id` > 0 pages back from there.
  virtual StoreResult<std::vector<OfflineMessage>> messages_of(const std::string& account,
                                                               std::size_t limit,
                                                               std::int64_t before_id) = 0;
  virtual StoreResult<std::int64_t> count_messages(const std::string& account) = 0;
  // Every message of the account, whatever its hold; the count erased.
  virtual StoreResult<std::int64_t> erase_messages(const std::string& account) = 0;
  // At most `batch` messages received before `cutoff_ms`, skipping accounts
  // under a legal hold; the count purged (less than `batch`: nothing left).
  virtual StoreResult<std::int64_t> purge_messages(std::int64_t cutoff_ms, std::size_t batch) = 0;
  // A legal hold suspends purging for the account until released.
  virtual StoreResult<void> hold_messages(const std::string& account, const std::string& reason) = 0;
  virtual StoreResult<bool> release_messages(const std::string& account) = 0;
};

}  // namespace xpush::store
