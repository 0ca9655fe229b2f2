#include "cli/admin_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>

#include "base/read_file.h"

namespace xpush::cli {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

tl::expected<AdminAnswer, std::string> admin_call(const Config& config, const std::string& target,
                                                  const std::string& body, std::chrono::seconds timeout) {
  const std::string& address = config.admin_address;
  const std::uint16_t port = config.admin_port;
  const std::string where = address + ":" + std::to_string(port);
  std::string token;
  if (!config.admin_token_file.empty()) {
    try {
      token = base::read_secret_file(config.admin_token_file, "admin token");
    } catch (const std::runtime_error& e) {
      return tl::unexpected(std::string{e.what()});
    }
  }
  asio::io_context io;
  boost::beast::tcp_stream stream{io};
  tcp::resolver resolver{io};
  http::request<http::string_body> request{body.empty() ? http::verb::get : http::verb::post, target, 11};
  request.set(http::field::host, address.find(':') == std::string::npos ? address : "[" + address + "]");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  http::response<http::string_body> response;
  boost::beast::flat_buffer buffer;
  std::optional<tl::expected<AdminAnswer, std::string>> result;
  const auto fail = [&](std::string why) {
    if (!result) result = tl::unexpected(std::move(why));
  };
  stream.expires_after(timeout);
  resolver.async_resolve(address, std::to_string(port), [&](auto ec, tcp::resolver::results_type r) {
    if (ec) return fail("cannot resolve " + address);
    stream.async_connect(r, [&](boost::system::error_code cec, const tcp::endpoint&) {
      if (cec) return fail("nothing answers on " + where);
      http::async_write(stream, request, [&](boost::system::error_code wec, std::size_t) {
        if (wec) return fail(where + ": " + wec.message());
        http::async_read(stream, buffer, response, [&](boost::system::error_code rec, std::size_t) {
          if (rec) return fail(where + " gave no HTTP answer: " + rec.message());
          result = AdminAnswer{static_cast<int>(response.result_int()), response.body()};
        });
      });
    });
  });
  io.run_for(timeout + std::chrono::seconds{1});
  fail("no answer from " + where + " within " + std::to_string(timeout.count()) + " s");
  return *result;
}

}  // namespace xpush::cli
