// A provider that writes one JSON line per notification, to see the pipeline
// work without APNs or FCM. Device tokens appear only as a short SHA-256
// fingerprint.
#pragma once

#include <cstdio>
#include <string>

#include "push/provider.h"

namespace xpush::push {

class LogProvider final : public Provider {
 public:
  // "-" writes to stdout; anything else is a file opened for appending.
  explicit LogProvider(const std::string& path);
  ~LogProvider() override;
  LogProvider(const LogProvider&) = delete;
  LogProvider& operator=(const LogProvider&) = delete;

  void send(const Notification& notification, Completion done) override;

 private:
  std::FILE* out_;
  bool owned_;
};

std::string format_log_line(const Notification& notification);
std::string token_fingerprint(const std::string& token);

}  // namespace xpush::push
