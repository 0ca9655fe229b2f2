#include "interceptor/component_tls.h"

#include <boost/asio/ssl/host_name_verification.hpp>

namespace xpush::interceptor {

namespace asio = boost::asio;

std::unique_ptr<asio::ssl::context> component_tls_context(const LinkTlsOptions& tls) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (!tls.verify) {
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  if (tls.ca_file.empty()) {
    ctx->set_default_verify_paths();
  } else {
    ctx->load_verify_file(tls.ca_file);
  }
  return ctx;
}

void name_the_peer(asio::ssl::stream<asio::ip::tcp::socket>& stream, const LinkTlsOptions& tls,
                   const std::string& host) {
  const std::string name = tls.server_name.empty() ? host : tls.server_name;
  SSL_set_tlsext_host_name(stream.native_handle(), name.c_str());
  if (tls.verify) stream.set_verify_callback(asio::ssl::host_name_verification(name));
}

}  // namespace xpush::interceptor
