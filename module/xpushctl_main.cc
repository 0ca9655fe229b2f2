// xpushctl: operator commands that read xpushd's store.
#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/sanitize.h"
#include "module/config.h"
#include "store/sqlite_store.h"

namespace {

std::string iso_time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

int outbox(const std::string& config_path, bool as_json, std::size_t limit) {
  const auto config = xpush::load_config_file(config_path);
  auto store = xpush::store::SqliteStore::open(config.sqlite_path);
  if (!store) {
    std::cerr << "xpushctl: " << store.error().message << "\n";
    return 1;
  }
  const auto counts = (*store)->outbox_counts();
  const auto dead = (*store)->dead_letters(limit);
  if (!counts || !dead) {
    std::cerr << "xpushctl: " << (!counts ? counts.error().message : dead.error().message) << "\n";
    return 1;
  }
  if (!as_json) {
    std::cout << "pending " << counts->pending << "\ndead " << counts->dead << "\n";
  }
  for (const auto& e : *dead) {
    if (as_json) {
      std::cout << nlohmann::json{{"id", e.id},           {"node", e.node},
                                  {"domain", e.domain},   {"attempts", e.attempts},
                                  {"created", iso_time(e.created_ms)},
                                  {"reason", e.last_reason}}
                       .dump()
                << "\n";
    } else {
      std::cout << "dead-letter " << e.id << " node=" << e.node << " attempts=" << e.attempts
                << " created=" << iso_time(e.created_ms) << " reason=\"" << e.last_reason << "\"\n";
    }
  }
  return 0;
}

// stdin -> stdout; what changed, and where, to stderr.
int sanitize_stdin(bool report, bool drop, bool strip_discouraged) {
  std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  std::vector<xpush::base::SanitizeChange> changes;
  const xpush::base::SanitizeOptions options{
      .forbidden = drop ? xpush::base::Forbidden::kDrop : xpush::base::Forbidden::kReplace,
      .discouraged = strip_discouraged ? xpush::base::DiscouragedChars::kStrip
                                       : xpush::base::DiscouragedChars::kKeep};
  std::cout << xpush::base::sanitize(input, options, report ? &changes : nullptr);
  for (const auto& c : changes) std::cerr << "byte " << c.offset << ": " << c.what << "\n";
  if (report) std::cerr << changes.size() << " change(s)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"xpushctl: look into a running xpush"};
  cli.require_subcommand(1);
  std::string config_path = "/etc/xpush/xpush.yaml";
  cli.add_option("-c,--config", config_path, "xpushd's configuration file")->capture_default_str();

  auto* outbox_cmd = cli.add_subcommand("outbox", "notifications waiting, and dead letters with their last reason");
  bool as_json = false;
  std::size_t limit = 100;
  outbox_cmd->add_flag("--json", as_json, "one JSON object per dead letter");
  outbox_cmd->add_option("--limit", limit, "dead letters to list")->capture_default_str();
  auto* sanitize_cmd = cli.add_subcommand(
      "sanitize", "make stdin valid UTF-8 of XML characters (U+FFFD for the rest) on stdout");
  bool report = false, drop = false, strip = false;
  sanitize_cmd->add_flag("--report", report, "list what changed, with byte offsets, on stderr");
  sanitize_cmd->add_flag("--drop", drop, "remove forbidden characters instead of replacing them");
  sanitize_cmd->add_flag("--strip-discouraged", strip, "also remove what XML 1.0 discourages");
  CLI11_PARSE(cli, argc, argv);

  try {
    if (*sanitize_cmd) return sanitize_stdin(report, drop, strip);
    if (*outbox_cmd) return outbox(config_path, as_json, limit);
  } catch (const xpush::ConfigError& e) {
    std::cerr << "xpushctl: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
