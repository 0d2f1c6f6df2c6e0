// The HTTPS server over real sockets and real TLS, with certificates generated at test time.
#include "cxgw/gateway/http/https_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <set>
#include <thread>

#include "cxgw/gateway/admin/health_routes.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"
#include "support/https_test_client.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::gateway {
namespace {

using namespace std::chrono_literals;
using testing::HttpReply;
using testing::HttpsTestClient;
using testing::TlsClientOptions;

constexpr const char* kPartnerBpn = "BPNL000000000OEM";
// A connection that should be closed by the server is given this long before the test gives
// up; it bounds a hang, it does not measure speed.
constexpr auto kCloseWait = 20s;

class HttpsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir_ = new testing::TempDirectory("cxgw-pki");
    auto ours = writeDevCertificates({pki_dir_->path() / "ours", {kPartnerBpn}});
    ASSERT_TRUE(ours.ok()) << ours.error().describe();
    auto theirs = writeDevCertificates({pki_dir_->path() / "other-ca", {kPartnerBpn}});
    ASSERT_TRUE(theirs.ok()) << theirs.error().describe();
    ours_ = new DevCertificateFiles(ours.value());
    other_ca_ = new DevCertificateFiles(theirs.value());
  }
  static void TearDownTestSuite() {
    delete ours_;
    delete other_ca_;
    delete pki_dir_;
  }

  ServerSettings settings() const {
    ServerSettings s;
    s.bind_address = "127.0.0.1";
    s.port = 0;
    s.threads = 2;
    s.shutdown_grace = 10s;
    s.tls.certificate_chain_file = ours_->server_certificate;
    s.tls.private_key_file = ours_->server_private_key;
    s.tls.client_ca_file = ours_->ca_certificate;
    s.tls.client_certificates = ClientCertificateMode::kOptional;
    return s;
  }

  // Starts a server with the health routes and test routes: /echo (body length),
  // /whoami (the verified client certificate) and /slow (answers from another thread after
  // `slow_delay`).
  void start(const ServerSettings& s) {
    auto created = HttpsServer::create(s, metrics_);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    server_ = std::move(created).value();
    auto router = std::make_shared<Router>();
    addHealthRoutes(*router, httpsServerReadiness(*server_), metrics_);
    router->add("POST", "/echo", Handler([](const HttpRequest& r) {
                  return HttpResponse::json(200,
                                            "{\"length\":" + std::to_string(r.body.size()) + "}");
                }));
    router->add("GET", "/whoami", Handler([](const HttpRequest& r) {
                  if (!r.peer) return HttpResponse::json(200, "{\"peer\":null}");
                  return HttpResponse::json(200, "{\"cn\":\"" + r.peer->common_name +
                                                     "\",\"subject\":\"" + r.peer->subject + "\"}");
                }));
    router->add("GET", "/slow", AsyncHandler([this](HttpRequest&, Responder respond) {
                  slow_started_.set_value();
                  std::thread([respond, delay = slow_delay_] {
                    std::this_thread::sleep_for(delay);
                    respond(HttpResponse::json(200, "{\"slow\":true}"));
                  }).detach();
                }));
    server_->start(router, false);
  }

  void TearDown() override {
    if (server_) {
      server_->shutdown();
      server_->wait();
    }
  }

  TlsClientOptions client() const {
    TlsClientOptions o;
    o.ca_file = ours_->ca_certificate;
    return o;
  }
  TlsClientOptions clientWithCertificate(const DevCertificateFiles& issuer) const {
    TlsClientOptions o = client();
    o.certificate_file = issuer.clients.at(0).certificate;
    o.private_key_file = issuer.clients.at(0).private_key;
    return o;
  }

  uint64_t handshakeFailures() const {
    const std::string text = metrics_.renderPrometheusText();
    const std::string name = "\ncxgw_tls_handshake_failures_total ";
    const size_t at = text.find(name);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size()));
  }
  // Handshake failures are counted on the server's threads; wait until the count arrives.
  bool awaitHandshakeFailures(uint64_t expected) const {
    for (int i = 0; i < 400 && handshakeFailures() < expected; ++i)
      std::this_thread::sleep_for(5ms);
    return handshakeFailures() >= expected;
  }

  static testing::TempDirectory* pki_dir_;
  static DevCertificateFiles* ours_;
  static DevCertificateFiles* other_ca_;
  MetricsRegistry metrics_;
  std::unique_ptr<HttpsServer> server_;
  std::promise<void> slow_started_;
  std::chrono::milliseconds slow_delay_{500};
};

