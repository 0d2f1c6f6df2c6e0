#include "cxgw/gateway/http/https_server.hpp"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cxgw/core/ids.hpp"
#include "cxgw/core/logging.hpp"
#include "tls/server_tls_context.hpp"

namespace cxgw::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kTlsShutdownTimeout{2};
constexpr size_t kFirstReadBytes = 4096;
// After refusing a request whose body was not read (413, 431, 400), the server keeps reading and
// discarding for a while before it closes. Closing with unread bytes makes the kernel send a
// reset, and a reset can reach the client before it has read the refusal, so the client would see
// "connection reset" instead of the status that explains why.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr size_t kLingerBytes = size_t{1} << 20;

// A client-supplied request id is reused only when it is a short, plain token; otherwise it
// could inject text into logs or headers.
bool saneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

struct ServerMetrics {
  explicit ServerMetrics(MetricsRegistry& registry)
      : requests(registry.counterFamily("cxgw_http_requests_total",
                                        "HTTP requests answered, by method, route and status",
                                        {"method", "route", "status"})),
        latency(registry.histogramFamily(
            "cxgw_http_request_duration_seconds",
            "Time from a request's first byte to its response being written, by route", {"route"},
            {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
        open_connections(registry.gauge("cxgw_http_open_connections", "Open HTTPS connections")),
        rejected_connections(registry.counter(
            "cxgw_http_connections_rejected_total",
            "Connections closed at once because server.limits.max_connections was reached")),
        handshake_failures(registry.counter("cxgw_tls_handshake_failures_total",
                                            "TLS handshakes that failed or timed out")) {}

  MetricFamily<Counter>& requests;
  MetricFamily<Histogram>& latency;
  Gauge& open_connections;
  Counter& rejected_connections;
  Counter& handshake_failures;
};

class Session;

}  // namespace

struct HttpsServer::Impl {
  Impl(const ServerSettings& s, MetricsRegistry& registry, ServerTlsContext tls_context)
      : settings(s),
        metrics(registry),
        tls(std::move(tls_context)),
        io(static_cast<int>(threadCount())),
        acceptor(net::make_strand(io)),
        grace_timer(acceptor.get_executor()),
        accept_retry_timer(acceptor.get_executor()),
        signals(acceptor.get_executor()) {}

  unsigned threadCount() const {
    if (settings.threads > 0) return settings.threads;
    return std::max(1U, std::thread::hardware_concurrency());
  }

  void accept();
  void onAccept(beast::error_code ec, tcp::socket socket);
  void beginShutdown();
  void finishIfIdle();  // on the acceptor strand

  void registerSession(Session* session, const std::shared_ptr<Session>& shared) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(session, shared);
  }
  void unregisterSession(Session* session) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(session);
    if (draining.load() && sessions.empty()) {
      net::post(acceptor.get_executor(), [this] { finishIfIdle(); });
    }
  }
  std::vector<std::shared_ptr<Session>> liveSessions() {
    std::lock_guard lock(sessions_mutex);
    std::vector<std::shared_ptr<Session>> out;
    for (auto& [raw, weak] : sessions) {
      if (auto shared = weak.lock()) out.push_back(std::move(shared));
    }
    return out;
  }

