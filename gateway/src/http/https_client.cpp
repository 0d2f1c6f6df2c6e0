#include "cxgw/gateway/http/https_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace cxgw::gateway {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr uint16_t kHttpsPort = 443;
// Waiting for the server's close_notify is a courtesy, not part of the exchange.
constexpr std::chrono::milliseconds kCloseTimeout{500};
// Idle connections kept per host:port, and for how long. Servers close idle connections after
// their own timeout (cxgw's server.limits.idle_timeout); a connection older than this is not
// reused, and one the server has closed meanwhile is noticed before it is used.
constexpr size_t kMaxIdlePerAuthority = 8;
constexpr std::chrono::seconds kMaxIdleTime{15};

// The server's TLS 1.2 policy (tls/server_tls_context.cpp): ECDHE key exchange with AEAD
// ciphers only. TLS 1.3 uses OpenSSL's defaults, which are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openSslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out;
}

Error fileError(ErrorCode code, const std::string& key, const std::filesystem::path& file,
                const std::string& what) {
  const std::string detail = openSslErrors();
  return Error{code, what + (detail.empty() ? "" : ": " + detail), key, file.string(), 0};
}

// Checks that a configured file is there before OpenSSL is asked to read it, so that a typo in
// a path is reported as such rather than as an OpenSSL parse error.
Status requireFile(const std::string& key, const std::filesystem::path& file,
                   const std::string& what) {
  if (file.empty()) {
    return Error{ErrorCode::kMissingKey, key + " is required (" + what + ")", key, "", 0};
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Error{ErrorCode::kNotFound, what + " " + file.string() + " does not exist", key,
                 file.string(), 0};
  }
  return {};
}

Error invalidRequest(const std::string& message) {
  return Error{ErrorCode::kInvalidArgument, message, "", "", 0};
}
Error unavailable(const std::string& message) {
  return Error{ErrorCode::kUnavailable, message, "", "", 0};
}

std::string millis(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

bool isTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return kSymbols.find(c) != std::string_view::npos;
}

bool isToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Where a request goes, taken from its URL.
struct Target {
  std::string host;  // DNS name, or IP address without brackets
  bool host_is_ip = false;
  uint16_t port = kHttpsPort;
  std::string authority;  // "host:port" for messages
  std::string host_header;
  std::string resource;  // path and query, percent-encoded
};

Result<Target> parseTarget(const std::string& url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return invalidRequest("'" + url + "' is not an absolute URL: " + parsed.error().message());
  }
  const boost::urls::url_view& view = *parsed;
  if (view.scheme_id() != boost::urls::scheme::https) {
    return invalidRequest("refusing '" + url + "': only https URLs are allowed");
  }
  if (view.has_userinfo()) {
    return invalidRequest("refusing '" + url + "': credentials in a URL are not sent");
  }
  Target target;
  switch (view.host_type()) {
    case boost::urls::host_type::name:
      target.host = view.host();
      break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      target.host = view.host_address();
      target.host_is_ip = true;
      break;
    default:
      break;
  }
  const bool plain_name = std::all_of(target.host.begin(), target.host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
  if (target.host.empty() || (!target.host_is_ip && !plain_name)) {
    return invalidRequest("refusing '" + url + "': it names no usable host");
  }
  if (view.has_port() && !view.port().empty()) {
    // port_number() does not reject every out-of-range value, so the digits are read here.
    unsigned long port = 0;
    for (char c : view.port()) {
      port = port * 10 + static_cast<unsigned long>(c - '0');
      if (port > 65535) break;
    }
    if (port == 0 || port > 65535) {
      return invalidRequest("refusing '" + url + "': port out of range");
    }
    target.port = static_cast<uint16_t>(port);
  }
  const std::string host_text = std::string(view.encoded_host());
  target.authority = host_text + ":" + std::to_string(target.port);
  target.host_header =
      target.port == kHttpsPort ? host_text : host_text + ":" + std::to_string(target.port);
  target.resource = std::string(view.encoded_path());
  if (target.resource.empty()) target.resource = "/";
  if (view.has_query()) target.resource += "?" + std::string(view.encoded_query());
  return target;
}

