#include "rules/quiet_hours.h"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>

#include "rules/text.h"

namespace xpush::rules {

struct QuietHours::Zone {
  std::unique_ptr<icu::TimeZone> tz;
};

std::optional<int> parse_clock_time(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

tl::expected<QuietHours, std::string> QuietHours::create(std::string name, const std::string& time_zone,
                                                         int from_minute, int to_minute,
                                                         std::vector<std::string> users) {
  auto zone = std::make_shared<Zone>();
  zone->tz.reset(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
  icu::UnicodeString id, unknown;
  if (zone->tz) zone->tz->getID(id);
  icu::TimeZone::getUnknown().getID(unknown);
  if (!zone->tz || id == unknown) {
    return tl::unexpected("unknown time zone '" + time_zone + "' (expected an IANA name such as Europe/Berlin)");
  }
  QuietHours q;
  q.name_ = std::move(name);
  q.zone_ = std::move(zone);
  q.from_ = from_minute;
  q.to_ = to_minute;
  q.users_ = std::move(users);
  return q;
}

int QuietHours::local_minute(std::chrono::system_clock::time_point now) const {
  const auto utc_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  int32_t raw = 0, dst = 0;
  UErrorCode status = U_ZERO_ERROR;
  zone_->tz->getOffset(static_cast<UDate>(utc_ms), false, raw, dst, status);
  if (U_FAILURE(status)) raw = dst = 0;
  const auto local_minutes = (utc_ms + raw + dst) / 60'000;
  return static_cast<int>(((local_minutes % 1440) + 1440) % 1440);
}

bool QuietHours::applies(std::chrono::system_clock::time_point now, const std::string& recipient) const {
  if (!users_.empty() &&
      std::none_of(users_.begin(), users_.end(), [&](const auto& p) { return glob_match(p, recipient); })) {
    return false;
  }
  const int minute = local_minute(now);
  if (from_ <= to_) return minute >= from_ && minute < to_;
  return minute >= from_ || minute < to_;
}

}  // namespace xpush::rules
