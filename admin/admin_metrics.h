// The counters and gauges /metrics serves (Prometheus text format 0.0.4),
// listed once so the status page shows the same figures under the same names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xpush {

struct AdminSnapshot;

struct Metric {
  std::string_view name;
  std::string_view type;  // counter or gauge
  std::string_view help;
  std::string label;      // `key="value"`, or empty
  std::uint64_t value = 0;
};

std::vector<Metric> metrics_of(const AdminSnapshot& s);
// HELP and TYPE once per name, then each sample.
std::string prometheus_text(const std::vector<Metric>& metrics);

}  // namespace xpush
