#include "cli/common.h"

#include <ctime>
#include <stdexcept>

#include "engine/config.h"
#include "store/open_store.h"

namespace xpush::cli {

std::string iso_time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

std::unique_ptr<store::Store> open_configured_store(const std::string& config_path) {
  const auto config = load_config_file(config_path);
  auto store = store::open_store(config.store);
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

}  // namespace xpush::cli
