#include "cli/devices.h"

#include <openssl/evp.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "cli/admin_client.h"
#include "cli/common.h"
#include "engine/config.h"

namespace xpush::cli {

namespace {

constexpr std::size_t kTokenPrefix = 8;

std::string state_of(const store::Registration& r) {
  return r.enabled ? "enabled" : "disabled (" + r.disabled_reason + ")";
}

void print_line(const store::Registration& r, std::ostream& out) {
  out << r.node << "  " << r.platform << (r.app.empty() ? "" : "/" + r.app) << "  device " << r.device_id
      << (r.muc.empty() ? "" : "  muc " + r.muc) << "  " << state_of(r) << "  token "
      << token_fingerprint(r.token) << "\n";
}

// The one registration with `node` (on `domain` when given), or why not.
tl::expected<store::Registration, std::string> the_node(store::Store& store, const std::string& node,
                                                        const std::string& domain) {
  auto found = store.registrations_with_node(node);
  if (!found) return tl::unexpected(found.error().message);
  std::erase_if(*found, [&domain](const store::Registration& r) { return !domain.empty() && r.domain != domain; });
  if (found->empty()) return tl::unexpected("no device has the node " + node);
  if (found->size() > 1) {
    return tl::unexpected("the node " + node + " exists on several servers; name one with --domain");
  }
  return found->front();
}

int failed(const std::string& why) {
  std::cerr << "xpushctl: " << why << "\n";
  return 1;
}

}  // namespace

std::string token_fingerprint(const std::string& token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  std::string prefix = token.substr(0, kTokenPrefix);
  for (auto& c : prefix) c = (c > 0x20 && c < 0x7f) ? c : '?';
  return prefix + "\xE2\x80\xA6 sha256:" + base::to_hex(digest, len);
}

int devices_list(store::Store& store, const std::string& account, std::ostream& out) {
  auto devices = store.devices_of(account);
  if (!devices) return failed(devices.error().message);
  if (devices->empty()) out << account << " has no registered device\n";
  for (const auto& r : *devices) print_line(r, out);
  return 0;
}

int devices_show(store::Store& store, const std::string& node, const std::string& domain, std::ostream& out) {
  auto r = the_node(store, node, domain);
  if (!r) return failed(r.error());
  out << "node      " << r->node << "\naccount   " << r->account << "\nserver    " << r->domain << "\nplatform  "
      << r->platform << "\napp       " << (r->app.empty() ? "(the default)" : r->app) << "\ndevice    "
      << r->device_id << "\n"
      << (r->muc.empty() ? "" : "muc       " + r->muc + "\n") << "state     " << state_of(*r) << "\ntoken     "
      << token_fingerprint(r->token) << "\nregistered " << iso_time(r->created_ms) << "\nupdated   "
      << iso_time(r->updated_ms) << "\n";
  return 0;
}

int devices_disable(store::Store& store, const std::string& node, const std::string& domain,
                    const std::string& reason, std::ostream& out) {
  auto r = the_node(store, node, domain);
  if (!r) return failed(r.error());
  auto done = store.disable_registration(r->domain, r->node, reason, 0);
  if (!done) return failed(done.error().message);
  out << node << (*done ? " disabled: its publishes are answered cancel (within the registration cache time)\n"
                        : " was already disabled\n");
  return 0;
}

int devices_enable(store::Store& store, const std::string& node, const std::string& domain, std::ostream& out) {
  auto r = the_node(store, node, domain);
  if (!r) return failed(r.error());
  auto done = store.enable_registration(r->domain, r->node);
  if (!done) return failed(done.error().message);
  out << node << (*done ? " enabled\n" : " was already enabled\n");
  return 0;
}

int devices_test(const std::string& config_path, const std::string& account, const std::string& text,
                 std::ostream& out) {
  const auto config = load_config_file(config_path);
  if (config.admin_port == 0) {
    return failed("devices test goes through the running xpushd's admin listener, which is off (admin.port)");
  }
  nlohmann::json request = {{"jid", account}};
  if (!text.empty()) request["text"] = text;
  // The daemon waits up to 20 s for the providers.
  auto answer = admin_call(config, "/devices/test", request.dump(), std::chrono::seconds{30});
  if (!answer) return failed(answer.error() + ": is xpushd running?");
  const auto j = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status != 200 || j.is_discarded()) {
    const bool said = !j.is_discarded() && j.contains("error");
    return failed("xpushd answered " + std::to_string(answer->status) + (said ? ": " + j["error"].get<std::string>() : ""));
  }
  if (j["devices"].empty()) {
    out << account << " has no enabled device\n";
    return 1;
  }
  bool all_delivered = true;
  for (const auto& d : j["devices"]) {
    const std::string outcome = d.value("outcome", "");
    all_delivered = all_delivered && outcome == "delivered";
    out << d.value("node", "") << "  " << d.value("platform", "") << "  device " << d.value("device_id", "") << "  "
        << outcome;
    if (d.contains("status")) out << " (HTTP " << d["status"].get<int>() << ")";
    if (d.contains("reason")) out << ": " << d["reason"].get<std::string>();
    out << "\n";
  }
  return all_delivered ? 0 : 1;
}

}  // namespace xpush::cli
