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
  // An event for a device (domain/node) from one path: true when a decision
  // from the other path within the pair window covers it (and is used up);
  // otherwise this decision is entered for the other path to find.
  bool pair_publish(store::SharedWindows& w, const std::string& device, TimePoint now);
  bool pair_forwarded(store::SharedWindows& w, const std::string& device, TimePoint now);

  std::uint64_t faults() const { return faults_.count(); }

 private:
  bool pair(store::SharedWindows& w, const char* mine, const char* other, const std::string& device,
            TimePoint now);

  std::string name_;
  std::chrono::milliseconds key_window_;
  std::chrono::milliseconds pair_window_;
  FaultLog faults_;
};

}  // namespace xpush
