// A request to the running xpushd's admin listener (loopback by default).
#pragma once

#include <chrono>
#include <string>

#include <tl/expected.hpp>

#include "engine/config.h"

namespace xpush::cli {

struct AdminAnswer {
  int status = 0;
  std::string body;
};

// GET when `body` is empty, else POST it as JSON, to the listener `config`
// names, with its bearer token (admin.token_file) when it has one. The error
// says what failed (no token to read, nothing listening, no answer in time).
tl::expected<AdminAnswer, std::string> admin_call(const Config& config, const std::string& target,
                                                  const std::string& body, std::chrono::seconds timeout);

}  // namespace xpush::cli
