// Notifications per second from the push layer to an APNs endpoint: each one
// is built (headers, payload within the limit), sent over HTTP/2 by
// ApnsProvider with a signed provider token, and its answer interpreted into
// an outcome that is counted. Prints figures; asserts nothing.
//   apns_bench --port P --ca CA.pem --key AuthKey.p8 --connections C --count N --window W
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <map>

#include "push/apns_provider.h"

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

xpush::push::Notification notification(std::uint64_t i) {
  xpush::push::Notification n;
  char id[37];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llx", static_cast<unsigned long long>(i));
  n.id = id;
  n.device = {xpush::push::Platform::kApns, std::string(64, 'a'), "bench"};
  n.kind = xpush::push::Kind::kAlert;
  n.title = "New message";
  n.body = "Lunch at noon? \xF0\x9F\x8D\x9C";
  n.sound = "default";
  n.thread_id = "bob@example.org";
  n.created_at = std::chrono::system_clock::now();
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"apns_bench"};
  int port = 0;
  std::string ca, key;
  std::size_t connections = 1, window = 100;
  std::uint64_t count = 100'000;
  cli.add_option("--port", port)->required();
  cli.add_option("--ca", ca)->required();
  cli.add_option("--key", key)->required();
  cli.add_option("--connections", connections);
  cli.add_option("--count", count);
  cli.add_option("--window", window, "notifications in flight at once");
  CLI11_PARSE(cli, argc, argv);

  boost::asio::io_context io;
  xpush::push::ApnsOptions options;
  options.endpoint = {.host = "localhost", .port = static_cast<std::uint16_t>(port), .ca_file = ca};
  options.connections = connections;
  options.apps.push_back({.app = {"bench", "org.example.bench"}, .key_file = key, .key_id = "ABC123DEFG",
                          .team_id = "DEF123GHIJ"});
  xpush::push::ApnsProvider provider{io.get_executor(), options,
                                     [] { return std::chrono::system_clock::now(); }};

  std::uint64_t sent = 0, done = 0;
  std::map<xpush::push::Outcome, std::uint64_t> outcomes;
  std::function<void()> send_one = [&] {
    provider.send(notification(sent++), [&](xpush::push::PushResult r) {
      ++outcomes[r.outcome];
      ++done;
      if (sent < count) send_one();
      if (done == count) io.stop();
    });
  };
  const auto cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < window && sent < count; ++i) send_one();
  io.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  std::printf("xpush: connections=%zu notifications=%llu seconds=%.3f rate=%.0f/s cpu_us_per_notification=%.2f "
              "delivered=%llu other=%llu\n",
              connections, static_cast<unsigned long long>(count), seconds, static_cast<double>(count) / seconds,
              cpu * 1e6 / static_cast<double>(count),
              static_cast<unsigned long long>(outcomes[xpush::push::Outcome::kDelivered]),
              static_cast<unsigned long long>(count - outcomes[xpush::push::Outcome::kDelivered]));
  return outcomes[xpush::push::Outcome::kDelivered] == count ? 0 : 1;
}
