#include "admin/admin_status.h"

#include <nlohmann/json.hpp>

#include "admin/admin_http.h"
#include "admin/admin_metrics.h"

namespace xpush {

namespace {

using nlohmann::json;

json providers_json(const std::vector<ProviderStatus>& providers) {
  json list = json::array();
  for (const auto& p : providers) {
    list.push_back({{"name", p.name},
                    {"delivered", p.delivered},
                    {"failed", p.failed},
                    {"last_delivered_ms", p.last_delivered_ms},
                    {"last_error_ms", p.last_error_ms},
                    {"last_error_status", p.last_error_status},
                    {"last_error", p.last_error}});
  }
  return list;
}

json outbox_json(const AdminStatus& st) {
  json reasons = json::array();
  for (const auto& r : st.dead_letter_reasons) reasons.push_back({{"reason", r.reason}, {"count", r.count}});
  return {{"pending", st.outbox_pending},
          {"dead", st.outbox_dead},
          {"oldest_pending_ms", st.outbox_oldest_pending_ms},
          {"counted_ms", st.outbox_counted_ms},
          {"dead_letter_reasons", std::move(reasons)}};
}

json metrics_json(const AdminSnapshot& s) {
  json metrics = json::object();
  for (const auto& m : metrics_of(s)) {
    std::string key{m.name};
    if (!m.label.empty()) key += "{" + m.label + "}";
    metrics[key] = m.value;
  }
  return metrics;
}

}  // namespace

std::string status_json(const AdminSnapshot& s) {
  const auto& st = s.status;
  const json document{
      {"version", st.version},
      {"now_ms", st.now_ms},
      {"started_ms", st.started_ms},
      {"component", {{"domain", st.component}, {"connected", s.component_connected}, {"since_ms", st.link_since_ms}}},
      {"providers", providers_json(st.providers)},
      {"rate", {{"accepted_per_second", st.accepted_per_second}, {"delivered_per_second", st.delivered_per_second}}},
      {"outbox", outbox_json(st)},
      {"rules",
       {{"file", st.rules_file},
        {"in_force", st.rules_in_force},
        {"loaded_ms", st.rules_loaded_ms},
        {"refused_ms", st.rules_refused_ms},
        {"refused_errors", st.rules_refused_errors}}},
      {"store",
       {{"backend", st.store},
        {"retention_hours", st.retention_hours},
        {"retention_last_run_ms", st.retention_last_run_ms}}},
      {"metrics", metrics_json(s)},
  };
  // Replacement characters rather than an exception for text that is not
  // UTF-8 (a provider's reason is what the provider sent).
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace xpush