testing::TempDirectory* HttpsServerTest::pki_dir_ = nullptr;
DevCertificateFiles* HttpsServerTest::ours_ = nullptr;
DevCertificateFiles* HttpsServerTest::other_ca_ = nullptr;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  EXPECT_FALSE(document.HasParseError()) << body;
  return document;
}

TEST_F(HttpsServerTest, HealthzAnswersOverTls13) {
  start(settings());
  TlsClientOptions options = client();
  options.min_version = TLS1_3_VERSION;
  HttpsTestClient connection(server_->port(), options);
  connection.connect();
  EXPECT_EQ(connection.protocolVersion(), "TLSv1.3");
  const HttpReply reply = connection.request("GET", "/healthz");
  EXPECT_EQ(reply.status, 200U);
  EXPECT_STREQ(parse(reply.body)["status"].GetString(), "ok");
  EXPECT_EQ(reply.headers.at("content-type"), "application/json");
  EXPECT_FALSE(reply.headers.at("x-request-id").empty());
}

TEST_F(HttpsServerTest, Tls12ClientGetsAnAeadCipher) {
  start(settings());
  TlsClientOptions options = client();
  options.max_version = TLS1_2_VERSION;
  HttpsTestClient connection(server_->port(), options);
  connection.connect();
  EXPECT_EQ(connection.protocolVersion(), "TLSv1.2");
  const std::string cipher = connection.cipherName();
  EXPECT_TRUE(cipher.rfind("ECDHE-", 0) == 0) << cipher;
  EXPECT_TRUE(cipher.find("GCM") != std::string::npos ||
              cipher.find("CHACHA20") != std::string::npos)
      << cipher;
  EXPECT_EQ(connection.request("GET", "/healthz").status, 200U);
}

TEST_F(HttpsServerTest, Tls11ClientIsRefused) {
  start(settings());
  TlsClientOptions options = client();
  options.min_version = TLS1_1_VERSION;
  options.max_version = TLS1_1_VERSION;
  options.allow_legacy_protocols = true;
  HttpsTestClient connection(server_->port(), options);
  EXPECT_THROW(connection.connect(), std::runtime_error);
  EXPECT_TRUE(awaitHandshakeFailures(1));
}

TEST_F(HttpsServerTest, MinimumVersion13RefusesTls12) {
  ServerSettings s = settings();
  s.tls.min_version = TlsVersion::k1_3;
  start(s);
  TlsClientOptions options = client();
  options.max_version = TLS1_2_VERSION;
  HttpsTestClient connection(server_->port(), options);
  EXPECT_THROW(connection.connect(), std::runtime_error);
}

TEST_F(HttpsServerTest, OversizedHeaderGets431) {
  ServerSettings s = settings();
  s.limits.max_header_bytes = 4096;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  const HttpReply reply =
      connection.request("GET", "/healthz", "", {{"X-Padding", std::string(8000, 'a')}});
  EXPECT_EQ(reply.status, 431U);
  EXPECT_STREQ(parse(reply.body)["error"]["code"].GetString(), "request_header_fields_too_large");
  EXPECT_TRUE(connection.waitForClose(kCloseWait));
}

TEST_F(HttpsServerTest, HeaderJustUnderTheLimitIsServed) {
  ServerSettings s = settings();
  s.limits.max_header_bytes = 4096;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  EXPECT_EQ(
      connection.request("GET", "/healthz", "", {{"X-Padding", std::string(3000, 'a')}}).status,
      200U);
}

TEST_F(HttpsServerTest, DeclaredOversizedBodyGets413BeforeItIsSent) {
  ServerSettings s = settings();
  s.limits.max_body_bytes = 1024;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  connection.writeRaw("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\n\r\n");
  const HttpReply reply = connection.readReply();
  EXPECT_EQ(reply.status, 413U);
  EXPECT_STREQ(parse(reply.body)["error"]["code"].GetString(), "payload_too_large");
}

// A client that writes its whole body before it reads, as most do, must still see the 413: the
// server reads and drops the rest instead of closing on unread bytes, which would reset the
// connection under the client's feet.
TEST_F(HttpsServerTest, ClientThatSendsTheWholeOversizedBodyStillReadsThe413) {
  ServerSettings s = settings();
  s.limits.max_body_bytes = 1024;
  start(s);
  for (int attempt = 0; attempt < 5; ++attempt) {
    HttpsTestClient connection(server_->port(), client());
    connection.connect();
    const HttpReply reply = connection.request("POST", "/echo", std::string(512 * 1024, 'x'));
    EXPECT_EQ(reply.status, 413U) << "attempt " << attempt;
  }
}

