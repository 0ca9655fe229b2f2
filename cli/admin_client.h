// A request to the running xpushd's admin listener (loopback by default).
#pragma once

#include <chrono>
#include <string>

#include <tl/expected.hpp>

namespace xpush::cli {

struct AdminAnswer {
  int status = 0;
  std::string body;
};

// GET when `body` is empty, else POST it as JSON. The error says what failed
// (nothing listening, no answer in time).
tl::expected<AdminAnswer, std::string> admin_call(const std::string& address, std::uint16_t port,
                                                  const std::string& target, const std::string& body,
                                                  std::chrono::seconds timeout);

}  // namespace xpush::cli
