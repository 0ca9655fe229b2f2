// A fast APNs stand-in for benchmarks: HTTP/2 over TLS on loopback (libnghttp2
// server side on Asio), answering every POST /3/device/<token> with 200 and an
// apns-id, as APNs does for a valid request. It does no checking: the Python
// stand-in in tests/support checks; this one only has to keep up.
//   apns_standin_server --cert server.pem [--record FILE]
// prints "PORT <n>" and serves until killed. With --record it counts the
// requests it answered and notes when each payload carrying "seq:<n>" arrived
// (CLOCK_MONOTONIC ns): SIGUSR1 writes "DELIVERED <count>" to FILE.count,
// SIGUSR2 writes "<seq> <ns>" lines to FILE.
#include <nghttp2/nghttp2.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <vector>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Record {
  std::uint64_t delivered = 0;
  std::vector<std::pair<std::uint64_t, std::int64_t>> arrivals;  // seq, ns
};
Record record;

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void note_payload(const std::string& body) {
  ++record.delivered;
  const auto at = body.find("seq:");
  if (at == std::string::npos) return;
  record.arrivals.emplace_back(std::strtoull(body.c_str() + at + 4, nullptr, 10), mono_ns());
}

uint8_t* nv_bytes(const char* s) { return reinterpret_cast<uint8_t*>(const_cast<char*>(s)); }

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, asio::ssl::context& tls) : stream_(std::move(socket), tls) {}
  ~Session() { nghttp2_session_del(session_); }

  void start() {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_server_new(&session_, cb, this);
    nghttp2_session_callbacks_del(cb);
    const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000},
                                               {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, 1 << 24);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](auto ec) {
      if (!ec) {
        self->flush();
        self->read();
      }
    });
  }

 private:
  static Session& self(void* user) { return *static_cast<Session*>(user); }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    if (frame->hd.type == NGHTTP2_HEADERS && namelen == 7 && std::memcmp(name, "apns-id", 7) == 0) {
      self(user).ids_[frame->hd.stream_id].assign(reinterpret_cast<const char*>(value), valuelen);
    }
    return 0;
  }

  static int on_data(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                     void* user) {
    self(user).bodies_[stream_id].append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_frame(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    const bool request_ended = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                               (frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
    if (!request_ended) return 0;
    note_payload(self(user).bodies_[frame->hd.stream_id]);
    auto& id = self(user).ids_[frame->hd.stream_id];
    if (id.empty()) id = "00000000-0000-4000-8000-000000000000";
    const nghttp2_nv headers[] = {
        {nv_bytes(":status"), nv_bytes("200"), 7, 3, NGHTTP2_NV_FLAG_NONE},
        {nv_bytes("apns-id"), reinterpret_cast<uint8_t*>(id.data()), 7, id.size(), NGHTTP2_NV_FLAG_NONE}};
    nghttp2_submit_response(session, frame->hd.stream_id, headers, 2, nullptr);
    return 0;
  }

  static int on_close(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    self(user).ids_.erase(stream_id);
    self(user).bodies_.erase(stream_id);
    return 0;
  }

  void read() {
    stream_.async_read_some(asio::buffer(in_), [self = shared_from_this()](auto ec, std::size_t n) {
      if (ec) return;
      if (nghttp2_session_mem_recv(self->session_, reinterpret_cast<uint8_t*>(self->in_.data()), n) < 0) {
        return;
      }
      self->flush();
      self->read();
    });
  }

  void flush() {
    if (writing_) return;
    out_.clear();
    const uint8_t* data = nullptr;
    ssize_t n = 0;
    while ((n = nghttp2_session_mem_send(session_, &data)) > 0) {
      out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (out_.empty()) return;
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_), [self = shared_from_this()](auto ec, std::size_t) {
      self->writing_ = false;
      if (!ec) self->flush();
    });
  }

  asio::ssl::stream<tcp::socket> stream_;
  nghttp2_session* session_ = nullptr;
  std::array<char, 64 * 1024> in_{};
  std::string out_;
  bool writing_ = false;
  std::map<int32_t, std::string> ids_;
  std::map<int32_t, std::string> bodies_;
};

int select_h2(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
              unsigned int inlen, void*) {
  return nghttp2_select_next_protocol(const_cast<unsigned char**>(out), outlen, in, inlen) == 1
             ? SSL_TLSEXT_ERR_OK
             : SSL_TLSEXT_ERR_NOACK;
}

void accept(tcp::acceptor& acceptor, asio::ssl::context& tls) {
  acceptor.async_accept([&](boost::system::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), tls)->start();
    }
    accept(acceptor, tls);
  });
}

}  // namespace

void on_signal(asio::signal_set& signals, const std::string& path) {
  signals.async_wait([&signals, path](boost::system::error_code ec, int signal) {
    if (ec) return;
    if (signal == SIGUSR1) {
      std::ofstream{path + ".count"} << "DELIVERED " << record.delivered << '\n';
    } else {
      std::ofstream out{path};
      for (const auto& [seq, ns] : record.arrivals) out << seq << ' ' << ns << '\n';
    }
    on_signal(signals, path);
  });
}

int main(int argc, char** argv) {
  if ((argc != 3 && argc != 5) || std::string{argv[1]} != "--cert" ||
      (argc == 5 && std::string{argv[3]} != "--record")) {
    std::cerr << "usage: apns_standin_server --cert server.pem [--record FILE]\n";
    return 2;
  }
  asio::io_context io;
  asio::signal_set signals{io};
  if (argc == 5) {
    signals.add(SIGUSR1);
    signals.add(SIGUSR2);
    on_signal(signals, argv[4]);
  }
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tls.use_certificate_chain_file(argv[2]);
  tls.use_private_key_file(argv[2], asio::ssl::context::pem);
  SSL_CTX_set_alpn_select_cb(tls.native_handle(), select_h2, nullptr);
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::cout << "PORT " << acceptor.local_endpoint().port() << std::endl;
  accept(acceptor, tls);
  io.run();
}
