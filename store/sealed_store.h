// A store whose message bodies, queued notifications and device tokens are
// sealed at rest (store/sealer.h): wraps either backend; everything else
// passes through. Tokens stored in clear before sealing was on are read as
// they are and sealed when the device registers again.
// A queued notification that no configured key opens comes back empty, so
// the dispatcher keeps it as a dead letter rather than stalling the outbox.
#pragma once

#include <memory>

#include "store/sealer.h"
#include "store/store.h"

namespace xpush::store {

class SealedStore final : public Store {
 public:
  SealedStore(std::unique_ptr<Store> inner, Sealer sealer)
      : inner_(std::move(inner)), sealer_(std::move(sealer)) {}

  StoreResult<void> begin_batch() override { return inner_->begin_batch(); }
  StoreResult<void> end_batch() override { return inner_->end_batch(); }
  SharedWindows& shared_windows() override { return inner_->shared_windows(); }
  StoreResult<Registration> upsert_registration(const Registration& c) override;
  StoreResult<bool> remove_registration(const std::string& account, const std::string& device_id,
                                        const std::string& muc) override {
    return inner_->remove_registration(account, device_id, muc);
  }
  StoreResult<std::optional<Registration>> find_registration(const std::string& domain,
                                                              const std::string& node) override;
  StoreResult<std::vector<Registration>> registrations_of(const std::string& account) override;
  StoreResult<std::vector<Registration>> devices_of(const std::string& account) override;
  StoreResult<std::vector<Registration>> registrations_with_node(const std::string& node) override;
  StoreResult<bool> enable_registration(const std::string& domain, const std::string& node) override {
    return inner_->enable_registration(domain, node);
  }
  StoreResult<std::int64_t> count_registrations() override { return inner_->count_registrations(); }
  StoreResult<bool> disable_registration(const std::string& domain, const std::string& node,
                                         const std::string& reason, std::int64_t dead_since_ms) override {
    return inner_->disable_registration(domain, node, reason, dead_since_ms);
  }

  StoreResult<void> enqueue(const OutboxEntry& entry) override;
  StoreResult<std::vector<OutboxEntry>> claim_due(std::int64_t now_ms, std::size_t limit,
                                                  const Lease& lease) override;
  StoreResult<void> remove_entry(const std::string& id) override { return inner_->remove_entry(id); }
  StoreResult<std::int64_t> release_leases(const std::string& owner) override {
    return inner_->release_leases(owner);
  }
  StoreResult<void> remove_entries(const std::vector<std::string>& ids) override {
    return inner_->remove_entries(ids);
  }
  StoreResult<void> reschedule_entry(const std::string& id, int attempts, std::int64_t next_attempt_ms,
                                     const std::string& reason) override {
    return inner_->reschedule_entry(id, attempts, next_attempt_ms, reason);
  }
  StoreResult<void> bury_entry(const std::string& id, int attempts, const std::string& reason) override {
    return inner_->bury_entry(id, attempts, reason);
  }
  StoreResult<std::vector<OutboxEntry>> dead_letters(std::size_t limit) override;
  StoreResult<OutboxCounts> outbox_counts() override { return inner_->outbox_counts(); }
  StoreResult<bool> entry_claimed(const std::string& id) override { return inner_->entry_claimed(id); }

  StoreResult<std::int64_t> store_message(const OfflineMessage& message) override;
  StoreResult<std::int64_t> store_message_counting_unread(const OfflineMessage& message) override;
  StoreResult<void> store_messages(const std::vector<OfflineMessage>& messages) override;
  StoreResult<std::vector<OfflineMessage>> messages_of(const std::string& account, std::size_t limit,
                                                       std::int64_t before_id) override;
  StoreResult<std::int64_t> count_messages(const std::string& account) override {
    return inner_->count_messages(account);
  }
  StoreResult<std::int64_t> erase_messages(const std::string& account) override {
    return inner_->erase_messages(account);
  }
  StoreResult<PurgeStep> purge_messages(std::int64_t cutoff_ms, std::size_t batch) override {
    return inner_->purge_messages(cutoff_ms, batch);
  }
  StoreResult<void> hold_messages(const std::string& account, const std::string& reason) override {
    return inner_->hold_messages(account, reason);
  }
  StoreResult<bool> release_messages(const std::string& account) override {
    return inner_->release_messages(account);
  }
  StoreResult<std::int64_t> unread_count(const std::string& account) override {
    return inner_->unread_count(account);
  }
  StoreResult<std::int64_t> mark_read(const std::string& account) override { return inner_->mark_read(account); }
  StoreResult<std::optional<std::int64_t>> mark_chat_read(const std::string& account,
                                                          const std::string& chat) override {
    return inner_->mark_chat_read(account, chat);
  }

 private:
  OfflineMessage sealed(OfflineMessage m) const;
  std::vector<OutboxEntry> opened(std::vector<OutboxEntry> entries) const;
  StoreResult<void> open_token(Registration& r) const;

  std::unique_ptr<Store> inner_;
  Sealer sealer_;
};

}  // namespace xpush::store
