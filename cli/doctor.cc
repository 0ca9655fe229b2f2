#include "cli/doctor.h"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/timex.h>

#include <utility>

#include "rules/loader.h"
#include "store/open_store.h"

namespace xpush::doctor {

namespace {

std::string_view label(Level level) {
  switch (level) {
    case Level::kOk: return "OK  ";
    case Level::kWarn: return "WARN";
    case Level::kFail: return "FAIL";
  }
  return "FAIL";
}

// Every file holding a key or a secret, with what it is.
std::vector<std::pair<std::string, std::string>> secret_files(const Config& c) {
  std::vector<std::pair<std::string, std::string>> files;
  const auto add = [&files](std::string what, const std::string& path) {
    if (!path.empty()) files.emplace_back(std::move(what), path);
  };
  add("component secret", c.component_secret_file);
  for (const auto& f : c.store_key_files) add("store encryption key", f);
  for (const auto& a : c.apns.apps) {
    add("APNs key of " + a.app.name, a.key_file);
    add("APNs certificate of " + a.app.name, a.cert_file);
    add("APNs certificate key of " + a.app.name, a.cert_key_file);
  }
  for (const auto& a : c.fcm.apps) add("FCM service account of " + a.name, a.service_account_file);
  if (c.webpush) add("VAPID key", c.webpush->vapid_key_file);
  if (c.webhook) add("webhook secret", c.webhook->secret_file);
  for (const auto& v : c.vendors) {
    for (const auto& a : v.apps) add(std::string{push::to_string(v.platform)} + " secret of " + a.name, a.secret_file);
  }
  return files;
}

bool readable_by(const struct stat& st, const passwd& user) {
  if (user.pw_uid == 0) return true;
  if (st.st_uid == user.pw_uid) return (st.st_mode & S_IRUSR) != 0;
  if (st.st_gid == user.pw_gid) return (st.st_mode & S_IRGRP) != 0;
  return (st.st_mode & S_IROTH) != 0;
}

void check_files(const Config& config, const Options& o, Report& report) {
  const passwd* user = ::getpwnam(o.service_user.c_str());
  if (!user) {
    report.add(Level::kWarn, "files", "there is no user '" + o.service_user +
                                          "' to check access for; name the service's with --user");
  }
  const auto files = secret_files(config);
  if (files.empty()) report.add(Level::kOk, "files", "no key or secret files configured");
  for (const auto& [what, path] : files) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      report.add(Level::kFail, "files", what + " " + path + " does not exist");
    } else if ((st.st_mode & S_IROTH) != 0) {
      report.add(Level::kFail, "files", what + " " + path + " is readable by every user: chmod o-rwx " + path);
    } else if (user && !readable_by(st, *user)) {
      report.add(Level::kFail, "files", what + " " + path + " is not readable by " + o.service_user + ": chown " +
                                            o.service_user + " " + path + " (and chmod 600)");
    } else {
      report.add(Level::kOk, "files", what + " " + path);
    }
  }
}

void check_rules(const Config& config, Report& report) {
  if (config.rules_path.empty()) return report.add(Level::kOk, "rules", "no rules file: the built-in rules apply");
  auto rules = rules::load_rules_file(config.rules_path);
  if (rules) return report.add(Level::kOk, "rules", config.rules_path + " loads");
  for (const auto& e : rules.error()) report.add(Level::kFail, "rules", e);
}

void check_store(const Config& config, Report& report) {
  auto store = store::open_store(config.store);
  if (!store) {
    return report.add(Level::kFail, "store", store::describe(config.store) + ": " + store.error().message);
  }
  report.add(Level::kOk, "store", store::describe(config.store) + " opens; its schema is current");
}

void check_clock(Report& report) {
  timex tx{};
  const int state = ::adjtimex(&tx);
  if (state == TIME_ERROR || (tx.status & STA_UNSYNC) != 0) {
    return report.add(Level::kWarn, "clock",
                      "the system clock is not synchronised (NTP): APNs and FCM refuse tokens once it drifts;"
                      " enable systemd-timesyncd or chrony");
  }
  report.add(Level::kOk, "clock", "synchronised, estimated error " + std::to_string(tx.esterror) + " us");
}

}  // namespace

void Report::add(Level level, std::string check, std::string text) {
  if (level == Level::kFail) failed_ = true;
  out_ << label(level) << "  " << check << ": " << text << "\n" << std::flush;
}

int run(const Options& o, std::ostream& out) {
  Report report{out};
  Config config;
  try {
    config = load_config_file(o.config_path);
    report.add(Level::kOk, "config", o.config_path + " parses");
  } catch (const std::exception& e) {
    report.add(Level::kFail, "config", e.what());
    return 1;
  }
  check_files(config, o, report);
  const Finding admin = probe_admin(config, o);
  check_component(config, o, admin, report);
  check_rules(config, report);
  check_store(config, report);
  check_providers(config, o, report);
  report.add(admin.level, admin.check, admin.text);
  check_clock(report);
  return report.failed() ? 1 : 0;
}

}  // namespace xpush::doctor
