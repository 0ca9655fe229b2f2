#include "push/log_provider.h"

#include "base/hex.h"

#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace xpush::push {

std::string token_fingerprint(const std::string& token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), md.data(), &len, EVP_sha256(), nullptr);
  return base::to_hex(md.data(), std::min(len, 4u));
}

std::string format_log_line(const Notification& n) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      n.created_at.time_since_epoch());
  nlohmann::json line = {
      {"provider", "log"},
      {"id", n.id},
      {"recipient", n.recipient},
      {"node", n.node},
      {"platform", to_string(n.device.platform)},
      {"app", n.device.app},
      {"token_sha256", token_fingerprint(n.device.token)},
      {"kind", to_string(n.kind)},
      {"title", n.title},
      {"body", n.body},
      {"rule", n.rule},
      {"created_ms", ms.count()},
  };
  if (n.badge) line["badge"] = *n.badge;
  // Replacement keeps a line valid JSON whatever bytes a title carries.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

LogProvider::LogProvider(const std::string& path)
    : out_(path == "-" ? stdout : std::fopen(path.c_str(), "a")), owned_(path != "-") {
  if (!out_) {
    throw std::runtime_error("cannot open notification log " + path + ": " + std::strerror(errno));
  }
}

LogProvider::~LogProvider() {
  if (owned_) std::fclose(out_);
}

void LogProvider::send(const Notification& notification, Completion done) {
  const std::string line = format_log_line(notification) + "\n";
  const bool ok = std::fwrite(line.data(), 1, line.size(), out_) == line.size() &&
                  std::fflush(out_) == 0;
  done(ok ? PushResult{.outcome = Outcome::kDelivered, .status = 200}
          : PushResult{.outcome = Outcome::kRetry, .reason = "notification log write failed"});
}

}  // namespace xpush::push
