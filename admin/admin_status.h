// What the status page shows beyond the counters: states and since when,
// each provider's last error, the last minute's rates, the outbox, the
// rules in force and the store. Filled by the engine; the admin listener
// only renders it (status_json), so it knows no engine type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xpush {

// One push service (apns, fcm, webpush, webhook, hms, ...) as the
// dispatcher saw its answers.
struct ProviderStatus {
  std::string name;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;          // every answer but delivered
  std::int64_t last_delivered_ms = 0;  // 0: never
  std::int64_t last_error_ms = 0;      // 0: never
  int last_error_status = 0;           // HTTP status of that answer (0: none)
  std::string last_error;              // the provider's reason
};

struct DeadLetterReason {
  std::string reason;
  std::int64_t count = 0;
};

struct AdminStatus {
  std::string version;
  std::int64_t now_ms = 0;
  std::int64_t started_ms = 0;
  std::string component;               // the component's domain
  std::int64_t link_since_ms = 0;      // when the link went up or down last
  std::vector<ProviderStatus> providers;
  // Per second over the last minute, oldest first (at most 60 each).
  std::vector<std::uint32_t> accepted_per_second;
  std::vector<std::uint32_t> delivered_per_second;
  // The outbox as the store counted it last (every few seconds); -1: not yet.
  std::int64_t outbox_pending = -1;
  std::int64_t outbox_dead = -1;
  std::int64_t outbox_oldest_pending_ms = 0;  // 0: nothing pending
  std::int64_t outbox_counted_ms = 0;
  std::vector<DeadLetterReason> dead_letter_reasons;  // of the oldest dead letters read
  std::string rules_file;               // empty: the built-in rules
  std::size_t rules_in_force = 0;
  std::int64_t rules_loaded_ms = 0;     // when the rules in force were loaded
  std::int64_t rules_refused_ms = 0;    // the last edit refused (0: none)
  std::string rules_refused_errors;     // its errors, file:line:col each
  std::string store;                    // backend and where, no credentials
  std::int64_t retention_hours = 0;     // 0: kept for ever
  std::int64_t retention_last_run_ms = 0;
  std::uint64_t messages_purged = 0;
};

}  // namespace xpush

namespace xpush {

struct AdminSnapshot;

// GET /status.json: the status above and every metric of /metrics under its
// Prometheus name (labelled samples as `name{label}`).
std::string status_json(const AdminSnapshot& s);

}  // namespace xpush
