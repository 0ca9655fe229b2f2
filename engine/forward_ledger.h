// What came through the forwarding hook and as XEP-0357 publishes recently,
// so that each message is pushed once: a message forwarded twice (from
// offline storage and from a hibernated session's queue) is recognised by
// its key, and a forwarded message and the publish a server also sends for
// it are paired by device. A summary carries no message id, so the pairing
// counts: each decision from one path covers the next event of the other
// path for the same device within the window. Prosody forwards before it
// publishes; ejabberd publishes first when MAM stores the message.
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

  // `key_window`: how long a forwarded message's key is remembered (a
  // hibernated session's queue may reach offline storage minutes later);
  // `pair_window`: how far apart a message's two paths may arrive.
  ForwardLedger(std::chrono::seconds key_window, std::chrono::seconds pair_window)
      : key_window_(key_window), pair_window_(pair_window) {}

  // False when the same key was seen within the key window. An empty key (a
  // message with neither origin-id nor id) is never taken for a repeat.
  bool first_sighting(const std::string& message_key, TimePoint now);
  // A device (domain/node) was decided for from a forwarded message.
  void forwarded(const std::string& device, TimePoint now);
  // A device was decided for from a publish that no forwarded message covered.
  void published(const std::string& device, TimePoint now);
  // Takes one decision of the other path for this device within the pair window.
  bool covers_publish(const std::string& device, TimePoint now);
  bool covers_forwarded(const std::string& device, TimePoint now);

 private:
  void tick(TimePoint now);  // forgets what is past the window, now and then
  void forget_old(TimePoint now);

  std::chrono::seconds key_window_;
  std::chrono::seconds pair_window_;
  std::unordered_map<std::string, TimePoint> keys_;
  using Decisions = std::unordered_map<std::string, std::deque<TimePoint>>;
  bool take(Decisions& decisions, const std::string& device, TimePoint now);

  Decisions forwarded_;
  Decisions published_;
  std::size_t calls_ = 0;
};

}  // namespace xpush