Result<http::request<http::string_body>> buildMessage(const OutboundRequest& request,
                                                      const Target& target, bool keep_alive) {
  if (!isToken(request.method)) {
    return invalidRequest("'" + request.method + "' is not an HTTP method");
  }
  http::request<http::string_body> message;
  message.version(11);
  message.method_string(request.method);
  message.target(target.resource);
  message.set(http::field::host, target.host_header);
  message.set(http::field::user_agent, "cxgw");
  for (const auto& [name, value] : request.headers) {
    if (!isToken(name)) return invalidRequest("'" + name + "' is not an HTTP header name");
    for (std::string_view managed : {"host", "content-length", "transfer-encoding", "connection"}) {
      if (equalsIgnoringCase(name, managed)) {
        return invalidRequest("header " + name + " is set by the client and cannot be given");
      }
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return invalidRequest("the value of header " + name + " contains CR, LF or NUL");
    }
    message.insert(name, value);
  }
  if (!request.body.empty() && !request.content_type.empty()) {
    if (request.content_type.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return invalidRequest("the content type contains CR, LF or NUL");
    }
    message.set(http::field::content_type, request.content_type);
  }
  message.keep_alive(keep_alive);
  message.body() = request.body;
  message.prepare_payload();
  return message;
}

// The status and header fields (names in lower case) of a response, without its body.
OutboundResponse responseHead(const http::response_header<>& head) {
  OutboundResponse response;
  response.status = head.result_int();
  for (const auto& field : head) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  return response;
}

