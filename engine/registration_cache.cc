#include "engine/registration_cache.h"

namespace xpush {

namespace {
std::string node_key(const std::string& domain, const std::string& node) {
  std::string key;
  key.reserve(domain.size() + 1 + node.size());
  key += domain;
  key += '/';
  key += node;
  return key;
}

std::string device_key(const std::string& account, const std::string& device_id, const std::string& muc) {
  return account + '\n' + device_id + '\n' + muc;
}
}  // namespace

const store::Registration* RegistrationCache::find(const std::string& domain, const std::string& node,
                                                   Clock::time_point now) {
  if (entries_.empty()) return nullptr;
  const auto it = entries_.find(node_key(domain, node));
  if (it == entries_.end()) return nullptr;
  if (now >= it->second.expires) {
    const auto& r = it->second.registration;
    by_device_.erase(device_key(r.account, r.device_id, r.muc));
    entries_.erase(it);
    return nullptr;
  }
  return &it->second.registration;
}

void RegistrationCache::remember(const store::Registration& registration, Clock::time_point now) {
  if (ttl_.count() <= 0 || capacity_ == 0) return;
  if (entries_.size() >= capacity_) {
    entries_.clear();
    by_device_.clear();
  }
  forget_device(registration.account, registration.device_id, registration.muc);
  auto key = node_key(registration.domain, registration.node);
  by_device_[device_key(registration.account, registration.device_id, registration.muc)] = key;
  entries_.insert_or_assign(std::move(key), Entry{registration, now + ttl_});
}

void RegistrationCache::forget(const std::string& domain, const std::string& node) {
  const auto it = entries_.find(node_key(domain, node));
  if (it == entries_.end()) return;
  const auto& r = it->second.registration;
  by_device_.erase(device_key(r.account, r.device_id, r.muc));
  entries_.erase(it);
}

void RegistrationCache::forget_device(const std::string& account, const std::string& device_id,
                                      const std::string& muc) {
  const auto it = by_device_.find(device_key(account, device_id, muc));
  if (it == by_device_.end()) return;
  entries_.erase(it->second);
  by_device_.erase(it);
}

}  // namespace xpush
