#include "store/store.h"

#include "store/shared_windows.h"

namespace xpush::store {

Store::Store() = default;
Store::~Store() = default;

StoreResult<void> Store::remove_entries(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (auto removed = remove_entry(id); !removed) return removed;
  }
  return {};
}

StoreResult<std::int64_t> Store::store_message_counting_unread(const OfflineMessage& message) {
  if (auto stored = store_message(message); !stored) return tl::unexpected(stored.error());
  return unread_count(message.account);
}

SharedWindows& Store::shared_windows() {
  if (!own_windows_) own_windows_ = memory_shared_windows();
  return *own_windows_;
}

}  // namespace xpush::store
