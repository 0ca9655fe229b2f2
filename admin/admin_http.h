// The admin endpoint over HTTP/1.1 on the loop: GET /health, GET /metrics
// (Prometheus text format), the status page (GET / and /status.json), and
// the POST actions the engine hands in (POST /devices/test). Off unless
// configured; loopback unless allowed; a bearer token when one is set.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "admin/admin_status.h"

namespace xpush {

struct AdminSnapshot {
  bool component_connected = false;
  std::uint64_t component_connects = 0;
  std::uint64_t publishes = 0;
  std::uint64_t publishes_refused = 0;
  std::uint64_t registrations = 0;
  std::uint64_t notifications_accepted = 0;
  std::uint64_t delivery_attempts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;
  std::uint64_t expired = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t tokens_invalid = 0;
  std::uint64_t dropped_by_rules = 0;
  std::uint64_t folded = 0;
  std::uint64_t rules_reloads = 0;
  std::uint64_t rules_reload_failures = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t forwarded_refused = 0;
  std::uint64_t forwarded_duplicates = 0;
  std::uint64_t publishes_covered = 0;
  std::uint64_t forwarded_covered = 0;
  std::uint64_t users_back = 0;
  std::uint64_t stanzas_skipped_too_large = 0;
  std::uint64_t stanzas_skipped_too_deep = 0;
  std::uint64_t stanzas_skipped_too_many_attributes = 0;
  std::uint64_t registrations_over_cap = 0;
  std::uint64_t registrations_rate_limited = 0;
  std::uint64_t registrations_superseded = 0;
  std::uint64_t notifications_over_ceiling = 0;
  std::uint64_t chats_read = 0;  // set by name, as those below
  std::uint64_t component_pings = 0;
  std::uint64_t component_unresponsive = 0;
  std::uint64_t shared_windows_faults = 0;
  AdminStatus status;
};

struct AdminResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {};
};

// Pure: what GET `target` answers given the counters.
AdminResponse admin_response(std::string_view method, std::string_view target, const AdminSnapshot& s);

// Who may ask. With a token, every request must carry it (`Authorization:
// Bearer <token>`, or Basic with the token as the password so that a browser
// can open the status page); without one, the listener is on loopback and
// only requests naming a loopback host are answered, which keeps a web page
// the operator visits from reading it through DNS rebinding.
struct AdminAccess {
  std::string token;
};

// Pure: the refusal for a request with these headers, or nullopt to serve it.
std::optional<AdminResponse> admin_refusal(const AdminAccess& access, std::string_view host,
                                           std::string_view authorization);

// A POST action: the request body, and how to answer (on the loop, later).
using AdminPost = std::function<void(std::string body, std::function<void(AdminResponse)> reply)>;

// Bodies of POST requests are refused beyond this.
inline constexpr std::size_t kAdminBodyLimit = 16 * 1024;

class AdminServer {
 public:
  // Throws std::runtime_error when the address cannot be bound.
  AdminServer(boost::asio::any_io_executor executor, const std::string& address, std::uint16_t port,
              std::function<AdminSnapshot()> snapshot, std::map<std::string, AdminPost> posts = {},
              AdminAccess access = {});
  ~AdminServer();
  std::uint16_t port() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace xpush
