#pragma once
// The gateway's outbound HTTPS/1.1 client, for Dataspace Protocol messages to partners'
// connectors: mutual TLS, where cxgw presents its own certificate and verifies the partner's
// server certificate against a configured CA bundle.
//
// Security: only https URLs are accepted (an http URL is refused, never downgraded). The server's
// chain must verify against HttpsClientSettings::ca_file alone (the system trust store is not
// used), and with verify_hostname its certificate must name the URL's host (subjectAltName DNS or
// IP entry; no partial wildcards). TLS 1.2 is the lowest version offered. SNI carries the host
// name (not sent for IP literals). Redirects are not followed: a 3xx is returned like any status.
//
// Connections: HTTP/1.1 keep-alive (unless HttpsClientSettings::keep_alive is off). A connection
// whose response allows it goes back to a pool (at most 8 idle per host:port, each for at most 15
// s) and carries a later request to the same host:port, so a DSP flow pays the TCP and TLS
// handshakes once instead of per message. A pooled connection the server has closed meanwhile is
// noticed before use and dropped. When a reused connection breaks before a byte of the response
// arrives (the server closed it as the request left), the request is sent once more on a new
// connection; this is the one case where a POST is sent twice, and the server cannot have acted on
// the first copy unless it failed after reading it without answering. A connection with any other
// failure is closed, never reused.
//
// Time limits: connect_timeout covers name resolution, the TCP connect and the TLS handshake of
// a new connection; request_timeout then covers writing the request and reading the whole
// response. A server that never answers therefore fails the call after at most
// connect_timeout + request_timeout (name resolution goes through the system resolver, whose own
// time limits apply to that step); a resend after a broken reused connection starts both anew.
//
// Thread-safety: create() loads the TLS material once; afterwards only the pool changes, under
// a lock, and send() may be called concurrently from any number of threads, each exchange on a
// connection of its own. Nothing throws: every failure is an Error value.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::gateway {

struct HttpsClientSettings {
  // PEM bundle of the CAs that partners' server certificates must chain to. Required.
  std::filesystem::path ca_file;
  // The client identity presented to servers that ask for one: a PEM chain (leaf first) and its
  // PEM private key, optionally encrypted with private_key_password. Both or neither.
  std::filesystem::path certificate_chain_file;
  std::filesystem::path private_key_file;
  std::string private_key_password;                  // secret
  std::chrono::milliseconds connect_timeout{5000};   // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{15000};  // the whole exchange after the handshake
  size_t max_response_bytes = 8 * 1024 * 1024;       // response body; the header has 64 KiB
  bool verify_hostname = true;  // false only for partners known by certificate, not by name
  // false: one connection per request ("Connection: close"), nothing pooled.
  bool keep_alive = true;
};

struct OutboundRequest {
  std::string method;  // "GET", "POST", …
  std::string url;     // absolute https URL; the fragment is not sent
  // Extra header fields. Host, Content-Length, Transfer-Encoding and Connection are set by the
  // client and refused here; names must be HTTP tokens, values must not contain CR, LF or NUL.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";  // sent when the body is not empty
  // When set, the response body is not collected: each piece is handed to on_body, with the
  // response's status, as it arrives (a Server-Sent Events stream, say), with max_silence (or,
  // when zero, request_timeout) as the longest wait for the next piece instead of a limit on the
  // whole exchange, and no max_response_bytes. Returning false ends the exchange early. The
  // connection is never reused afterwards.
  std::function<bool(unsigned status, std::string_view piece)> on_body;
  std::chrono::milliseconds max_silence{0};
};

struct OutboundResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order
  std::string body;

  // First header with this name (case-insensitive), if any. The view points into `headers`.
  std::optional<std::string_view> header(std::string_view name) const;
};

class HttpsClient {
 public:
  // Loads the CA bundle and, when given, the client certificate chain and key. Failures name the
  // file in Error::file and the settings field in Error::key: kNotFound for a file that does not
  // exist, kTlsError for one OpenSSL cannot use (not PEM, wrong password, key not matching the
  // certificate), kInvalidArgument for a certificate without a key or the reverse.
  static Result<std::unique_ptr<HttpsClient>> create(HttpsClientSettings settings);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Sends the request and blocks until the whole response has been read, or a limit is hit.
  // Any status, 4xx and 5xx included, is a successful exchange and is returned. Errors:
  //   kInvalidArgument  the request cannot be sent as given (malformed or non-https URL, bad
  //                     method or header), or the response is not acceptable (body over
  //                     max_response_bytes, malformed HTTP)
  //   kUnavailable      the partner could not be reached or did not answer in time: name
  //                     resolution, connection refused, timeouts, TLS handshake failures
  //                     (with OpenSSL's reason, e.g. "certificate verify failed: hostname
  //                     mismatch"), a connection that breaks before the response is complete
  // Messages name the URL (or host:port) and the limit or reason.
  Result<OutboundResponse> send(const OutboundRequest& request) const;

  struct Impl;

 private:
  explicit HttpsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<const Impl> impl_;
};

}  // namespace cxgw::gateway
