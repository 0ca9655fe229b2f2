#include "store/store.h"

namespace xpush::store {

StoreResult<void> Store::remove_entries(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (auto removed = remove_entry(id); !removed) return removed;
  }
  return {};
}

}  // namespace xpush::store
