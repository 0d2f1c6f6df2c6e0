#include "support/https_test_client.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

namespace cxgw::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct HttpsTestClient::Impl {
  Impl(uint16_t p, TlsClientOptions o)
      : port(p), options(std::move(o)), context(net::ssl::context::tls_client) {}

  uint16_t port;
  TlsClientOptions options;
  net::io_context io;
  net::ssl::context context;
  std::unique_ptr<beast::ssl_stream<tcp::socket>> stream;
  beast::flat_buffer buffer;
};

HttpsTestClient::HttpsTestClient(uint16_t port, TlsClientOptions options)
    : impl_(std::make_unique<Impl>(port, std::move(options))) {
  SSL_CTX* ctx = impl_->context.native_handle();
  const auto& o = impl_->options;
  if (o.allow_legacy_protocols) SSL_CTX_set_security_level(ctx, 0);
  if (o.allow_legacy_protocols) SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  if (o.min_version != 0) SSL_CTX_set_min_proto_version(ctx, o.min_version);
  if (o.max_version != 0) SSL_CTX_set_max_proto_version(ctx, o.max_version);
  impl_->context.set_verify_mode(net::ssl::verify_peer);
  impl_->context.load_verify_file(o.ca_file.string());
  if (!o.certificate_file.empty()) {
    impl_->context.use_certificate_chain_file(o.certificate_file.string());
    impl_->context.use_private_key_file(o.private_key_file.string(), net::ssl::context::pem);
  }
}

HttpsTestClient::~HttpsTestClient() = default;

void HttpsTestClient::connect() {
  impl_->stream = std::make_unique<beast::ssl_stream<tcp::socket>>(impl_->io, impl_->context);
  auto& socket = beast::get_lowest_layer(*impl_->stream);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), impl_->port));
  timeval tv{};
  tv.tv_sec = impl_->options.read_timeout.count() / 1000;
  tv.tv_usec = static_cast<suseconds_t>((impl_->options.read_timeout.count() % 1000) * 1000);
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL_set_tlsext_host_name(impl_->stream->native_handle(), "localhost");
  beast::error_code ec;
  impl_->stream->handshake(net::ssl::stream_base::client, ec);
  if (ec) throw std::runtime_error("TLS handshake failed: " + ec.message());
}

std::string HttpsTestClient::protocolVersion() const {
  return SSL_get_version(impl_->stream->native_handle());
}

std::string HttpsTestClient::cipherName() const {
  return SSL_get_cipher_name(impl_->stream->native_handle());
}

void HttpsTestClient::writeRaw(const std::string& bytes) {
  beast::error_code ec;
  net::write(*impl_->stream, net::buffer(bytes), ec);
  if (ec) throw std::runtime_error("write failed: " + ec.message());
}

HttpReply HttpsTestClient::readReply() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::error_code ec;
  http::read(*impl_->stream, impl_->buffer, parser, ec);
  if (ec) throw std::runtime_error("reading the response failed: " + ec.message());
  HttpReply reply;
  const auto& message = parser.get();
  reply.status = message.result_int();
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = message.body();
  return reply;
}

HttpReply HttpsTestClient::request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> message(http::string_to_verb(method), target, 11);
  message.set(http::field::host, "localhost");
  for (const auto& [name, value] : headers) message.set(name, value);
  message.body() = body;
  message.prepare_payload();
  beast::error_code ec;
  http::write(*impl_->stream, message, ec);
  if (ec) throw std::runtime_error("writing the request failed: " + ec.message());
  return readReply();
}

bool HttpsTestClient::waitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char scratch[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    beast::error_code ec;
    impl_->stream->read_some(net::buffer(scratch), ec);
    if (!ec) continue;
    if (ec == net::error::would_block || ec == net::error::try_again) continue;
    return true;  // EOF, reset, truncation or close_notify
  }
  return false;
}

HttpReply httpsGet(uint16_t port, const TlsClientOptions& options, const std::string& target) {
  HttpsTestClient client(port, options);
  client.connect();
  return client.request("GET", target);
}

}  // namespace cxgw::testing
