#include "cli/devices.h"

#include <openssl/evp.h>

#include <iostream>

#include "base/hex.h"
#include "cli/common.h"

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

}  // namespace xpush::cli
