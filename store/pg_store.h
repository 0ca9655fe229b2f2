// The store for several instances: one PostgreSQL database shared by every
// xpushd. Outbox rows are claimed with FOR UPDATE SKIP LOCKED under a lease;
// offline messages live in one partition per UTC day, so retention drops
// whole days. The schema is migrated at open under an advisory lock, and a
// database written by a newer xpush is refused.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "store/pg_db.h"
#include "store/pg_shared_windows.h"
#include "store/store.h"

namespace xpush::store {

class PgStore final : public Store {
 public:
  // `dsn`: a libpq connection string or postgresql:// URI; `timeout`: how
  // long any answer of the server may take (PgDb::connect).
  static StoreResult<std::unique_ptr<PgStore>> open(const std::string& dsn,
                                                    std::chrono::milliseconds timeout = std::chrono::seconds{30});

  StoreResult<void> begin_batch() override { return db_.begin(); }
  StoreResult<void> end_batch() override { return db_.commit(); }
  // On a connection of its own: shared by every instance on this database.
  SharedWindows& shared_windows() override { return *windows_; }

  StoreResult<Registration> upsert_registration(const Registration& candidate) override;
  StoreResult<bool> remove_registration(const std::string& account, const std::string& device_id,
                                        const std::string& muc) override;
  StoreResult<std::optional<Registration>> find_registration(const std::string& domain,
                                                              const std::string& node) override;
  StoreResult<std::vector<Registration>> registrations_of(const std::string& account) override;
  StoreResult<std::vector<Registration>> devices_of(const std::string& account) override;
  StoreResult<std::vector<Registration>> registrations_with_node(const std::string& node) override;
  StoreResult<bool> enable_registration(const std::string& domain, const std::string& node) override;
  StoreResult<std::int64_t> count_registrations() override;
  StoreResult<bool> disable_registration(const std::string& domain, const std::string& node,
                                         const std::string& reason,
                                         std::int64_t dead_since_ms) override;

  // pg_outbox.cc
  StoreResult<void> enqueue(const OutboxEntry& entry) override;
  StoreResult<std::vector<OutboxEntry>> claim_due(std::int64_t now_ms, std::size_t limit,
                                                  const Lease& lease) override;
  StoreResult<void> remove_entry(const std::string& id) override;
  StoreResult<std::int64_t> release_leases(const std::string& owner) override;
  StoreResult<void> remove_entries(const std::vector<std::string>& ids) override;
  StoreResult<void> reschedule_entry(const std::string& id, int attempts, std::int64_t next_attempt_ms,
                                     const std::string& reason) override;
  StoreResult<void> bury_entry(const std::string& id, int attempts, const std::string& reason) override;
  StoreResult<std::vector<OutboxEntry>> dead_letters(std::size_t limit) override;
  StoreResult<OutboxCounts> outbox_counts() override;
  StoreResult<bool> entry_claimed(const std::string& id) override;

  // pg_messages.cc
  StoreResult<std::int64_t> store_message(const OfflineMessage& message) override;
  StoreResult<void> store_messages(const std::vector<OfflineMessage>& messages) override;
  StoreResult<std::vector<OfflineMessage>> messages_of(const std::string& account, std::size_t limit,
                                                       std::int64_t before_id) override;
  StoreResult<std::int64_t> count_messages(const std::string& account) override;
  StoreResult<std::int64_t> erase_messages(const std::string& account) override;
  StoreResult<PurgeStep> purge_messages(std::int64_t cutoff_ms, std::size_t batch) override;
  StoreResult<void> hold_messages(const std::string& account, const std::string& reason) override;
  StoreResult<bool> release_messages(const std::string& account) override;
  StoreResult<std::int64_t> unread_count(const std::string& account) override;
  StoreResult<std::int64_t> store_message_counting_unread(const OfflineMessage& message) override;
  StoreResult<std::int64_t> mark_read(const std::string& account) override;
  StoreResult<std::optional<std::int64_t>> mark_chat_read(const std::string& account,
                                                          const std::string& chat) override;

  static constexpr int kSchemaVersion = 5;

 private:
  // The registrations matching `condition` (SQL with $1 = value), in order.
  StoreResult<std::vector<Registration>> registrations_where(const char* what, const std::string& condition,
                                                             const std::string& value);
  StoreResult<Registration> insert_or_update(const Registration& c);
  explicit PgStore(PgDb db) : db_(std::move(db)) {}
  StoreResult<void> migrate();
  StoreResult<void> void_query(std::string_view what, const std::string& sql,
                               std::initializer_list<PgParam> params);
  // pg_messages.cc: the day's partition exists once this returns.
  StoreResult<void> ensure_partition(std::int64_t received_ms);
  StoreResult<PgResult> insert_message(const OfflineMessage& message);
  StoreResult<std::optional<std::string>> oldest_expired_partition(std::int64_t cutoff_ms);
  StoreResult<std::int64_t> drop_partition(const std::string& name);

  PgDb db_;
  std::unique_ptr<PgSharedWindows> windows_;
  std::set<std::int64_t> partitions_;  // days known to have a partition
};

}  // namespace xpush::store
