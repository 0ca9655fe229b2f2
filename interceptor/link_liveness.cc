#include "interceptor/link_liveness.h"

namespace xpush::interceptor {

namespace {
constexpr std::string_view kPingNs = "urn:xmpp:ping";
constexpr std::string_view kPingIdPrefix = "xpush-ping-";
}  // namespace

LinkLiveness::LinkLiveness(std::chrono::milliseconds quiet_before_ping,
                           std::chrono::milliseconds answer_timeout, Clock::time_point now)
    : quiet_before_ping_(quiet_before_ping), answer_timeout_(answer_timeout), last_heard_(now) {}

void LinkLiveness::heard(Clock::time_point now) {
  last_heard_ = now;
  ping_pending_ = false;
}

LinkLiveness::Tick LinkLiveness::on_keepalive(Clock::time_point now) {
  if (ping_pending_) return Tick::kNothing;  // the answer timer decides
  if (now - last_heard_ < quiet_before_ping_) return Tick::kWhitespace;
  ping_pending_ = true;
  ping_sent_ = now;
  ++pings_;
  return Tick::kPing;
}

std::optional<std::chrono::milliseconds> LinkLiveness::unanswered_ping(Clock::time_point now) const {
  if (!ping_pending_ || now < ping_deadline()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - ping_sent_);
}

Element ping_stanza(const std::string& from, const std::string& to, const std::string& id) {
  Element iq{ns::kComponent, "iq"};
  iq.set_attr("type", "get").set_attr("from", from).set_attr("to", to).set_attr("id", id);
  iq.add(kPingNs, "ping");
  return iq;
}

bool is_ping_answer(const Element& stanza) {
  if (!stanza.is("iq", ns::kComponent)) return false;
  const auto type = stanza.attr_or("type");
  return (type == "result" || type == "error") && stanza.attr_or("id").starts_with(kPingIdPrefix);
}

}  // namespace xpush::interceptor
