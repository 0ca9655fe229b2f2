// `xpushctl doctor`: checks, in order, what an operator gets wrong, and says
// for each one OK, WARN or FAIL with what to do: the config parses; key and
// secret files exist, are readable by the service user and not by everyone;
// the component handshake succeeds with the configured secret; the rules
// load; the store opens; every configured provider accepts the credentials
// (APNs and FCM with a request that sends nothing to anyone, the vendor
// channels by obtaining a token); the admin listener answers; the clock is
// synchronised. Exit 0 without a FAIL, 1 with one.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "engine/config.h"

namespace xpush::doctor {

enum class Level { kOk, kWarn, kFail };

struct Finding {
  Level level;
  std::string check;
  std::string text;
};

struct Options {
  std::string config_path;
  std::string service_user = "xpush";
  std::chrono::seconds timeout{10};  // per network check
};

class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  void add(Level level, std::string check, std::string text);
  bool failed() const { return failed_; }

 private:
  std::ostream& out_;
  bool failed_ = false;
};

int run(const Options& options, std::ostream& out);

// The checks that talk to other processes (doctor_network.cc).
// What the running xpushd's admin listener said about itself.
Finding probe_admin(const Config& config, const Options& options);
// `admin`: the probe's finding. When xpushd reports its link up, the
// handshake is not repeated: a second connection could be handed stanzas.
// Over TLS when component.tls says so (doctor_component.cc).
void check_component(const Config& config, const Options& options, const Finding& admin, Report& report);
void check_providers(const Config& config, const Options& options, Report& report);
std::string seconds_text(std::chrono::seconds s);

}  // namespace xpush::doctor