TEST_F(HttpsServerTest, ChunkedBodyOverTheLimitGets413) {
  ServerSettings s = settings();
  s.limits.max_body_bytes = 1024;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  const std::string chunk(800, 'x');
  connection.writeRaw(
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
      "320\r\n" +
      chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(connection.readReply().status, 413U);
}

TEST_F(HttpsServerTest, BodyWithinTheLimitReachesTheHandler) {
  ServerSettings s = settings();
  s.limits.max_body_bytes = 1024;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  const HttpReply reply = connection.request("POST", "/echo", std::string(1024, 'x'));
  EXPECT_EQ(reply.status, 200U);
  EXPECT_EQ(parse(reply.body)["length"].GetInt(), 1024);
}

TEST_F(HttpsServerTest, SlowClientIsTimedOut) {
  ServerSettings s = settings();
  s.limits.header_timeout = 300ms;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  connection.writeRaw("GET /healthz HTTP/1.1\r\nHost: local");  // and never the rest
  EXPECT_TRUE(connection.waitForClose(kCloseWait));
}

TEST_F(HttpsServerTest, ClientThatNeverStartsTlsIsTimedOut) {
  ServerSettings s = settings();
  s.limits.header_timeout = 300ms;
  start(s);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server_->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  timeval tv{static_cast<time_t>(kCloseWait.count()), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte = 0;
  EXPECT_LE(::recv(fd, &byte, 1, 0), 0) << "the server should close a silent connection";
  ::close(fd);
  EXPECT_TRUE(awaitHandshakeFailures(1));
}

TEST_F(HttpsServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerSettings s = settings();
  s.limits.idle_timeout = 300ms;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  EXPECT_EQ(connection.request("GET", "/healthz").status, 200U);
  EXPECT_TRUE(connection.waitForClose(kCloseWait));
}

TEST_F(HttpsServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  start(settings());
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    const HttpReply reply = connection.request("GET", "/healthz");
    ASSERT_EQ(reply.status, 200U);
    ids.insert(reply.headers.at("x-request-id"));
  }
  EXPECT_EQ(ids.size(), 20U);
}

TEST_F(HttpsServerTest, SaneRequestIdIsEchoedAndUnsafeOneReplaced) {
  start(settings());
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  EXPECT_EQ(connection.request("GET", "/healthz", "", {{"X-Request-Id", "trace-42.a_b"}})
                .headers.at("x-request-id"),
            "trace-42.a_b");
  const std::string replaced =
      connection.request("GET", "/healthz", "", {{"X-Request-Id", "evil\"id with spaces"}})
          .headers.at("x-request-id");
  EXPECT_NE(replaced, "evil\"id with spaces");
  EXPECT_EQ(replaced.size(), 36U);
}

TEST_F(HttpsServerTest, UnknownRouteAndWrongMethodGetJsonErrors) {
  start(settings());
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  const HttpReply missing = connection.request("GET", "/nope");
  EXPECT_EQ(missing.status, 404U);
  auto body = parse(missing.body);
  EXPECT_STREQ(body["error"]["code"].GetString(), "not_found");
  EXPECT_STREQ(body["error"]["request_id"].GetString(), missing.headers.at("x-request-id").c_str());
  const HttpReply wrong = connection.request("DELETE", "/healthz");
  EXPECT_EQ(wrong.status, 405U);
  EXPECT_EQ(wrong.headers.at("allow"), "GET, HEAD");
  EXPECT_STREQ(parse(wrong.body)["error"]["code"].GetString(), "method_not_allowed");
}

TEST_F(HttpsServerTest, MalformedRequestGets400) {
  start(settings());
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  connection.writeRaw("GET /healthz HTTP/1.1\r\nHost localhost\r\n\r\n");
  const HttpReply reply = connection.readReply();
  EXPECT_EQ(reply.status, 400U);
  EXPECT_STREQ(parse(reply.body)["error"]["code"].GetString(), "bad_request");
}

TEST_F(HttpsServerTest, MutualTlsRequiredRefusesClientWithoutCertificate) {
  ServerSettings s = settings();
  s.tls.client_certificates = ClientCertificateMode::kRequired;
  start(s);
  HttpsTestClient connection(server_->port(), client());
  // With TLS 1.3 the client finishes its handshake before the server's verdict arrives, so
  // the refusal may surface on the first read instead.
  EXPECT_THROW(
      {
        connection.connect();
        connection.request("GET", "/healthz");
      },
      std::runtime_error);
  EXPECT_TRUE(awaitHandshakeFailures(1));
}

TEST_F(HttpsServerTest, MutualTlsRequiredRefusesCertificateFromAnotherCa) {
  ServerSettings s = settings();
  s.tls.client_certificates = ClientCertificateMode::kRequired;
  start(s);
  HttpsTestClient connection(server_->port(), clientWithCertificate(*other_ca_));
  EXPECT_THROW(
      {
        connection.connect();
        connection.request("GET", "/whoami");
      },
      std::runtime_error);
  EXPECT_TRUE(awaitHandshakeFailures(1));
}

TEST_F(HttpsServerTest, MutualTlsAcceptsOurCaAndShowsTheSubjectToHandlers) {
  ServerSettings s = settings();
  s.tls.client_certificates = ClientCertificateMode::kRequired;
  start(s);
  HttpsTestClient connection(server_->port(), clientWithCertificate(*ours_));
  connection.connect();
  const HttpReply reply = connection.request("GET", "/whoami");
  ASSERT_EQ(reply.status, 200U) << reply.body;
  auto body = parse(reply.body);
  EXPECT_STREQ(body["cn"].GetString(), kPartnerBpn);
  EXPECT_NE(std::string(body["subject"].GetString()).find(std::string("CN=") + kPartnerBpn),
            std::string::npos);
}

TEST_F(HttpsServerTest, OptionalClientCertificateMayBeAbsent) {
  start(settings());
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  const HttpReply reply = connection.request("GET", "/whoami");
  ASSERT_EQ(reply.status, 200U);
  EXPECT_TRUE(parse(reply.body)["peer"].IsNull());
}

TEST_F(HttpsServerTest, ConnectionsOverTheLimitAreClosed) {
  ServerSettings s = settings();
  s.limits.max_connections = 1;
  start(s);
  HttpsTestClient first(server_->port(), client());
  first.connect();
  EXPECT_EQ(first.request("GET", "/healthz").status, 200U);
  HttpsTestClient second(server_->port(), client());
  EXPECT_THROW(
      {
        second.connect();
        second.request("GET", "/healthz");
      },
      std::runtime_error);
  EXPECT_EQ(first.request("GET", "/healthz").status, 200U);
  EXPECT_NE(metrics_.renderPrometheusText().find("cxgw_http_connections_rejected_total 1\n"),
            std::string::npos);
}

TEST_F(HttpsServerTest, MetricsCountRequestsByRouteAndStatus) {
  start(settings());
  HttpsTestClient connection(server_->port(), client());
  connection.connect();
  connection.request("GET", "/healthz");
  connection.request("GET", "/healthz");
  connection.request("GET", "/missing");
  const std::string text = connection.request("GET", "/metrics").body;
  EXPECT_NE(
      text.find("cxgw_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("cxgw_http_requests_total{method=\"GET\",route=\"-\",status=\"404\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cxgw_http_request_duration_seconds_count{route=\"/healthz\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cxgw_http_open_connections 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cxgw_tls_handshake_failures_total 0\n"), std::string::npos) << text;
}

TEST_F(HttpsServerTest, ShutdownLetsAnInFlightRequestComplete) {
  start(settings());
  HttpsTestClient busy(server_->port(), client());
  busy.connect();
  HttpsTestClient idle(server_->port(), client());
  idle.connect();
  EXPECT_EQ(idle.request("GET", "/healthz").status, 200U);

  busy.writeRaw("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
  slow_started_.get_future().wait();
  server_->shutdown();

  const HttpReply reply = busy.readReply();
  EXPECT_EQ(reply.status, 200U);
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_TRUE(idle.waitForClose(kCloseWait));
  server_->wait();
  HttpsTestClient late(server_->port(), client());
  EXPECT_THROW(late.connect(), std::exception);
}

TEST_F(HttpsServerTest, ShutdownGraceCutsRequestsThatTakeTooLong) {
  ServerSettings s = settings();
  s.shutdown_grace = 200ms;
  slow_delay_ = 5s;
  start(s);
  HttpsTestClient busy(server_->port(), client());
  busy.connect();
  busy.writeRaw("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
  slow_started_.get_future().wait();
  server_->shutdown();
  EXPECT_THROW(busy.readReply(), std::runtime_error);
  server_->wait();
}

TEST_F(HttpsServerTest, UnusableCertificateIsReportedByKey) {
  ServerSettings s = settings();
  s.tls.private_key_file = other_ca_->server_private_key;  // does not match the certificate
  auto created = HttpsServer::create(s, metrics_);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().key, "server.tls.private_key");
  EXPECT_EQ(created.error().code, ErrorCode::kTlsError);
}

TEST_F(HttpsServerTest, PortInUseIsReportedByKey) {
  start(settings());
  ServerSettings s = settings();
  s.port = server_->port();
  MetricsRegistry other_metrics;
  auto created = HttpsServer::create(s, other_metrics);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().key, "server.port");
}

}  // namespace
}  // namespace cxgw::gateway
