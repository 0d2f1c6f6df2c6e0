#pragma once
// The request and response that handlers see. Plain values, free of Beast types, so that
// handlers can be written and tested without sockets.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxgw::gateway {

// The client certificate that the TLS layer verified for this connection.
struct PeerCertificate {
  std::string subject;                 // RFC 2253, e.g. "CN=BPNL000000000OEM,O=OEM AG"
  std::string issuer;                  // RFC 2253
  std::string common_name;             // CN of the subject, empty when absent
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::vector<std::string> uris;       // subjectAltName URI entries
  std::string serial_hex;
  std::string sha256_fingerprint;  // lower-case hex of the DER encoding
  std::chrono::system_clock::time_point not_after;
};

struct HttpRequest {
  std::string method;  // "GET", …
  std::string target;  // as received: path and query, percent-encoded
  std::string path;    // decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order
  std::string body;

  std::string request_id;                          // also sent back as X-Request-Id
  std::string route;                               // the matched route pattern, e.g. "/x/{id}"
  std::map<std::string, std::string> path_params;  // decoded values of {name} segments
  std::optional<PeerCertificate> peer;             // set when the client presented a verified cert
  std::string remote_address;

  // First header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // First query parameter with this name, if any.
  std::optional<std::string_view> queryParam(std::string_view name) const;
};

// The body of a response sent as it is produced, e.g. a Server-Sent Events stream: the server
// writes the header at once, then asks for the body piece by piece and sends each piece as an
// HTTP/1.1 chunk, until the stream says it is complete.
class ResponseStream {
 public:
  using Deliver = std::function<void(std::optional<std::string>)>;
  virtual ~ResponseStream() = default;
  // Asks for the next piece. Call `deliver` exactly once, from any thread, when the piece is
  // ready: with its bytes, or with nullopt when the body is complete. The server asks again only
  // after `deliver` has run and the piece is written, so a stream may take as long as it likes.
  virtual void next(Deliver deliver) = 0;
  // The connection is ending (the client left, a write failed, or the server shuts down): answer
  // a pending next() with nullopt soon and produce nothing more. Any thread, any number of times.
  virtual void close() = 0;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // ignored when `stream` is set
  std::shared_ptr<ResponseStream> stream;

  static HttpResponse json(unsigned status, std::string body);
  static HttpResponse text(unsigned status, std::string body, std::string content_type);
  // {"error":{"code":…,"message":…,"request_id":…}}; code is a stable lower_snake name.
  static HttpResponse error(unsigned status, std::string_view code, std::string_view message,
                            std::string_view request_id = {});
};

// Completes a request. Call exactly once, from any thread; the response is written on the
// connection's own strand.
using Responder = std::function<void(HttpResponse)>;

// An asynchronous handler: it may answer at once or hand the request to a worker pool and
// answer later. It must not block the calling I/O thread.
using AsyncHandler = std::function<void(HttpRequest&, Responder)>;
// A handler that answers at once, without blocking.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace cxgw::gateway
