// An HTTP/2 client session over libnghttp2 without I/O: submit requests,
// feed it the bytes the server sent, take the bytes to write. Responses and
// stream failures come back through callbacks, as data.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "push/http_message.h"

typedef struct nghttp2_session nghttp2_session;

namespace xpush::push {

struct GoAway {
  std::int32_t last_stream_id = 0;
  std::uint32_t error_code = 0;
  std::string debug_data;  // APNs puts a JSON {"reason": ...} here
};

class H2ClientSession {
 public:
  struct Callbacks {
    // Exactly one of these is called for every submitted stream.
    std::function<void(std::int32_t stream, HttpResponse response)> on_response;
    std::function<void(std::int32_t stream, std::string error)> on_stream_failed;
    std::function<void(const GoAway&)> on_goaway;
  };

  H2ClientSession(std::string authority, Callbacks callbacks);
  ~H2ClientSession();
  H2ClientSession(const H2ClientSession&) = delete;
  H2ClientSession& operator=(const H2ClientSession&) = delete;

  tl::expected<std::int32_t, std::string> submit(HttpRequest request);
  // Resets a stream (RST_STREAM CANCEL): its callbacks are not called.
  void cancel(std::int32_t stream);
  void ping();  // nghttp2 matches the server's PING ACK
  // Parses what the server sent; an error means the connection is unusable.
  tl::expected<void, std::string> receive(std::string_view bytes);
  // Everything nghttp2 wants written now (may be empty).
  std::string take_output();

  std::size_t open_streams() const { return streams_.size(); }
  std::uint32_t peer_max_concurrent_streams() const;
  bool goaway_received() const { return goaway_.has_value(); }
  // False once neither side wants more I/O (after GOAWAY and all streams done).
  bool alive() const;

  struct Stream;
  struct Glue;

 private:
  std::string authority_;
  Callbacks callbacks_;
  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, std::unique_ptr<Stream>> streams_;
  std::optional<GoAway> goaway_;
};

}  // namespace xpush::push
