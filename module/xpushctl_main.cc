// xpushctl: operator commands that read xpushd's store.
#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

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
  CLI11_PARSE(cli, argc, argv);

  try {
    if (*outbox_cmd) return outbox(config_path, as_json, limit);
  } catch (const xpush::ConfigError& e) {
    std::cerr << "xpushctl: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
