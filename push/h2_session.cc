#include "push/h2_session.h"

#include <algorithm>

#include <nghttp2/nghttp2.h>

#include <cstring>
#include <vector>

namespace xpush::push {

struct H2ClientSession::Stream {
  HttpRequest request;
  std::size_t sent = 0;  // body bytes handed to nghttp2
  HttpResponse response;
  bool cancelled = false;  // reset by us: nobody waits for it any more
};

namespace {
constexpr std::uint32_t kWindow = 1 << 20;  // answers are small; keep the peer's sends flowing

// Names and values are not copied: they live in the stream's request until
// the stream closes, past the sending of its headers.
nghttp2_nv header(std::string_view name, std::string_view value, bool unique = false) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(),
                    static_cast<uint8_t>(NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE |
                                         (unique ? NGHTTP2_NV_FLAG_NO_INDEX : 0))};
}
}  // namespace

// nghttp2's C callbacks, forwarding into the session object.
struct H2ClientSession::Glue {
  static H2ClientSession& self(void* user) { return *static_cast<H2ClientSession*>(user); }

  static Stream* stream(void* user, std::int32_t id) {
    auto& streams = self(user).streams_;
    auto it = streams.find(id);
    return it == streams.end() ? nullptr : it->second.get();
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    Stream* s = stream(user, frame->hd.stream_id);
    if (!s) return 0;
    const std::string_view n{reinterpret_cast<const char*>(name), namelen};
    const std::string_view v{reinterpret_cast<const char*>(value), valuelen};
    if (n == ":status") {
      s->response.status = std::atoi(std::string{v}.c_str());
    } else {
      s->response.headers.emplace_back(n, v);
    }
    return 0;
  }

  static int on_data(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len,
                     void* user) {
    if (Stream* s = stream(user, id)) s->response.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_close(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
    auto& me = self(user);
    auto it = me.streams_.find(id);
    if (it == me.streams_.end()) return 0;
    std::unique_ptr<Stream> done = std::move(it->second);
    me.streams_.erase(it);
    if (done->cancelled) return 0;
    if (error_code == NGHTTP2_NO_ERROR && done->response.status != 0) {
      if (me.callbacks_.on_response) me.callbacks_.on_response(id, std::move(done->response));
    } else if (me.callbacks_.on_stream_failed) {
      me.callbacks_.on_stream_failed(
          id, std::string{"stream reset: "} + nghttp2_http2_strerror(error_code));
    }
    return 0;
  }

  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_GOAWAY) return 0;
    auto& me = self(user);
    GoAway g{frame->goaway.last_stream_id, frame->goaway.error_code,
             std::string{reinterpret_cast<const char*>(frame->goaway.opaque_data),
                         frame->goaway.opaque_data_len}};
    me.goaway_ = g;
    if (me.callbacks_.on_goaway) me.callbacks_.on_goaway(g);
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                           uint32_t* flags, nghttp2_data_source*, void* user) {
    Stream* s = stream(user, id);
    if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const auto& body = s->request.body;
    const std::size_t n = std::min(length, body.size() - s->sent);
    std::memcpy(buf, body.data() + s->sent, n);
    s->sent += n;
    if (s->sent == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

H2ClientSession::H2ClientSession(std::string authority, Callbacks callbacks)
    : authority_(std::move(authority)), callbacks_(std::move(callbacks)) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(cb, Glue::on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, Glue::on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, Glue::on_close);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, Glue::on_frame);
  nghttp2_session_client_new(&session_, cb, this);
  nghttp2_session_callbacks_del(cb);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kWindow},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, static_cast<int32_t>(kWindow));
}

H2ClientSession::~H2ClientSession() { nghttp2_session_del(session_); }

tl::expected<std::int32_t, std::string> H2ClientSession::submit(HttpRequest request) {
  if (goaway_) return tl::unexpected(std::string{"connection is going away"});
  auto stream = std::make_unique<Stream>();
  stream->request = std::move(request);
  const auto& r = stream->request;
  std::vector<nghttp2_nv> nva;
  nva.reserve(r.headers.size() + 4);
  nva.push_back(header(":method", r.method));
  nva.push_back(header(":scheme", "https"));
  nva.push_back(header(":authority", authority_));
  const auto unique = [&r](std::string_view name) {
    return std::find(r.unique_per_request.begin(), r.unique_per_request.end(), name) != r.unique_per_request.end();
  };
  nva.push_back(header(":path", r.path, unique(":path")));
  for (const auto& [name, value] : r.headers) nva.push_back(header(name, value, unique(name)));
  nghttp2_data_provider body{};
  body.read_callback = Glue::read_body;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                            r.body.empty() ? nullptr : &body, nullptr);
  if (id < 0) return tl::unexpected(std::string{nghttp2_strerror(id)});
  streams_.emplace(id, std::move(stream));
  return id;
}

void H2ClientSession::cancel(std::int32_t stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  // The stream stays known to nghttp2 (and its request alive) until the reset is sent.
  it->second->cancelled = true;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream, NGHTTP2_CANCEL);
}

void H2ClientSession::ping() { nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr); }

tl::expected<void, std::string> H2ClientSession::receive(std::string_view bytes) {
  const auto n = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                                          bytes.size());
  if (n < 0) return tl::unexpected(std::string{nghttp2_strerror(static_cast<int>(n))});
  return {};
}

std::string H2ClientSession::take_output() {
  std::string out;
  for (;;) {
    const uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  return out;
}

std::uint32_t H2ClientSession::peer_max_concurrent_streams() const {
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

bool H2ClientSession::alive() const {
  return nghttp2_session_want_read(session_) || nghttp2_session_want_write(session_);
}

}  // namespace xpush::push
