// What xpushctl's subcommands share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/store.h"

namespace xpush::cli {

// "2026-12-01T10:00:00Z"
std::string iso_time(std::int64_t ms);
// The store xpushd's configuration names. Throws ConfigError or
// std::runtime_error.
std::unique_ptr<store::Store> open_configured_store(const std::string& config_path);

}  // namespace xpush::cli
