// The embedded default store: one SQLite file in WAL mode, schema migrated at
// open, refusing a file written by a newer xpush.
#pragma once

#include <memory>
#include <string>

#include "store/sqlite_checkpointer.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace xpush::store {

class SqliteStore final : public Store {
 public:
  static StoreResult<std::unique_ptr<SqliteStore>> open(const std::string& path);

  StoreResult<void> begin_batch() override { return db_.begin(); }
  StoreResult<void> end_batch() override { return db_.commit(); }

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

  StoreResult<void> enqueue(const OutboxEntry& entry) override;
  StoreResult<std::vector<OutboxEntry>> claim_due(std::int64_t now_ms, std::size_t limit,
                                                  const Lease& lease) override;
  StoreResult<void> remove_entry(const std::string& id) override;
  StoreResult<std::int64_t> release_leases(const std::string& owner) override;
  StoreResult<void> reschedule_entry(const std::string& id, int attempts, std::int64_t next_attempt_ms,
                                     const std::string& reason) override;
  StoreResult<void> bury_entry(const std::string& id, int attempts, const std::string& reason) override;
  StoreResult<std::vector<OutboxEntry>> dead_letters(std::size_t limit) override;
  StoreResult<OutboxCounts> outbox_counts() override;
  StoreResult<bool> entry_claimed(const std::string& id) override;

  // sqlite_messages.cc
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
  StoreResult<std::int64_t> mark_read(const std::string& account) override;
  StoreResult<std::optional<std::int64_t>> mark_chat_read(const std::string& account,
                                                          const std::string& chat) override;

  static constexpr int kSchemaVersion = 7;

 private:
  explicit SqliteStore(SqliteDb db) : db_(std::move(db)) {}
  StoreResult<void> migrate();
  StoreResult<std::optional<Registration>> find_device(const Registration& key);
  StoreResult<void> run(std::string_view what, SqliteStatement& statement);
  StoreResult<std::vector<OutboxEntry>> select_entries(SqliteStatement& statement);
  StoreResult<std::int64_t> insert_messages(const std::vector<OfflineMessage>& messages);

  SqliteDb db_;
  std::unique_ptr<SqliteCheckpointer> checkpointer_;  // absent for an in-memory database
};

}  // namespace xpush::store
