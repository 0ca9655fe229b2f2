// The engine: one io_context that owns the component link, the app server,
// the push provider and the store thread. xpushd is its reference host.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "interceptor/element.h"
#include "interceptor/link_handover.h"
#include "admin/admin_http.h"
#include "engine/config.h"

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
  // Before run(): carry on a stream another engine handed over.
  void adopt(interceptor::LinkHandover handover);
  // Like stop(), but the stream is handed over instead of closed (see
  // ComponentLink::hand_over); after run() returns, handover() has it, or
  // nullopt when the link was closed instead. Thread-safe.
  void stop_handing_over();
  std::optional<interceptor::LinkHandover> handover();

  // Thread-safe: hands a stanza to the app server on the loop, as if it had
  // come over the component link. The reply to an iq goes to `on_reply`
  // (on the loop thread) instead of the link; stanzas that get no reply
  // (a forwarded message) never call it.
  using ReplyHandler = std::function<void(const interceptor::Element& reply)>;
  void submit(interceptor::Element stanza, ReplyHandler on_reply = {});
  // Thread-safe: the counters as of at most 100 ms ago.
  AdminSnapshot counters() const;

  boost::asio::io_context& context();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace xpush
