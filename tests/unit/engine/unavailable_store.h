// A store whose every call fails as a busy or broken disk does; tests
// override the calls that should work.
#pragma once

#include "store/store.h"

namespace xpush::test_util {

class UnavailableStore : public store::Store {
 public:
  store::StoreError busy() const { return {store::StoreErrorKind::kUnavailable, "disk busy"}; }
  store::StoreResult<store::Registration> upsert_registration(const store::Registration&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<bool> remove_registration(const std::string&, const std::string&,
                                               const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::optional<store::Registration>> find_registration(
      const std::string&, const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::vector<store::Registration>> registrations_of(const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::int64_t> count_registrations() override { return tl::unexpected(busy()); }
  store::StoreResult<std::vector<store::Registration>> devices_of(const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::vector<store::Registration>> registrations_with_node(const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<bool> enable_registration(const std::string&, const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<bool> disable_registration(const std::string&, const std::string&,
                                                const std::string&, std::int64_t) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<void> enqueue(const store::OutboxEntry&) override { return tl::unexpected(busy()); }
  store::StoreResult<std::vector<store::OutboxEntry>> claim_due(std::int64_t, std::size_t,
                                                                const store::Lease&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<void> remove_entry(const std::string&) override { return tl::unexpected(busy()); }
  store::StoreResult<std::int64_t> release_leases(const std::string&) override { return tl::unexpected(busy()); }
  store::StoreResult<void> reschedule_entry(const std::string&, int, std::int64_t,
                                            const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<void> bury_entry(const std::string&, int, const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::vector<store::OutboxEntry>> dead_letters(std::size_t) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<store::OutboxCounts> outbox_counts() override { return tl::unexpected(busy()); }
  store::StoreResult<bool> entry_claimed(const std::string&) override { return tl::unexpected(busy()); }
  store::StoreResult<std::optional<std::int64_t>> mark_chat_read(const std::string&, const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::int64_t> store_message(const store::OfflineMessage&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::vector<store::OfflineMessage>> messages_of(const std::string&, std::size_t,
                                                                     std::int64_t) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<std::int64_t> count_messages(const std::string&) override { return tl::unexpected(busy()); }
  store::StoreResult<std::int64_t> erase_messages(const std::string&) override { return tl::unexpected(busy()); }
  store::StoreResult<void> store_messages(const std::vector<store::OfflineMessage>&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<store::PurgeStep> purge_messages(std::int64_t, std::size_t) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<void> hold_messages(const std::string&, const std::string&) override {
    return tl::unexpected(busy());
  }
  store::StoreResult<bool> release_messages(const std::string&) override { return tl::unexpected(busy()); }
  store::StoreResult<std::int64_t> unread_count(const std::string&) override { return tl::unexpected(busy()); }
  store::StoreResult<std::int64_t> mark_read(const std::string&) override { return tl::unexpected(busy()); }
};

}  // namespace xpush::test_util
