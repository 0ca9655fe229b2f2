// The store interface. Calls block; the engine runs them on its store thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "store/offline_message.h"
#include "store/outbox.h"
#include "store/registration.h"

namespace xpush::store {

class SharedWindows;

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
  Store();
  virtual ~Store();

  // Group commit: the calls between begin_batch() and end_batch() are one
  // transaction where the backend supports it, and only end_batch() says
  // whether their writes are durable: when it fails, none of them may be
  // reported as stored. A call that fails inside a batch undoes only its own
  // writes. By default each call commits on its own.
  virtual StoreResult<void> begin_batch() { return {}; }
  virtual StoreResult<void> end_batch() { return {}; }

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
  // For operators (xpushctl devices): every registration of an account,
  // disabled ones too; those with a node (any server domain); and turning a
  // disabled one on again (true when it was disabled).
  virtual StoreResult<std::vector<Registration>> devices_of(const std::string& account) = 0;
  virtual StoreResult<std::vector<Registration>> registrations_with_node(const std::string& node) = 0;
  virtual StoreResult<bool> enable_registration(const std::string& domain, const std::string& node) = 0;
  // The provider said the device token is dead. Ignored when the device
  // registered again after `dead_since_ms` (APNs' timestamp; 0: unknown).
  // True when the registration is now disabled.
  virtual StoreResult<bool> disable_registration(const std::string& domain, const std::string& node,
                                                 const std::string& reason,
                                                 std::int64_t dead_since_ms) = 0;

  // Adds the entry (with its lease, if any), or, when a pending entry no
  // instance has claimed has its id, replaces that one's payload, expiry and
  // due time (a throttling digest that grows). An entry being sent is never
  // changed under its sender.
  virtual StoreResult<void> enqueue(const OutboxEntry& entry) = 0;
  // True when the pending entry `id` is claimed by an instance: it is being
  // sent as it stands, and a digest can take in no more alerts.
  virtual StoreResult<bool> entry_claimed(const std::string& id) = 0;
  // Claims up to `limit` pending entries due at `now_ms` whose lease has run
  // out, oldest first, leasing them to `lease`: until the lease ends no other
  // claim returns them, whichever instance asks.
  virtual StoreResult<std::vector<OutboxEntry>> claim_due(std::int64_t now_ms, std::size_t limit,
                                                          const Lease& lease) = 0;
  virtual StoreResult<void> remove_entry(const std::string& id) = 0;
  // Ends every lease `owner` holds on pending entries, so that an instance
  // restarted under a fixed name sends at once what it had claimed before it
  // died. The number released.
  virtual StoreResult<std::int64_t> release_leases(const std::string& owner) = 0;
  // Removes every entry named (delivered ones, together). By default one
  // remove_entry() each.
  virtual StoreResult<void> remove_entries(const std::vector<std::string>& ids);
  // Also ends the entry's lease: it is anyone's once due.
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
  // Many at once, in one transaction.
  virtual StoreResult<void> store_messages(const std::vector<OfflineMessage>& messages) = 0;
  // Newest first; `before_id` > 0 pages back from there.
  virtual StoreResult<std::vector<OfflineMessage>> messages_of(const std::string& account,
                                                               std::size_t limit,
                                                               std::int64_t before_id) = 0;
  virtual StoreResult<std::int64_t> count_messages(const std::string& account) = 0;
  // Every message of the account, whatever its hold; the count erased.
  virtual StoreResult<std::int64_t> erase_messages(const std::string& account) = 0;
  // One step of deleting the messages received before `cutoff_ms`, sparing
  // accounts under a legal hold: at most `batch` rows, or one whole day
  // where the backend keeps days apart.
  virtual StoreResult<PurgeStep> purge_messages(std::int64_t cutoff_ms, std::size_t batch) = 0;
  // A legal hold suspends purging for the account until released.
  virtual StoreResult<void> hold_messages(const std::string& account, const std::string& reason) = 0;
  virtual StoreResult<bool> release_messages(const std::string& account) = 0;

  // Messages stored since the account last came back (or read them): a
  // counter kept with each message stored, so asking is cheap.
  virtual StoreResult<std::int64_t> unread_count(const std::string& account) = 0;
  // Keeps the message and returns the account's unread count with it. By
  // default store_message() then unread_count(); one round trip where the
  // backend is a server.
  virtual StoreResult<std::int64_t> store_message_counting_unread(const OfflineMessage& message);
  // The account is back: its unread count starts again from zero. Returns
  // how many were unread.
  virtual StoreResult<std::int64_t> mark_read(const std::string& account) = 0;
  // The user read one chat (a sender's or a room's bare JID) on one of their
  // devices: its messages no longer count. nullopt when no message from it
  // was counted since it was last read this way (nothing for the phone to
  // clear); otherwise the account's unread count after.
  virtual StoreResult<std::optional<std::int64_t>> mark_chat_read(const std::string& account,
                                                                  const std::string& chat) = 0;

  // What the instances sharing this store agree on besides its rows
  // (store/shared_windows.h). By default in memory: this instance alone.
  virtual SharedWindows& shared_windows();

 private:
  std::unique_ptr<SharedWindows> own_windows_;
};

}  // namespace xpush::store
