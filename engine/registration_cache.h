// The registrations this instance read lately, so that a publish from a busy
// device is verified without a store round trip. Only a registration that
// verified a publish is kept, and only for `ttl`:
// - whatever this instance changes (register, unregister, a dead token) is
//   forgotten at once;
// - a publish whose secret differs from the kept one asks the store (the
//   device registered again, or the publish is wrong);
// - what another instance sharing the store changes is seen within `ttl`.
// At `capacity` entries the cache starts over rather than grow.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "store/registration.h"

namespace xpush {

class RegistrationCache {
 public:
  using Clock = std::chrono::steady_clock;

  // ttl 0: nothing is kept.
  RegistrationCache(std::chrono::milliseconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}

  // The kept registration of `node`, or nullptr.
  const store::Registration* find(const std::string& domain, const std::string& node, Clock::time_point now);
  void remember(const store::Registration& registration, Clock::time_point now);
  void forget(const std::string& domain, const std::string& node);
  // Every node the device (account, device id, MUC) was kept under.
  void forget_device(const std::string& account, const std::string& device_id, const std::string& muc);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    store::Registration registration;
    Clock::time_point expires;
  };

  std::chrono::milliseconds ttl_;
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;         // domain '/' node
  std::unordered_map<std::string, std::string> by_device_;  // account, device id, MUC -> key
};

}  // namespace xpush
