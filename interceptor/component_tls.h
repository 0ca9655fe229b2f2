// TLS for the component link (ejabberd's `tls: true` on an ejabberd_service
// listener): the client context as the options ask, and the name a
// connection sends (SNI) and checks the certificate against.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "interceptor/component_link.h"

namespace xpush::interceptor {

// TLS 1.2 or later; the peer verified against `ca_file` (or the system's
// trust store) unless `verify` is off. Throws boost::system::system_error
// when the CA file cannot be read.
std::unique_ptr<boost::asio::ssl::context> component_tls_context(const LinkTlsOptions& tls);

// Before the handshake: SNI, and the certificate's name checked when verifying.
void name_the_peer(boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream, const LinkTlsOptions& tls,
                   const std::string& host);

}  // namespace xpush::interceptor
