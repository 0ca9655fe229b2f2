// The rules in force, and reloading them. A reload that fails (a broken
// edit) keeps the rules already running, logs every error with its
// file:line:column and counts the failure. Reloads happen on SIGHUP and when
// the file changes (its modification time, size or inode).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "rules/rule_set.h"

namespace xpush {

struct RulesCounters {
  std::uint64_t reloads = 0;           // new rules put in force after the first load
  std::uint64_t reload_failures = 0;   // edits refused
  std::int64_t loaded_ms = 0;          // when the rules in force were loaded
  std::int64_t refused_ms = 0;         // when an edit was refused last (0: never)
  std::string refused_errors;          // that edit's errors, one per line
};

class RulesFile {
 public:
  // Empty `path`: the built-in rules. Throws std::runtime_error listing every
  // error when the file does not load: xpushd does not start on a broken file.
  explicit RulesFile(std::string path);
  ~RulesFile();

  std::shared_ptr<const rules::RuleSet> current() const { return current_; }
  const std::string& path() const { return path_; }
  const RulesCounters& counters() const { return counters_; }

  // Loads the file again. True when the new rules are in force.
  bool reload();
  // Reloads on SIGHUP and when the file changes, checked every `interval`
  // (0: on SIGHUP only).
  void watch(boost::asio::any_io_executor executor, std::chrono::milliseconds interval);
  void stop();

 private:
  struct Stamp {
    std::int64_t mtime_ns = 0;
    std::int64_t size = -1;
    std::uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  void check_later();
  void wait_for_hangup();

  std::string path_;
  std::shared_ptr<const rules::RuleSet> current_;
  Stamp stamp_;
  RulesCounters counters_;
  std::chrono::milliseconds interval_{1000};
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::unique_ptr<boost::asio::signal_set> hangup_;
};

}  // namespace xpush
