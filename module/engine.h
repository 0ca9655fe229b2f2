// The engine: one io_context that owns the component link, the app server,
// the push provider and the store thread. xpushd is its reference host.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "module/config.h"

namespace xpush {

class Engine {
 public:
  // Opens the store and the provider; throws std::runtime_error with a
  // message for the operator when that fails.
  explicit Engine(const Config& config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs the loop on the calling thread until stop() has finished.
  void run();
  // Closes the stream politely and lets run() return. Thread-safe.
  void stop();

  boost::asio::io_context& context();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace xpush
