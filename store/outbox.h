// The outbox: notifications accepted from the XMPP server and not yet
// finished. A row exists before the server is told "accepted", so a crash
// loses nothing; delivery removes it, a spent retry budget buries it.
#pragma once

#include <cstdint>
#include <string>

namespace xpush::store {

enum class OutboxState { kPending, kDead };

struct OutboxEntry {
  std::string id;       // the notification id
  std::string domain;   // the registration it was for
  std::string node;
  std::string payload;  // the notification, serialised by the push layer
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;       // never sent after this
  std::int64_t next_attempt_ms = 0;  // due from then on
  int attempts = 0;
  OutboxState state = OutboxState::kPending;
  std::string last_reason;
  std::string lease_owner;        // the instance sending it, until the lease ends
  std::int64_t lease_until_ms = 0;
};

// An instance's claim on outbox entries: the holder, and when it lapses.
struct Lease {
  std::string owner;
  std::int64_t until_ms = 0;
};

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t dead = 0;
  std::int64_t oldest_pending_created_ms = 0;  // 0: nothing pending
};

}  // namespace xpush::store