// Runs the connection's private io_context until the operation that `start` initiates has
// completed, and returns its error. Every operation on the stream has a deadline (the stream's
// expiry), so this returns by then.
template <typename Start>
beast::error_code complete(net::io_context& io, Start&& start) {
  beast::error_code result;
  std::forward<Start>(start)([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

}  // namespace

// One TLS connection with the io_context that runs it, kept for reuse between exchanges.
struct Connection {
  explicit Connection(ssl::context& context) : stream(io, context) {}

  // A connection the server has closed (or written to unasked) while it sat idle is readable:
  // it cannot carry another request.
  bool closedByPeer() {
    pollfd descriptor{beast::get_lowest_layer(stream).socket().native_handle(), POLLIN, 0};
    return ::poll(&descriptor, 1, 0) != 0;
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  }

  net::io_context io{1};
  beast::ssl_stream<beast::tcp_stream> stream;
  SteadyClock::time_point idle_since;
};

struct HttpsClient::Impl {
  Impl(HttpsClientSettings s, std::unique_ptr<ssl::context> c)
      : settings(std::move(s)), context(std::move(c)) {}
  ~Impl() {
    for (auto& [authority, connections] : idle) {
      for (auto& connection : connections) connection->close();
    }
  }

  Result<OutboundResponse> exchange(const OutboundRequest& request) const;
  Result<std::unique_ptr<Connection>> connect(const Target& to,
                                              SteadyClock::time_point started) const;
  // One request and its response on `connection`. `unanswered` is set when the connection broke
  // before a byte of the response arrived (the request may be sent again on a new connection
  // if this one was reused); `reusable` when the connection may carry the next request.
  Result<OutboundResponse> roundTrip(Connection& connection,
                                     http::request<http::string_body>& message,
                                     const OutboundRequest& request, const Target& to,
                                     bool& unanswered, bool& reusable) const;
  // The response to a request with on_body, once the request is written.
  Result<OutboundResponse> streamResponse(Connection& connection, const OutboundRequest& request,
                                          bool& unanswered) const;
  Error handshakeError(beast::error_code ec, SSL* ssl, const std::string& authority) const;

  std::unique_ptr<Connection> takeIdle(const std::string& authority) const;
  void keepIdle(const std::string& authority, std::unique_ptr<Connection> connection) const;

  const HttpsClientSettings settings;
  // Shared by all connections. OpenSSL allows creating connections from one SSL_CTX on many
  // threads as long as nobody changes the context, which nothing does after create().
  const std::unique_ptr<ssl::context> context;
  mutable std::mutex idle_mutex;
  mutable std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
};

std::unique_ptr<Connection> HttpsClient::Impl::takeIdle(const std::string& authority) const {
  std::vector<std::unique_ptr<Connection>> stale;
  std::unique_ptr<Connection> found;
  {
    std::lock_guard lock(idle_mutex);
    auto it = idle.find(authority);
    if (it == idle.end()) return nullptr;
    auto& connections = it->second;
    const auto now = SteadyClock::now();
    while (!connections.empty() && !found) {
      std::unique_ptr<Connection> candidate = std::move(connections.back());
      connections.pop_back();
      if (now - candidate->idle_since < kMaxIdleTime && !candidate->closedByPeer()) {
        found = std::move(candidate);
      } else {
        stale.push_back(std::move(candidate));
      }
    }
  }
  for (auto& connection : stale) connection->close();
  return found;
}

void HttpsClient::Impl::keepIdle(const std::string& authority,
                                 std::unique_ptr<Connection> connection) const {
  connection->idle_since = SteadyClock::now();
  {
    std::lock_guard lock(idle_mutex);
    auto& connections = idle[authority];
    if (connections.size() < kMaxIdlePerAuthority) {
      connections.push_back(std::move(connection));
      return;
    }
  }
  connection->close();
}

Error HttpsClient::Impl::handshakeError(beast::error_code ec, SSL* ssl,
                                        const std::string& authority) const {
  if (ec == beast::error::timeout) {
    return unavailable("TLS handshake with " + authority + " timed out after " +
                       millis(settings.connect_timeout) + " (connect_timeout)");
  }
  const long verify_result = SSL_get_verify_result(ssl);
  if (verify_result != X509_V_OK) {
    return unavailable("TLS handshake with " + authority + " failed: certificate verify failed: " +
                       X509_verify_cert_error_string(verify_result));
  }
  return unavailable("TLS handshake with " + authority + " failed: " + ec.message());
}

Result<std::unique_ptr<Connection>> HttpsClient::Impl::connect(
    const Target& to, SteadyClock::time_point started) const {
  auto connection = std::make_unique<Connection>(*context);
  beast::error_code ec;
  tcp::resolver resolver(connection->io);
  auto flags = tcp::resolver::numeric_service;
  if (to.host_is_ip) flags |= tcp::resolver::numeric_host;
  const auto endpoints = resolver.resolve(to.host, std::to_string(to.port), flags, ec);
  if (ec) return unavailable("cannot resolve " + to.host + ": " + ec.message());

  auto& stream = connection->stream;
  SSL* ssl = stream.native_handle();
  if (!to.host_is_ip && SSL_set_tlsext_host_name(ssl, to.host.c_str()) != 1) {
    return invalidRequest("cannot use '" + to.host + "' as TLS server name: " + openSslErrors());
  }
  if (settings.verify_hostname) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = to.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, to.host.c_str())
                                  : X509_VERIFY_PARAM_set1_host(param, to.host.c_str(), 0);
    if (set != 1) {
      return invalidRequest("cannot verify the server certificate against '" + to.host +
                            "': " + openSslErrors());
    }
  }

  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_at(started + settings.connect_timeout);
  ec = complete(connection->io,
                [&](auto handler) { tcp_layer.async_connect(endpoints, std::move(handler)); });
  if (ec == beast::error::timeout) {
    return unavailable("connecting to " + to.authority + " timed out after " +
                       millis(settings.connect_timeout) + " (connect_timeout)");
  }
  if (ec) return unavailable("cannot connect to " + to.authority + ": " + ec.message());

  ec = complete(connection->io, [&](auto handler) {
    stream.async_handshake(ssl::stream_base::client, std::move(handler));
  });
  if (ec) return handshakeError(ec, ssl, to.authority);
  return connection;
}

