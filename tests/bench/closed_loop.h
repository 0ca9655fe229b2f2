// The benchmarks' closed loop: `count` notifications through a provider,
// `window` of them in flight at once, on one io_context; what came of them
// and what it cost.
#pragma once

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>

#include "push/provider.h"

namespace xpush::bench {

inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct LoopFigures {
  double seconds = 0;
  double cpu_seconds = 0;
  std::map<push::Outcome, std::uint64_t> outcomes;
};

inline LoopFigures closed_loop(boost::asio::io_context& io, push::Provider& provider, std::uint64_t count,
                               std::size_t window,
                               const std::function<push::Notification(std::uint64_t)>& make) {
  LoopFigures f;
  std::uint64_t sent = 0, done = 0;
  std::function<void()> send_one = [&] {
    provider.send(make(sent++), [&](push::PushResult r) {
      ++f.outcomes[r.outcome];
      ++done;
      if (sent < count) send_one();
      if (done == count) io.stop();
    });
  };
  const auto cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < window && sent < count; ++i) send_one();
  io.run();
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.cpu_seconds = cpu_seconds() - cpu0;
  return f;
}

}  // namespace xpush::bench
