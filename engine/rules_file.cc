#include "engine/rules_file.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <csignal>
#include <stdexcept>

#include "rules/loader.h"

namespace xpush {

namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string all_errors(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e;
  return out;
}
}  // namespace

RulesFile::RulesFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) {
    current_ = rules::builtin_rules();
    counters_.loaded_ms = now_ms();
    return;
  }
  stamp_ = stamp();
  auto loaded = rules::load_rules_file(path_);
  if (!loaded) throw std::runtime_error("rules not loaded:\n" + all_errors(loaded.error()));
  current_ = std::move(*loaded);
  counters_.loaded_ms = now_ms();
  spdlog::info("rules: {} rules from {}", current_->size(), path_);
}

RulesFile::~RulesFile() { stop(); }

RulesFile::Stamp RulesFile::stamp() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return {};
  return Stamp{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
               static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

bool RulesFile::reload() {
  if (path_.empty()) return false;
  stamp_ = stamp();
  auto loaded = rules::load_rules_file(path_);
  if (!loaded) {
    ++counters_.reload_failures;
    counters_.refused_ms = now_ms();
    counters_.refused_errors = all_errors(loaded.error());
    for (const auto& e : loaded.error()) spdlog::error("rules: {}", e);
    spdlog::error("rules: {} refused ({} error(s)); the {} rules in force stay", path_,
                  loaded.error().size(), current_->size());
    return false;
  }
  current_ = std::move(*loaded);
  counters_.loaded_ms = now_ms();
  ++counters_.reloads;
  spdlog::info("rules: reloaded {} rules from {}", current_->size(), path_);
  return true;
}

void RulesFile::watch(boost::asio::any_io_executor executor, std::chrono::milliseconds interval) {
  if (path_.empty()) return;
  interval_ = interval;
  timer_ = std::make_unique<boost::asio::steady_timer>(executor);
  hangup_ = std::make_unique<boost::asio::signal_set>(executor, SIGHUP);
  if (interval_.count() > 0) check_later();
  wait_for_hangup();
  spdlog::info("rules: watching {} (reloaded on change and on SIGHUP)", path_);
}

void RulesFile::stop() {
  if (timer_) timer_->cancel();
  if (hangup_) {
    boost::system::error_code ignored;
    hangup_->cancel(ignored);
  }
}

void RulesFile::check_later() {
  timer_->expires_after(interval_);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    if (stamp() != stamp_) reload();
    check_later();
  });
}

void RulesFile::wait_for_hangup() {
  hangup_->async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    spdlog::info("rules: SIGHUP, reloading {}", path_);
    reload();
    wait_for_hangup();
  });
}

}  // namespace xpush
