// Whether the XMPP server on the other end of the component link is still
// there, decided without I/O. A whitespace keepalive proves only that our
// kernel accepted bytes; a server that hangs, or a network that drops
// everything, keeps such a link "up" for as long as TCP retransmits. So when
// the server has said nothing for a keepalive interval, we send an XEP-0199
// ping instead, and any byte it sends back (an answer, an error, a stanza)
// counts as life. No byte within the answer timeout: the link is dead.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "interceptor/element.h"

namespace xpush::interceptor {

class LinkLiveness {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Tick { kWhitespace, kPing, kNothing };

  LinkLiveness(std::chrono::milliseconds quiet_before_ping, std::chrono::milliseconds answer_timeout,
               Clock::time_point now);

  // The server sent bytes.
  void heard(Clock::time_point now);
  // At each keepalive interval: what to send.
  Tick on_keepalive(Clock::time_point now);
  // When a ping has gone unanswered for the answer timeout; nullopt: alive.
  std::optional<std::chrono::milliseconds> unanswered_ping(Clock::time_point now) const;
  // When the pending ping must have been answered (only after kPing).
  Clock::time_point ping_deadline() const { return ping_sent_ + answer_timeout_; }

  // The id of the next ping, so that its answer is recognised and kept
  // away from the application.
  std::string ping_id() const { return "xpush-ping-" + std::to_string(pings_); }

 private:
  std::chrono::milliseconds quiet_before_ping_;
  std::chrono::milliseconds answer_timeout_;
  Clock::time_point last_heard_;
  Clock::time_point ping_sent_{};
  bool ping_pending_ = false;
  std::uint64_t pings_ = 0;
};

// <iq type='get' from=component to=server id=...><ping xmlns='urn:xmpp:ping'/></iq>
Element ping_stanza(const std::string& from, const std::string& to, const std::string& id);
// An answer (result or error) to one of our pings, which only the link reads.
bool is_ping_answer(const Element& stanza);

}  // namespace xpush::interceptor
