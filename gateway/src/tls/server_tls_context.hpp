#pragma once
// Building the server's OpenSSL context from TlsSettings, and reading a verified peer
// certificate. Private to gateway/.

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "cxgw/core/config.hpp"
#include "cxgw/core/result.hpp"
#include "cxgw/gateway/http/http_message.hpp"

namespace cxgw::gateway {

struct ServerTlsContext {
  std::unique_ptr<boost::asio::ssl::context> context;
  std::chrono::system_clock::time_point certificate_not_after;
};

// TLS 1.2 and 1.3 only (or 1.3 only), forward-secret AEAD cipher suites, no compression, no
// renegotiation; client certificates per settings.client_certificates. Errors name the key.
Result<ServerTlsContext> createServerTlsContext(const TlsSettings& settings);

// The peer's certificate when it presented one that verified; nullopt otherwise.
std::optional<PeerCertificate> verifiedPeerCertificate(SSL* ssl);

// The OpenSSL error queue as one line, emptying it.
std::string drainOpenSslErrors();

std::chrono::system_clock::time_point certificateNotAfter(X509* certificate);

}  // namespace cxgw::gateway