Result<OutboundResponse> HttpsClient::Impl::roundTrip(Connection& connection,
                                                      http::request<http::string_body>& message,
                                                      const OutboundRequest& request,
                                                      const Target& to, bool& unanswered,
                                                      bool& reusable) const {
  unanswered = false;
  reusable = false;
  auto& stream = connection.stream;
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(settings.request_timeout);
  const auto timed_out = [&] {
    return unavailable("no complete response from " + request.url + " within " +
                       millis(settings.request_timeout) + " (request_timeout)");
  };
  beast::error_code ec = complete(
      connection.io, [&](auto handler) { http::async_write(stream, message, std::move(handler)); });
  if (ec == beast::error::timeout) return timed_out();
  if (ec) {
    unanswered = true;
    return unavailable("sending the request to " + request.url + " failed: " + ec.message());
  }

  if (request.on_body) return streamResponse(connection, request, unanswered);

  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(settings.max_response_bytes);
  if (message.method() == http::verb::head) parser.skip(true);
  beast::flat_buffer buffer;
  ec = complete(connection.io, [&](auto handler) {
    http::async_read(stream, buffer, parser, std::move(handler));
  });
  if (ec == beast::error::timeout) return timed_out();
  if (ec == http::error::body_limit) {
    return invalidRequest("the response body from " + request.url + " exceeds the limit of " +
                          std::to_string(settings.max_response_bytes) +
                          " bytes (max_response_bytes)");
  }
  if (ec == http::error::header_limit) {
    return invalidRequest("the response header from " + request.url + " exceeds the limit of " +
                          std::to_string(kMaxResponseHeaderBytes) + " bytes");
  }
  if (ec && !parser.got_some()) unanswered = true;
  if (ec == http::error::end_of_stream) {
    return unavailable(to.authority + " closed the connection without answering " + request.url);
  }
  if (ec && ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
    return invalidRequest("malformed response from " + request.url + ": " + ec.message());
  }
  if (ec) {
    return unavailable("reading the response from " + request.url + " failed: " + ec.message());
  }

  const auto& reply = parser.get();
  OutboundResponse response = responseHead(reply);
  reusable = reply.keep_alive() && buffer.size() == 0;
  response.body = std::move(parser.get().body());
  return response;
}

Result<OutboundResponse> HttpsClient::Impl::streamResponse(Connection& connection,
                                                           const OutboundRequest& request,
                                                           bool& unanswered) const {
  auto& stream = connection.stream;
  auto& tcp_layer = beast::get_lowest_layer(stream);
  const auto silence =
      request.max_silence.count() > 0 ? request.max_silence : settings.request_timeout;
  const auto silent = [&] {
    return unavailable("no data from " + request.url + " for " + millis(silence) +
                       (request.max_silence.count() > 0 ? "" : " (request_timeout)"));
  };
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(boost::none);
  beast::flat_buffer buffer;
  beast::error_code ec = complete(connection.io, [&](auto handler) {
    http::async_read_header(stream, buffer, parser, std::move(handler));
  });
  if (ec == beast::error::timeout) return silent();
  if (ec) {
    unanswered = !parser.got_some();
    return unavailable("reading the response from " + request.url + " failed: " + ec.message());
  }
  OutboundResponse response = responseHead(parser.get());
  std::array<char, 16384> piece{};
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    tcp_layer.expires_after(silence);
    ec = complete(connection.io, [&](auto handler) {
      http::async_read_some(stream, buffer, parser, std::move(handler));  // what has arrived
    });
    if (ec == http::error::need_buffer) ec = {};
    if (ec == beast::error::timeout) return silent();
    if (ec) {
      return unavailable("reading the response from " + request.url + " failed: " + ec.message());
    }
    const size_t bytes = piece.size() - parser.get().body().size;
    if (bytes > 0 && !request.on_body(response.status, std::string_view(piece.data(), bytes))) {
      break;
    }
  }
  return response;
}

Result<OutboundResponse> HttpsClient::Impl::exchange(const OutboundRequest& request) const {
  const auto started = SteadyClock::now();
  auto target = parseTarget(request.url);
  if (!target) return target.error();
  const Target& to = target.value();
  auto built = buildMessage(request, to, settings.keep_alive);
  if (!built) return built.error();
  auto& message = built.value();

  std::unique_ptr<Connection> connection = settings.keep_alive ? takeIdle(to.authority) : nullptr;
  const bool reused = connection != nullptr;
  if (!connection) {
    auto connected = connect(to, started);
    if (!connected) return connected.error();
    connection = std::move(connected).value();
  }
  bool unanswered = false;
  bool reusable = false;
  auto response = roundTrip(*connection, message, request, to, unanswered, reusable);
  if (!response && reused && unanswered) {
    // The server closed the idle connection as the request left: it never saw the request,
    // so sending it again on a new connection is safe, also for a POST.
    connection->close();
    auto connected = connect(to, SteadyClock::now());
    if (!connected) return connected.error();
    connection = std::move(connected).value();
    response = roundTrip(*connection, message, request, to, unanswered, reusable);
  }
  if (request.on_body) reusable = false;
  if (response && reusable && settings.keep_alive) {
    keepIdle(to.authority, std::move(connection));
    return response;
  }
  if (response && !request.on_body) {  // a stream left early would have more to read first
    auto& tcp_layer = beast::get_lowest_layer(connection->stream);
    tcp_layer.expires_after(kCloseTimeout);
    complete(connection->io,
             [&](auto handler) { connection->stream.async_shutdown(std::move(handler)); });
  }
  connection->close();
  return response;
}

