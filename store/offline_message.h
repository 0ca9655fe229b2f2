// A message intercepted for an offline user, kept for the retention period:
// the whole stanza when a server forwarded it, the XEP-0357 summary
// otherwise.
#pragma once

#include <cstdint>
#include <string>

namespace xpush::store {

struct OfflineMessage {
  std::int64_t id = 0;       // assigned by the store
  std::string account;       // bare JID of the recipient
  std::string domain;        // the server it came from
  std::string sender;        // bare JID, when known
  std::string message_id;    // origin-id or id, when known
  std::string source;        // "stanza" or "summary"
  std::string content;       // the stanza's XML, or the summary as JSON
  std::int64_t received_ms = 0;
  // Raises the account's unread count (the badge) when kept. Not stored.
  bool counts_unread = true;
};

struct PurgeStep {
  std::int64_t purged = 0;  // messages deleted in this step
  bool more = false;        // another step has something to delete
};

}  // namespace xpush::store