  const ServerSettings settings;
  ServerMetrics metrics;
  ServerTlsContext tls;
  std::shared_ptr<const Router> router;
  net::io_context io;
  tcp::acceptor acceptor;
  net::steady_timer grace_timer;
  net::steady_timer accept_retry_timer;
  net::signal_set signals;
  std::atomic<bool> draining{false};
  bool grace_expired = false;  // acceptor strand only
  std::vector<std::thread> threads;
  std::mutex sessions_mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<size_t> open_connections{0};
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpsServer::Impl& server)
      : server_(server), stream_(std::move(socket), *server.tls.context) {
    beast::error_code ec;
    const auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec)
      remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    server_.metrics.open_connections.add(1);
  }

  ~Session() {
    server_.metrics.open_connections.add(-1);
    server_.open_connections.fetch_sub(1);
    server_.unregisterSession(this);
  }

  void start() {
    server_.registerSession(this, shared_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  // Posted by the server when shutdown begins. A streamed body is asked to end, so that its
  // last chunk goes out before the connection closes.
  void drain() {
    draining_ = true;
    if (body_stream_) body_stream_->close();
    if (!in_flight_) beast::get_lowest_layer(stream_).cancel();
  }

  // Posted by the server when the grace period has run out.
  void cut() {
    if (body_stream_) body_stream_->close();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

 private:
  const ServerLimits& limits() const { return server_.settings.limits; }

  void handshake() {
    if (draining_) return;
    beast::get_lowest_layer(stream_).expires_after(limits().header_timeout);
    stream_.async_handshake(
        net::ssl::stream_base::server,
        [self = shared_from_this()](beast::error_code ec) { self->onHandshake(ec); });
  }

  void onHandshake(beast::error_code ec) {
    if (ec) {
      if (!draining_) {
        server_.metrics.handshake_failures.increment();
        logInfo("tls handshake failed",
                {{"remote", remote_address_},
                 {"reason", ec == beast::error::timeout ? std::string("timed out") : ec.message()},
                 {"detail", drainOpenSslErrors()}});
      }
      return;
    }
    peer_ = verifiedPeerCertificate(stream_.native_handle());
    waitForRequest();
  }

  // Waits for the first bytes of the next request under the idle deadline. A request counts as
  // in flight from its first byte, so a graceful shutdown lets it finish.
  void waitForRequest() {
    if (draining_) return closeTls();
    if (buffer_.size() > 0) return readHeader();
    beast::get_lowest_layer(stream_).expires_after(limits().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              if (ec) return;  // idle timeout, close by peer, or drain
                              self->buffer_.commit(bytes);
                              self->readHeader();
                            });
  }

  void readHeader() {
    in_flight_ = true;
    started_ = Clock::now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().max_header_bytes));
    parser_->body_limit(limits().max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(limits().header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (ec) return rejectUnreadable(ec);
    const auto& header = parser_->get();
    const auto incoming_id = header.find("x-request-id");
    request_id_ = incoming_id != header.end() && saneRequestId(incoming_id->value())
                      ? std::string(incoming_id->value())
                      : randomUuid();
    method_ = std::string(header.method_string());
    if (logEnabled(LogLevel::kDebug)) {
      logDebug("request header received", {{"request_id", request_id_},
                                           {"method", method_},
                                           {"target", std::string_view(header.target())},
                                           {"remote", remote_address_}});
    }
    const auto length = parser_->content_length();
    if (length && *length > limits().max_body_bytes) {
      return rejectAndClose(413, "payload_too_large",
                            "request body of " + std::to_string(*length) +
                                " bytes exceeds the limit of " +
                                std::to_string(limits().max_body_bytes) + " bytes");
    }
    if (parser_->is_done()) return dispatch();
    beast::get_lowest_layer(stream_).expires_after(limits().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code read_ec, size_t) {
                       if (read_ec) return self->rejectUnreadable(read_ec);
                       self->dispatch();
                     });
  }

  // A request that cannot be read to its end: answer when the connection still allows it,
  // then close, since the stream cannot be resynchronised.
  void rejectUnreadable(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      return rejectAndClose(431, "request_header_fields_too_large",
                            "request header exceeds the limit of " +
                                std::to_string(limits().max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit) {
      return rejectAndClose(413, "payload_too_large",
                            "request body exceeds the limit of " +
                                std::to_string(limits().max_body_bytes) + " bytes");
    }
    if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::ssl::error::stream_truncated) {
      if (ec == beast::error::timeout) {
        logInfo("request read timed out", {{"remote", remote_address_}});
      }
      return;  // the socket is gone or going; nobody to answer
    }
    rejectAndClose(400, "bad_request", "malformed HTTP request: " + ec.message());
  }

  void rejectAndClose(unsigned status, std::string_view code, const std::string& message) {
    keep_alive_ = false;
    linger_ = true;
    if (!parser_->is_header_done()) {
      request_id_ = randomUuid();
      method_ = "-";
    }
    route_ = "-";
    write(HttpResponse::error(status, code, message, request_id_));
  }

  void dispatch() {
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.request_id = request_id_;
    request.peer = peer_;
    request.remote_address = remote_address_;
    keep_alive_ = message.keep_alive() && !draining_;
    route_ = "-";
    head_ = message.method() == http::verb::head;

    const auto target = boost::urls::parse_origin_form(request.target);
    if (!target) {
      return write(
          HttpResponse::error(400, "bad_request", "malformed request target", request.request_id));
    }
    request.path = target->path();
    std::vector<std::string> segments;
    for (auto segment : target->segments()) segments.emplace_back(segment);
    for (auto param : target->params()) request.query.emplace_back(param.key, param.value);

    Router::Match match = server_.router->match(request.method, segments);
    if (match.outcome == Router::Match::Outcome::kNotFound) {
      return write(HttpResponse::error(404, "not_found", "no resource at " + request.path,
                                       request.request_id));
    }
    if (match.outcome == Router::Match::Outcome::kMethodNotAllowed) {
      std::string allow;
      for (const auto& method : match.allowed_methods)
        allow += (allow.empty() ? "" : ", ") + method;
      HttpResponse response = HttpResponse::error(
          405, "method_not_allowed", request.method + " is not allowed here; allowed: " + allow,
          request.request_id);
      response.headers.emplace_back("Allow", allow);
      return write(std::move(response));
    }
    route_ = match.route;
    request.route = std::move(match.route);
    request.path_params = std::move(match.params);

    auto answered = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self = shared_from_this(), answered](HttpResponse response) {
      if (answered->exchange(true)) return;
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response));
      });
    };
    try {
      (*match.handler)(request, respond);
    } catch (const std::exception& e) {
      logError("handler threw",
               {{"request_id", request_id_}, {"route", route_}, {"what", e.what()}});
      respond(HttpResponse::error(500, "internal", "internal error", request_id_));
    }
  }

  // The header fields every response carries, for either body type.
  template <typename Body>
  void setHeader(http::response<Body>& message, HttpResponse& response) {
    message.version(11);
    message.result(response.status);
    message.set(http::field::server, "cxgw");
    message.set("X-Request-Id", request_id_);
    if (!response.content_type.empty()) {
      message.set(http::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) message.set(name, value);
    message.keep_alive(keep_alive_);
    status_ = response.status;
  }

  void write(HttpResponse response) {
    if (draining_) keep_alive_ = false;
    if (response.stream) {
      if (!head_) return writeStreamHead(std::move(response));
      response.stream->close();
      response.stream.reset();
    }
    auto message = std::make_shared<http::response<http::string_body>>();
    setHeader(*message, response);
    const size_t body_size = response.body.size();
    message->body() = std::move(response.body);
    message->prepare_payload();
    if (head_) message->body().clear();
    bytes_out_ = body_size;

    beast::get_lowest_layer(stream_).expires_after(limits().write_timeout);
    http::async_write(
        stream_, *message,
        [self = shared_from_this(), message](beast::error_code ec, size_t) { self->onWrite(ec); });
  }

  // --- a streamed body: the header, then one chunk per piece, then the last chunk -----------

  void writeStreamHead(HttpResponse response) {
    body_stream_ = std::move(response.stream);
    auto message = std::make_shared<http::response<http::empty_body>>();
    setHeader(*message, response);
    message->chunked(true);
    bytes_out_ = 0;
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*message);
    beast::get_lowest_layer(stream_).expires_after(limits().write_timeout);
    http::async_write_header(stream_, *serializer,
                             [self = shared_from_this(), message, serializer](
                                 beast::error_code ec, size_t) { self->onStreamWritten(ec); });
  }

  void onStreamWritten(beast::error_code ec) {
    if (ec) {
      body_stream_->close();
      body_stream_.reset();
      keep_alive_ = false;
      return onWrite(ec);
    }
    // Waiting for the next piece is not a write: no deadline until there is something to send.
    beast::get_lowest_layer(stream_).expires_never();
    body_stream_->next([self = shared_from_this()](std::optional<std::string> piece) {
      net::post(self->stream_.get_executor(), [self, piece = std::move(piece)]() mutable {
        self->onStreamPiece(std::move(piece));
      });
    });
  }

  void onStreamPiece(std::optional<std::string> piece) {
    beast::get_lowest_layer(stream_).expires_after(limits().write_timeout);
    if (!piece) {
      body_stream_.reset();
      return net::async_write(
          stream_, http::make_chunk_last(),
          [self = shared_from_this()](beast::error_code ec, size_t) { self->onWrite(ec); });
    }
    if (piece->empty()) return onStreamWritten({});  // an empty chunk would end the body
    bytes_out_ += piece->size();
    auto data = std::make_shared<std::string>(std::move(*piece));
    net::async_write(stream_, http::make_chunk(net::buffer(*data)),
                     [self = shared_from_this(), data](beast::error_code ec, size_t) {
                       self->onStreamWritten(ec);
                     });
  }

  void onWrite(beast::error_code ec) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    const std::string status = std::to_string(status_);
    server_.metrics.requests.withLabels({method_, route_, status}).increment();
    server_.metrics.latency.withLabels({route_}).observe(seconds);
    logInfo("request", {{"request_id", request_id_},
                        {"method", method_},
                        {"route", route_},
                        {"status", status_},
                        {"duration_ms", seconds * 1000.0},
                        {"bytes_out", bytes_out_},
                        {"peer", peer_ ? peer_->common_name : std::string()},
                        {"remote", remote_address_}});
    if (ec)
      logInfo("response write failed", {{"request_id", request_id_}, {"reason", ec.message()}});
    in_flight_ = false;
    head_ = false;
    if (ec) return;
    if (!keep_alive_) return linger_ && !draining_ ? discardThenClose(0) : closeTls();
    waitForRequest();
  }

  // Reads and drops what the client still sends, until it closes, the time is up or the byte
  // budget is spent, then closes; see kLingerTimeout.
  void discardThenClose(size_t discarded) {
    if (discarded == 0) beast::get_lowest_layer(stream_).expires_after(kLingerTimeout);
    buffer_.clear();
    stream_.async_read_some(
        buffer_.prepare(kFirstReadBytes),
        [self = shared_from_this(), discarded](beast::error_code ec, size_t bytes) {
          if (ec == beast::error::timeout) return;  // the timer already closed the socket
          if (ec || self->draining_ || discarded + bytes >= kLingerBytes) return self->closeTls();
          self->discardThenClose(discarded + bytes);
        });
  }

  void closeTls() {
    beast::get_lowest_layer(stream_).expires_after(kTlsShutdownTimeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      auto& socket = beast::get_lowest_layer(self->stream_).socket();
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      socket.close(ignored);
    });
  }

  HttpsServer::Impl& server_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<PeerCertificate> peer_;
  std::shared_ptr<ResponseStream> body_stream_;  // while a streamed body is being sent
  std::string remote_address_;
  bool in_flight_ = false;
  bool draining_ = false;
  bool keep_alive_ = true;
  bool linger_ = false;
  bool head_ = false;
  Clock::time_point started_;
  std::string request_id_;
  std::string method_;
  std::string route_;
  unsigned status_ = 0;
  size_t bytes_out_ = 0;
};

}  // namespace

void HttpsServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    onAccept(ec, std::move(socket));
  });
}

void HttpsServer::Impl::onAccept(beast::error_code ec, tcp::socket socket) {
  if (draining.load() || !acceptor.is_open()) return;
  if (ec) {
    logWarn("accept failed", {{"reason", ec.message()}});
    // Out of descriptors and similar: back off briefly instead of spinning.
    accept_retry_timer.expires_after(std::chrono::milliseconds(50));
    accept_retry_timer.async_wait([this](beast::error_code) {
      if (!draining.load()) accept();
    });
    return;
  }
  if (open_connections.load() >= settings.limits.max_connections) {
    metrics.rejected_connections.increment();
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    open_connections.fetch_add(1);
    std::make_shared<Session>(std::move(socket), *this)->start();
  }
  accept();
}

void HttpsServer::Impl::beginShutdown() {
  if (draining.exchange(true)) return;
  logInfo("shutdown started",
          {{"grace_ms", static_cast<int64_t>(settings.shutdown_grace.count())},
           {"open_connections", static_cast<uint64_t>(open_connections.load())}});
  beast::error_code ignored;
  acceptor.close(ignored);
  signals.cancel(ignored);
  accept_retry_timer.cancel();
  for (const auto& session : liveSessions()) {
    net::post(session->executor(), [session] { session->drain(); });
  }
  grace_timer.cancel();
  grace_timer.expires_after(settings.shutdown_grace);
  grace_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    grace_expired = true;
    const auto remaining = liveSessions();
    if (!remaining.empty()) {
      logWarn("shutdown grace expired; cutting connections",
              {{"connections", static_cast<uint64_t>(remaining.size())}});
    }
    for (const auto& session : remaining) {
      net::post(session->executor(), [session] { session->cut(); });
    }
  });
  finishIfIdle();
}

