// Notifications per second from the push layer to an APNs endpoint: each one
// is built (headers, payload within the limit), sent over HTTP/2 by
// ApnsProvider with a signed provider token, and its answer interpreted into
// an outcome that is counted. Prints figures; asserts nothing.
//   apns_bench --port P --ca CA.pem --key AuthKey.p8 --connections C --count N --window W
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <map>

#include "push/apns_provider.h"
#include "tests/bench/closed_loop.h"

namespace {

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

  const auto f = xpush::bench::closed_loop(io, provider, count, window, notification);
  const double seconds = f.seconds;
  const double cpu = f.cpu_seconds;
  auto outcomes = f.outcomes;
  std::printf("xpush: connections=%zu notifications=%llu seconds=%.3f rate=%.0f/s cpu_us_per_notification=%.2f "
              "delivered=%llu other=%llu\n",
              connections, static_cast<unsigned long long>(count), seconds, static_cast<double>(count) / seconds,
              cpu * 1e6 / static_cast<double>(count),
              static_cast<unsigned long long>(outcomes[xpush::push::Outcome::kDelivered]),
              static_cast<unsigned long long>(count - outcomes[xpush::push::Outcome::kDelivered]));
  return outcomes[xpush::push::Outcome::kDelivered] == count ? 0 : 1;
}
