// What came through the forwarding hook and as XEP-0357 publishes recently,
// so that each message is pushed once: a message forwarded twice (from
// offline storage and from a hibernated session's queue) is recognised by
// its key, and a forwarded message and the publish a server also sends for
// it are paired by device. A summary carries no message id, so the pairing
// counts: each decision from one path covers the next event of the other
// path for the same device within the window. Prosody forwards before it
// publishes; ejabberd publishes first when MAM stores the message.
//
// The ledger lives in the store's shared windows, so that instances sharing
// a store (ejabberd balancing one component over several connections) pair
// and recognise as one. Calls run on the store thread. When the shared
// windows fail, the ledger errs towards pushing: a user may get a message
// twice, never not at all.
#pragma once

#include <chrono>
#include <string>

#include "engine/fault_log.h"
#include "store/shared_windows.h"

namespace xpush {

class ForwardLedger {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // `name` keeps two ledgers on one store apart; `key_window`: how long a
  // forwarded message's key is remembered (a hibernated session's queue may
  // reach offline storage minutes later); `pair_window`: how far apart a
  // message's two paths may arrive.
  ForwardLedger(std::string name, std::chrono::seconds key_window,
                std::chrono::seconds pair_window);

  // False when the same key was seen within the key window. An empty key (a
  // message with neither origin-id nor id) is never taken for a repeat.
  bool first_sighting(store::SharedWindows& w, const std::string& message_key, TimePoint now);
  // A device (domain/node) was decided for from a forwarded message.
  void forwarded(store::SharedWindows& w, const std::string& device, TimePoint now);
  // A device was decided for from a publish that no forwarded message covered.
  void published(store::SharedWindows& w, const std::string& device, TimePoint now);
  // Takes one decision of the other path for this device within the pair window.
  bool covers_publish(store::SharedWindows& w, const std::string& device, TimePoint now);
  bool covers_forwarded(store::SharedWindows& w, const std::string& device, TimePoint now);

  std::uint64_t faults() const { return faults_.count(); }

 private:
  void add(store::SharedWindows& w, const std::string& path, const std::string& device,
           TimePoint now);
  bool take(store::SharedWindows& w, const std::string& path, const std::string& device,
            TimePoint now);

  std::string name_;
  std::chrono::milliseconds key_window_;
  std::chrono::milliseconds pair_window_;
  FaultLog faults_;
};

}  // namespace xpush