void HttpsServer::Impl::finishIfIdle() {
  std::lock_guard lock(sessions_mutex);
  if (sessions.empty()) grace_timer.cancel();
}

HttpsServer::HttpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsServer::~HttpsServer() {
  if (!impl_->threads.empty()) {
    shutdown();
    wait();
  }
}

Result<std::unique_ptr<HttpsServer>> HttpsServer::create(const ServerSettings& settings,
                                                         MetricsRegistry& metrics) {
  auto tls = createServerTlsContext(settings.tls);
  if (!tls) return tls.error();
  auto impl = std::make_unique<Impl>(settings, metrics, std::move(tls).value());

  beast::error_code ec;
  const auto address = net::ip::make_address(settings.bind_address, ec);
  if (ec) {
    return Error{ErrorCode::kInvalidArgument, "not an IP address: '" + settings.bind_address + "'",
                 "server.bind_address", "", 0};
  }
  const tcp::endpoint endpoint(address, settings.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{ErrorCode::kUnavailable,
                 "cannot listen on " + settings.bind_address + ":" + std::to_string(settings.port) +
                     ": " + ec.message(),
                 "server.port", "", 0};
  }
  return std::unique_ptr<HttpsServer>(new HttpsServer(std::move(impl)));
}

uint16_t HttpsServer::port() const {
  beast::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? impl_->settings.port : endpoint.port();
}

std::chrono::system_clock::time_point HttpsServer::certificateNotAfter() const {
  return impl_->tls.certificate_not_after;
}

bool HttpsServer::draining() const {
  return impl_->draining.load();
}

void HttpsServer::start(std::shared_ptr<const Router> router, bool handle_signals) {
  impl_->router = std::move(router);
  if (handle_signals) {
    impl_->signals.add(SIGTERM);
    impl_->signals.add(SIGINT);
    impl_->signals.async_wait([impl = impl_.get()](beast::error_code ec, int signal_number) {
      if (ec) return;
      logInfo("signal received", {{"signal", signal_number}});
      impl->beginShutdown();
    });
  }
  net::dispatch(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->accept(); });
  const unsigned count = impl_->threadCount();
  logInfo("listening", {{"address", impl_->settings.bind_address},
                        {"port", static_cast<unsigned>(port())},
                        {"threads", count}});
  for (unsigned i = 0; i < count; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->io.run(); });
  }
}

void HttpsServer::shutdown() {
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->beginShutdown(); });
}

void HttpsServer::wait() {
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  impl_->threads.clear();
}

}  // namespace cxgw::gateway
