#include "admin/admin_metrics.h"

#include "admin/admin_http.h"

namespace xpush {

namespace {

void add_counters(std::vector<Metric>& m, const AdminSnapshot& s) {
  const auto counter = [&m](std::string_view name, std::string_view help, std::uint64_t value) {
    m.push_back({name, "counter", help, {}, value});
  };
  counter("xpush_component_connects_total", "Successful component handshakes", s.component_connects);
  counter("xpush_publishes_total", "XEP-0357 publishes received", s.publishes);
  counter("xpush_publishes_refused_total", "Publishes answered cancel", s.publishes_refused);
  counter("xpush_registrations_total", "Devices registered or updated", s.registrations);
  counter("xpush_notifications_accepted_total", "Notifications stored in the outbox", s.notifications_accepted);
  counter("xpush_delivery_attempts_total", "Requests sent to APNs or FCM", s.delivery_attempts);
  counter("xpush_delivered_total", "Notifications the provider accepted", s.delivered);
  counter("xpush_retried_total", "Temporary failures scheduled for another attempt", s.retried);
  counter("xpush_expired_total", "Notifications dropped at their expiry", s.expired);
  counter("xpush_dead_letters_total", "Notifications given up on", s.dead_letters);
  counter("xpush_tokens_invalid_total", "Device tokens the provider reported dead", s.tokens_invalid);
  counter("xpush_dropped_by_rules_total", "Publishes a rule dropped (answered result)", s.dropped_by_rules);
  counter("xpush_alerts_folded_total", "Alerts folded into a throttling digest", s.folded);
  counter("xpush_rules_reloads_total", "Rules files put in force after the start", s.rules_reloads);
  counter("xpush_rules_reload_failures_total", "Rules edits refused for errors (old rules kept)",
          s.rules_reload_failures);
  counter("xpush_forwarded_total", "Offline messages from the forwarding hook", s.forwarded);
  counter("xpush_forwarded_refused_total", "Forwarded messages refused (malformed or unconfigured server)",
          s.forwarded_refused);
  counter("xpush_forwarded_duplicates_total", "The same message forwarded again (pushed once)",
          s.forwarded_duplicates);
  counter("xpush_publishes_covered_total", "Publishes for a message already forwarded (answered, not pushed)",
          s.publishes_covered);
  counter("xpush_forwarded_covered_total", "Forwarded messages already pushed from their publish",
          s.forwarded_covered);
  counter("xpush_users_back_total", "Users back, their unread count reset (forwarding hook)", s.users_back);
  counter("xpush_chats_read_total", "Chats read on another device, their notifications cleared (forwarding hook)",
          s.chats_read);
  constexpr std::string_view kSkipped = "Stanzas over a limit, skipped with the stream kept";
  m.push_back({"xpush_stanzas_skipped_total", "counter", kSkipped, "reason=\"too-large\"",
               s.stanzas_skipped_too_large});
  m.push_back({"xpush_stanzas_skipped_total", "counter", kSkipped, "reason=\"too-deep\"", s.stanzas_skipped_too_deep});
  m.push_back({"xpush_stanzas_skipped_total", "counter", kSkipped, "reason=\"too-many-attributes\"",
               s.stanzas_skipped_too_many_attributes});
  counter("xpush_registrations_over_cap_total",
          "Registrations refused: the account has limits.devices_per_account devices", s.registrations_over_cap);
  counter("xpush_registrations_rate_limited_total", "Registrations refused: over limits.registrations_per_minute",
          s.registrations_rate_limited);
  counter("xpush_registrations_superseded_total",
          "Registrations replaced by the same token under another device id", s.registrations_superseded);
  counter("xpush_notifications_over_ceiling_total",
          "Devices left out of one event's fan-out by limits.notifications_per_event", s.notifications_over_ceiling);
  counter("xpush_component_pings_total", "Pings sent to a server that had been quiet for a keepalive interval",
          s.component_pings);
  counter("xpush_component_unresponsive_total",
          "Component connections replaced: the server stopped reading or did not answer a ping",
          s.component_unresponsive);
  counter("xpush_shared_windows_faults_total",
          "Throttle or ledger calls that failed and let a notification out (it may repeat)", s.shared_windows_faults);
  counter("xpush_messages_purged_total", "Offline messages deleted at the end of the retention period",
          s.status.messages_purged);
}

void add_gauges(std::vector<Metric>& m, const AdminSnapshot& s) {
  const auto& st = s.status;
  m.push_back({"xpush_component_connected", "gauge", "1 while the XEP-0114 link is up", {}, s.component_connected});
  m.push_back({"xpush_rules_in_force", "gauge", "Rules in the rules file in force", {}, st.rules_in_force});
  if (st.outbox_pending >= 0) {
    m.push_back({"xpush_outbox_pending", "gauge", "Notifications in the outbox waiting to be delivered", {},
                 static_cast<std::uint64_t>(st.outbox_pending)});
    m.push_back({"xpush_outbox_dead", "gauge", "Dead letters kept in the outbox", {},
                 static_cast<std::uint64_t>(st.outbox_dead)});
    const std::int64_t age_ms = st.outbox_oldest_pending_ms > 0 ? st.outbox_counted_ms - st.outbox_oldest_pending_ms : 0;
    m.push_back({"xpush_outbox_oldest_age_seconds", "gauge", "Age of the oldest pending notification", {},
                 static_cast<std::uint64_t>(age_ms > 0 ? age_ms / 1000 : 0)});
  }
  if (!st.version.empty()) {
    m.push_back({"xpush_build_info", "gauge", "The running version", "version=\"" + st.version + "\"", 1});
  }
}

}  // namespace

std::vector<Metric> metrics_of(const AdminSnapshot& s) {
  std::vector<Metric> m;
  m.reserve(48);
  add_gauges(m, s);
  add_counters(m, s);
  return m;
}

std::string prometheus_text(const std::vector<Metric>& metrics) {
  std::string out;
  out.reserve(metrics.size() * 160);
  std::string_view previous;
  for (const auto& metric : metrics) {
    if (metric.name != previous) {
      out.append("# HELP ").append(metric.name).append(" ").append(metric.help).append("\n# TYPE ");
      out.append(metric.name).append(" ").append(metric.type).append("\n");
      previous = metric.name;
    }
    out.append(metric.name);
    if (!metric.label.empty()) out.append("{").append(metric.label).append("}");
    out.append(" ").append(std::to_string(metric.value)).append("\n");
  }
  return out;
}

}  // namespace xpush
