#pragma once
// The gateway's HTTPS server: Boost.Beast over OpenSSL, HTTP/1.1 with keep-alive.
//
// Every connection is a session on its own strand. The server enforces the limits in
// ServerSettings (431 for an oversized header, 413 for an oversized body, deadlines on the
// handshake, on each read and write, and on idle keep-alive connections, and a cap on open
// connections), answers unmatched routes with JSON 404/405 bodies, gives every request an id
// (X-Request-Id, reused from the client when it is a sane token), writes one access-log line per
// request, and records metrics in the registry it is given.
//
// A response with a ResponseStream (http_message.hpp) is sent with chunked transfer encoding:
// each piece the stream delivers is one chunk, written under the write deadline; waiting for a
// piece has no deadline (a stream that may wait long sends its own keep-alive pieces, which
// also reveal a client that has gone). The access-log line is written when the body ends.
//
// Graceful shutdown (shutdown(), or SIGTERM/SIGINT under run(true)): the listener closes at
// once; connections with no request in flight close at once; a request whose first bytes have
// arrived is read, handled and answered (with Connection: close), for up to
// settings.shutdown_grace; a streamed body is asked to end (ResponseStream::close()); after
// that, remaining connections are cut.
//
// Thread-safety: create() and the setters on one thread; shutdown(), draining(), port() from
// any thread.

#include <chrono>
#include <cstdint>
#include <memory>

#include "cxgw/core/config.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/core/result.hpp"
#include "cxgw/gateway/http/router.hpp"

namespace cxgw::gateway {

class HttpsServer {
 public:
  // Loads the TLS material and binds the listening socket. Fails with the config key of the
  // certificate, key or address that could not be used. `metrics` must outlive the server.
  static Result<std::unique_ptr<HttpsServer>> create(const ServerSettings& settings,
                                                     MetricsRegistry& metrics);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // The bound port (useful when settings.port is 0).
  uint16_t port() const;
  // Expiry of the server certificate (the first in the chain).
  std::chrono::system_clock::time_point certificateNotAfter() const;
  // True from the moment shutdown begins.
  bool draining() const;

  // Starts the I/O threads and returns. `router` is shared read-only by all threads.
  // With handle_signals, SIGTERM and SIGINT begin a graceful shutdown.
  void start(std::shared_ptr<const Router> router, bool handle_signals);
  // Begins a graceful shutdown. Idempotent.
  void shutdown();
  // Blocks until shutdown has completed and the I/O threads have ended.
  void wait();

  struct Impl;

 private:
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxgw::gateway