std::optional<std::string_view> OutboundResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoringCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

HttpsClient::HttpsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsClient::~HttpsClient() = default;

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(HttpsClientSettings settings) {
  if (settings.connect_timeout.count() <= 0 || settings.request_timeout.count() <= 0) {
    return Error{ErrorCode::kInvalidArgument, "timeouts must be positive",
                 settings.connect_timeout.count() <= 0 ? "connect_timeout" : "request_timeout", "",
                 0};
  }
  const bool has_certificate = !settings.certificate_chain_file.empty();
  const bool has_key = !settings.private_key_file.empty();
  if (has_certificate != has_key) {
    const std::string missing = has_certificate ? "private_key_file" : "certificate_chain_file";
    return Error{ErrorCode::kInvalidArgument,
                 "a client certificate needs both certificate_chain_file and private_key_file; " +
                     missing + " is missing",
                 missing, "", 0};
  }
  if (auto s = requireFile("ca_file", settings.ca_file, "CA bundle"); !s) return s.error();
  if (has_certificate) {
    if (auto s = requireFile("certificate_chain_file", settings.certificate_chain_file,
                             "client certificate chain");
        !s)
      return s.error();
    if (auto s = requireFile("private_key_file", settings.private_key_file, "client private key");
        !s)
      return s.error();
  }

  try {
    ERR_clear_error();
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
      return fileError(ErrorCode::kTlsError, "", {}, "cannot restrict TLS versions and ciphers");
    }
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);

    const std::string& ca = settings.ca_file.string();
    if (SSL_CTX_load_verify_locations(native, ca.c_str(), nullptr) != 1) {
      return fileError(ErrorCode::kTlsError, "ca_file", settings.ca_file,
                       "cannot load the CA bundle " + ca + " (PEM certificates expected)");
    }

    if (has_certificate) {
      // Always installed: without it, OpenSSL would prompt on the terminal for the password of
      // an encrypted key.
      context->set_password_callback(
          [password = settings.private_key_password](std::size_t, ssl::context::password_purpose) {
            return password;
          });
      const std::string& chain = settings.certificate_chain_file.string();
      if (SSL_CTX_use_certificate_chain_file(native, chain.c_str()) != 1) {
        return fileError(
            ErrorCode::kTlsError, "certificate_chain_file", settings.certificate_chain_file,
            "cannot load the client certificate chain " + chain + " (PEM certificates expected)");
      }
      const std::string& key = settings.private_key_file.string();
      if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
          return fileError(
              ErrorCode::kTlsError, "private_key_file", settings.private_key_file,
              "the client private key " + key + " does not match the certificate in " + chain);
        }
        return fileError(ErrorCode::kTlsError, "private_key_file", settings.private_key_file,
                         "cannot load the client private key " + key +
                             " (not a PEM key, or a wrong or missing private_key_password)");
      }
      if (SSL_CTX_check_private_key(native) != 1) {
        return fileError(
            ErrorCode::kTlsError, "private_key_file", settings.private_key_file,
            "the client private key " + key + " does not match the certificate in " + chain);
      }
    }
    auto impl = std::make_unique<Impl>(std::move(settings), std::move(context));
    return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(impl)));
  } catch (const std::exception& e) {
    ERR_clear_error();
    return Error{ErrorCode::kTlsError,
                 std::string("cannot create the TLS client context: ") + e.what(), "", "", 0};
  }
}

Result<OutboundResponse> HttpsClient::send(const OutboundRequest& request) const {
  Result<OutboundResponse> result = Error{};
  try {
    result = impl_->exchange(request);
  } catch (const std::exception& e) {
    // Out of memory or file descriptors while setting up the connection.
    result = unavailable("cannot send " + request.method + " " + request.url + ": " + e.what());
  }
  // Leave this thread's OpenSSL error queue as clean as it was, for whoever uses OpenSSL next.
  ERR_clear_error();
  return result;
}

}  // namespace cxgw::gateway
