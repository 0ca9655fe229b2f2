// What came through the forwarding hook recently, so that each message is
// pushed once: a message forwarded twice (from offline storage and from a
// hibernated session's queue) is recognised by its key, and the XEP-0357
// publish a server also sends for a forwarded message is recognised by its
// node. A summary carries no message id, so publishes are matched by count:
// each device notified from a forwarded message covers the next publish for
// that device within the window.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace xpush {

class ForwardLedger {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  explicit ForwardLedger(std::chrono::seconds window) : window_(window) {}

  // False when the same key was seen within the window. An empty key (a
  // message with neither origin-id nor id) is never taken for a repeat.
  bool first_sighting(const std::string& message_key, TimePoint now);
  // A device (domain/node) was decided for from a forwarded message.
  void decided(const std::string& device, TimePoint now);
  // Takes one such decision for this device within the window, if any.
  bool covers_publish(const std::string& device, TimePoint now);

 private:
  void forget_old(TimePoint now);

  std::chrono::seconds window_;
  std::unordered_map<std::string, TimePoint> keys_;
  std::unordered_map<std::string, std::deque<TimePoint>> devices_;
  std::size_t calls_ = 0;
};

}  // namespace xpush
