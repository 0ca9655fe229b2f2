// Quiet hours: a daily span of local time in a named IANA time zone (ICU's
// own time zone data, so daylight saving is followed), during which alerts
// become silent wakes.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace xpush::rules {

class QuietHours {
 public:
  // `from` and `to` are minutes after local midnight; from > to spans
  // midnight (22:00-07:00). Fails for a time zone ICU does not know.
  static tl::expected<QuietHours, std::string> create(std::string name, const std::string& time_zone,
                                                      int from_minute, int to_minute,
                                                      std::vector<std::string> users);

  const std::string& name() const { return name_; }
  // Whether `now` falls in the span for `recipient` (bare JID).
  bool applies(std::chrono::system_clock::time_point now, const std::string& recipient) const;
  // Minutes after local midnight in this time zone.
  int local_minute(std::chrono::system_clock::time_point now) const;

 private:
  struct Zone;
  std::string name_;
  std::shared_ptr<const Zone> zone_;
  int from_ = 0;
  int to_ = 0;
  std::vector<std::string> users_;  // JID patterns; empty: everyone
};

// "HH:MM" (24-hour) to minutes after midnight; nullopt when malformed.
std::optional<int> parse_clock_time(const std::string& text);

}  // namespace xpush::rules
