// Web Push from the push layer: how many messages per second one core
// encrypts (RFC 8291: a fresh P-256 key, ECDH and AES-128-GCM each), and
// how many notifications per second WebPushProvider delivers to a local
// HTTP/2 + TLS push service, each built, encrypted, VAPID-signed (the token
// cached per origin), sent and its answer interpreted. Prints figures;
// asserts nothing.
//   webpush_bench --port P --ca CA.pem --count N --window W
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "base/base64.h"
#include "push/ece.h"
#include "push/webpush_provider.h"
#include "tests/bench/closed_loop.h"

namespace {

using xpush::push::Notification;


// A browser's subscription: any valid P-256 point will do.
xpush::push::Subscription subscription(const std::string& endpoint) {
  const auto key = xpush::push::Vapid::create(*xpush::push::generate_vapid_key_pem(), "mailto:b@example.org");
  return {endpoint, key->public_key(), xpush::base::base64url("0123456789abcdef")};
}

Notification notification(std::uint64_t i, const std::string& token) {
  Notification n;
  n.id = "n-" + std::to_string(i);
  n.device = {xpush::push::Platform::kWebPush, token, ""};
  n.kind = xpush::push::Kind::kAlert;
  n.title = "New message";
  n.body = "Lunch at noon? \xF0\x9F\x8D\x9C";
  n.thread_id = "bob@example.org";
  n.badge = 3;
  n.created_at = std::chrono::system_clock::now();
  return n;
}

void encryptions(std::uint64_t count) {
  const auto s = subscription("https://push.example.net/x");
  const auto keys = *xpush::push::subscription_keys(s.p256dh, s.auth);
  const std::string payload = R"({"id":"n-1","kind":"alert","title":"New message","body":"Lunch at noon?","badge":3})";
  const auto cpu0 = xpush::bench::cpu_seconds();
  std::size_t bytes = 0;
  for (std::uint64_t i = 0; i < count; ++i) bytes += xpush::push::encrypt_aes128gcm(payload, keys)->size();
  const double cpu = xpush::bench::cpu_seconds() - cpu0;
  std::printf("encrypt: messages=%llu cpu_us_per_message=%.2f rate_per_core=%.0f/s body_bytes=%zu\n",
              static_cast<unsigned long long>(count), cpu * 1e6 / static_cast<double>(count),
              static_cast<double>(count) / cpu, bytes / count);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"webpush_bench"};
  int port = 0;
  std::string ca;
  std::size_t window = 100;
  std::uint64_t count = 100'000;
  cli.add_option("--port", port)->required();
  cli.add_option("--ca", ca)->required();
  cli.add_option("--count", count);
  cli.add_option("--window", window, "notifications in flight at once");
  CLI11_PARSE(cli, argc, argv);

  encryptions(count / 10);

  char dir[] = "/tmp/webpush-bench-XXXXXX";
  if (!mkdtemp(dir)) return 2;
  const std::string key_file = std::string{dir} + "/vapid.pem";
  std::ofstream{key_file} << *xpush::push::generate_vapid_key_pem();
  boost::asio::io_context io;
  xpush::push::WebPushOptions options{.vapid_key_file = key_file, .subject = "mailto:bench@example.org",
                                      .allow_hosts = {"localhost"}, .ca_file = ca};
  xpush::push::WebPushProvider provider{io.get_executor(), options, [] { return std::chrono::system_clock::now(); }};
  const std::string token =
      xpush::push::subscription_token(subscription("https://localhost:" + std::to_string(port) + "/wpush/bench"));

  const auto f = xpush::bench::closed_loop(io, provider, count, window,
                                          [&token](std::uint64_t i) { return notification(i, token); });
  const double seconds = f.seconds;
  const double cpu = f.cpu_seconds;
  auto outcomes = f.outcomes;
  std::remove(key_file.c_str());
  rmdir(dir);
  const auto delivered = outcomes[xpush::push::Outcome::kDelivered];
  std::printf("deliver: notifications=%llu seconds=%.3f rate=%.0f/s cpu_us_per_notification=%.2f delivered=%llu "
              "other=%llu\n",
              static_cast<unsigned long long>(count), seconds, static_cast<double>(count) / seconds,
              cpu * 1e6 / static_cast<double>(count), static_cast<unsigned long long>(delivered),
              static_cast<unsigned long long>(count - delivered));
  return delivered == count ? 0 : 1;
}
