// The outbound HTTPS client against a real cxgw HttpsServer and against raw TCP listeners, over
// real sockets, with certificates generated at test time.
#include "cxgw/gateway/http/https_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "cxgw/core/metrics.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::gateway {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kOurBpn = "BPNL00000000CXGW";
constexpr const char* kOtherName = "partner.example";
constexpr const char* kKeyPassword = "correct horse battery staple";

// ---- certificates the dev CA does not make -------------------------------------------------

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

KeyPtr readKey(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  KeyPtr key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  return key;
}

CertPtr readCertificate(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  CertPtr cert(PEM_read_X509(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  return cert;
}

bool addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A server certificate for `dns_name` only, issued by the CA in `ca`; returns false on failure.
bool issueServerCertificate(const DevCertificateFiles& ca, const std::string& dns_name,
                            const std::filesystem::path& certificate_file,
                            const std::filesystem::path& key_file) {
  CertPtr ca_cert = readCertificate(ca.ca_certificate);
  KeyPtr ca_key = readKey(ca.ca_private_key);
  KeyPtr key(EVP_EC_gen("P-256"));
  CertPtr cert(X509_new());
  if (!ca_cert || !ca_key || !key || !cert) return false;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(dns_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  X509_set_pubkey(cert.get(), key.get());
  const std::string san = "DNS:" + dns_name;
  if (!addExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !addExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth") ||
      !addExtension(cert.get(), ca_cert.get(), NID_subject_alt_name, san.c_str()) ||
      X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    return false;
  }
  FILE* cert_out = std::fopen(certificate_file.c_str(), "w");
  FILE* key_out = std::fopen(key_file.c_str(), "w");
  const bool written =
      cert_out != nullptr && key_out != nullptr && PEM_write_X509(cert_out, cert.get()) == 1 &&
      PEM_write_PrivateKey(key_out, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (cert_out != nullptr) std::fclose(cert_out);
  if (key_out != nullptr) std::fclose(key_out);
  return written;
}

// Writes `key_file` again, encrypted with AES-256 under `password`.
bool writeEncryptedKey(const std::filesystem::path& key_file, const std::filesystem::path& out,
                       const std::string& password) {
  KeyPtr key = readKey(key_file);
  FILE* file = std::fopen(out.c_str(), "w");
  if (!key || file == nullptr) return false;
  const bool written =
      PEM_write_PrivateKey(file, key.get(), EVP_aes_256_cbc(),
                           reinterpret_cast<const unsigned char*>(password.data()),
                           static_cast<int>(password.size()), nullptr, nullptr) == 1;
  std::fclose(file);
  return written;
}

// ---- a TCP listener that accepts, records what the client sends first, and never answers ----

// What a TLS ClientHello offers, as far as these tests care.
struct ClientHelloOffer {
  bool parsed = false;
  std::vector<unsigned> versions;  // supported_versions extension, e.g. 0x0304
  std::string server_name;         // SNI host name; empty when absent
};

ClientHelloOffer parseClientHello(const std::string& bytes) {
  ClientHelloOffer offer;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t size = bytes.size();
  size_t at = 0;
  const auto need = [&](size_t n) { return at + n <= size; };
  const auto u8 = [&]() { return static_cast<unsigned>(data[at++]); };
  const auto u16 = [&]() {
    const unsigned value = (static_cast<unsigned>(data[at]) << 8) | data[at + 1];
    at += 2;
    return value;
  };
  // Record header (type 22 = handshake), handshake header (type 1 = ClientHello).
  if (!need(9) || u8() != 22) return offer;
  at += 4;
  if (u8() != 1) return offer;
  at += 3;
  if (!need(2 + 32 + 1)) return offer;
  at += 2 + 32;  // legacy_version, random
  const size_t session_id = u8();
  at += session_id;
  if (!need(2)) return offer;
  const size_t suites = u16();
  at += suites;
  if (!need(1)) return offer;
  const size_t compression = u8();
  at += compression;
  if (!need(2)) return offer;
  const size_t extensions_length = u16();
  const size_t extensions_end = at + extensions_length;
  if (extensions_end > size) return offer;
  while (at + 4 <= extensions_end) {
    const unsigned type = u16();
    const size_t length = u16();
    const size_t end = at + length;
    if (end > extensions_end) return offer;
    if (type == 0x002b && length >= 1) {  // supported_versions: 1-byte list length, then u16s
      const size_t list_length = u8();
      const size_t list_end = at + list_length;
      while (at + 2 <= list_end && at + 2 <= end) offer.versions.push_back(u16());
    } else if (type == 0x0000 && length >= 5) {  // server_name: list length, type, name length
      at += 3;
      const size_t name_length = u16();
      if (at + name_length <= end) {
        offer.server_name.assign(bytes, at, name_length);
      }
    }
    at = end;
  }
  offer.parsed = true;
  return offer;
}

class SilentTcpServer {
 public:
  SilentTcpServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~SilentTcpServer() {
    stop_ = true;
    thread_.join();
    for (int fd : connections_) ::close(fd);
    ::close(listener_);
  }

  uint16_t port() const { return port_; }
  size_t accepted() const {
    std::lock_guard lock(mutex_);
    return first_bytes_.size();
  }
  // Connections are recorded by the server's thread; waits until `count` have been, or 5 s.
  size_t awaitAccepted(size_t count) const {
    for (int i = 0; i < 250 && accepted() < count; ++i) std::this_thread::sleep_for(20ms);
    return accepted();
  }
  // What the n-th connection sent before the server stopped reading (up to one TLS record).
  std::string firstBytes(size_t n) const {
    std::lock_guard lock(mutex_);
    return n < first_bytes_.size() ? first_bytes_[n] : std::string();
  }

 private:
  void run() {
    while (!stop_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, 20) <= 0) continue;
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      connections_.push_back(connection);
      const std::string bytes = readOneRecord(connection);
      std::lock_guard lock(mutex_);
      first_bytes_.push_back(bytes);
    }
  }

  std::string readOneRecord(int connection) const {
    std::string bytes;
    const auto deadline = SteadyClock::now() + 5s;
    while (!stop_ && SteadyClock::now() < deadline) {
      if (bytes.size() >= 5) {
        const size_t record = 5 + ((static_cast<unsigned char>(bytes[3]) << 8) |
                                   static_cast<unsigned char>(bytes[4]));
        if (bytes.size() >= record) break;
      }
      pollfd readable{connection, POLLIN, 0};
      if (::poll(&readable, 1, 20) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      bytes.append(buffer, static_cast<size_t>(n));
    }
    return bytes;
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int> connections_;  // held open, unanswered, until destruction
  mutable std::mutex mutex_;
  std::vector<std::string> first_bytes_;
};

// ---- fixture -----------------------------------------------------------------------------------

class HttpsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir_ = new testing::TempDirectory("cxgw-client-pki");
    auto ours = writeDevCertificates({pki_dir_->path() / "ours", {kOurBpn}});
    ASSERT_TRUE(ours.ok()) << ours.error().describe();
    auto theirs = writeDevCertificates({pki_dir_->path() / "other-ca", {kOurBpn}});
    ASSERT_TRUE(theirs.ok()) << theirs.error().describe();
    ours_ = new DevCertificateFiles(ours.value());
    other_ca_ = new DevCertificateFiles(theirs.value());
    ASSERT_TRUE(issueServerCertificate(*ours_, kOtherName, pki_dir_->path() / "other-name.crt",
                                       pki_dir_->path() / "other-name.key"));
  }
  static void TearDownTestSuite() {
    delete ours_;
    delete other_ca_;
    delete pki_dir_;
  }

  ServerSettings serverSettings() const {
    ServerSettings s;
    s.bind_address = "127.0.0.1";
    s.port = 0;
    s.threads = 2;
    // Bounds the wait for a connection whose client has gone (the /never test).
    s.shutdown_grace = 500ms;
    s.tls.certificate_chain_file = ours_->server_certificate;
    s.tls.private_key_file = ours_->server_private_key;
    s.tls.client_ca_file = ours_->ca_certificate;
    s.tls.client_certificates = ClientCertificateMode::kOptional;
    return s;
  }

  // Routes: /echo (GET and POST: what arrived, as text, with an X-Reply header), /whoami (the
  // verified client certificate's CN, or "none"), /remote (the client's address and port, which
  // tells connections apart), /big (big_size_ bytes) and /never (answered only when the test
  // ends).
  void startServer(const ServerSettings& s) {
    auto created = HttpsServer::create(s, metrics_);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    server_ = std::move(created).value();
    auto router = std::make_shared<Router>();
    const Handler echo = [](const HttpRequest& r) {
      std::string text = "method=" + r.method + "\ntarget=" + r.target;
      text += "\ntrace=" + std::string(r.header("x-trace").value_or("-"));
      text += "\ncontent-type=" + std::string(r.header("content-type").value_or("-"));
      text += "\nbody=" + r.body;
      HttpResponse response = HttpResponse::text(200, text, "text/plain");
      response.headers.emplace_back("X-Reply", "yes");
      return response;
    };
    router->add("GET", "/echo", echo);
    router->add("POST", "/echo", echo);
    router->add("GET", "/whoami", Handler([](const HttpRequest& r) {
                  return HttpResponse::text(200, r.peer ? r.peer->common_name : "none",
                                            "text/plain");
                }));
    router->add("GET", "/remote", Handler([](const HttpRequest& r) {
                  return HttpResponse::text(200, r.remote_address, "text/plain");
                }));
    router->add("POST", "/remote", Handler([](const HttpRequest& r) {
                  return HttpResponse::text(200, r.remote_address, "text/plain");
                }));
    router->add("GET", "/big", Handler([this](const HttpRequest&) {
                  return HttpResponse::text(200, std::string(big_size_, 'b'), "text/plain");
                }));
    router->add("GET", "/never", AsyncHandler([this](HttpRequest&, Responder respond) {
                  std::lock_guard lock(parked_mutex_);
                  parked_.push_back(std::move(respond));
                }));
    server_->start(router, false);
  }

  void TearDown() override {
    {
      std::lock_guard lock(parked_mutex_);
      for (auto& respond : parked_) respond(HttpResponse::text(200, "late", "text/plain"));
    }
    if (server_) {
      server_->shutdown();
      server_->wait();
    }
  }

  HttpsClientSettings clientSettings() const {
    HttpsClientSettings s;
    s.ca_file = ours_->ca_certificate;
    s.certificate_chain_file = ours_->clients.at(0).certificate;
    s.private_key_file = ours_->clients.at(0).private_key;
    s.connect_timeout = 5s;
    s.request_timeout = 10s;
    return s;
  }

  std::unique_ptr<HttpsClient> makeClient(const HttpsClientSettings& s) const {
    auto created = HttpsClient::create(s);
    EXPECT_TRUE(created.ok()) << created.error().describe();
    return created.ok() ? std::move(created).value() : nullptr;
  }

  std::string url(const std::string& target, const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(server_->port()) + target;
  }

  static OutboundRequest get(std::string target_url) {
    OutboundRequest request;
    request.method = "GET";
    request.url = std::move(target_url);
    return request;
  }

  static testing::TempDirectory* pki_dir_;
  static DevCertificateFiles* ours_;
  static DevCertificateFiles* other_ca_;
  MetricsRegistry metrics_;
  std::unique_ptr<HttpsServer> server_;
  size_t big_size_ = 0;
  std::mutex parked_mutex_;
  std::vector<Responder> parked_;
};

testing::TempDirectory* HttpsClientTest::pki_dir_ = nullptr;
DevCertificateFiles* HttpsClientTest::ours_ = nullptr;
DevCertificateFiles* HttpsClientTest::other_ca_ = nullptr;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- round trips -------------------------------------------------------------------------------

TEST_F(HttpsClientTest, GetRoundTripCarriesQueryAndHeaders) {
  startServer(serverSettings());
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  OutboundRequest request = get(url("/echo?filter=a%20b&n=1"));
  request.headers.emplace_back("X-Trace", "trace-42");
  const auto response = client->send(request);
  ASSERT_TRUE(response.ok()) << response.error().describe();
  const OutboundResponse& reply = response.value();
  EXPECT_EQ(reply.status, 200U);
  EXPECT_EQ(reply.body,
            "method=GET\ntarget=/echo?filter=a%20b&n=1\ntrace=trace-42\ncontent-type=-\nbody=");
  EXPECT_EQ(reply.header("X-Reply"), "yes");
  EXPECT_EQ(reply.header("content-type"), "text/plain");
  EXPECT_FALSE(reply.header("x-no-such-header").has_value());
  for (const auto& [name, value] : reply.headers) {
    for (char c : name) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << name;
  }
}

TEST_F(HttpsClientTest, PostRoundTripCarriesBodyAndContentType) {
  startServer(serverSettings());
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  OutboundRequest request;
  request.method = "POST";
  request.url = url("/echo");
  request.body = R"({"@type":"dspace:ContractRequestMessage"})";
  request.content_type = "application/ld+json";
  request.headers.emplace_back("X-Trace", "post-1");
  const auto response = client->send(request);
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response.value().status, 200U);
  EXPECT_EQ(response.value().body,
            "method=POST\ntarget=/echo\ntrace=post-1\ncontent-type=application/ld+json\n"
            "body={\"@type\":\"dspace:ContractRequestMessage\"}");
}

TEST_F(HttpsClientTest, IpLiteralUrlVerifiesAgainstTheIpSubjectAltName) {
  startServer(serverSettings());
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  const auto response = client->send(get(url("/echo", "127.0.0.1")));
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response.value().status, 200U);
}

TEST_F(HttpsClientTest, ErrorStatusIsReturnedNotFailed) {
  startServer(serverSettings());
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  const auto response = client->send(get(url("/no/such/resource")));
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response.value().status, 404U);
  EXPECT_TRUE(contains(response.value().body, "not_found")) << response.value().body;
}

// ---- mutual TLS --------------------------------------------------------------------------------

TEST_F(HttpsClientTest, ClientCertificateIsPresentedToAServerThatRequiresOne) {
  ServerSettings s = serverSettings();
  s.tls.client_certificates = ClientCertificateMode::kRequired;
  startServer(s);
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  const auto response = client->send(get(url("/whoami")));
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response.value().status, 200U);
  EXPECT_EQ(response.value().body, kOurBpn);
}

TEST_F(HttpsClientTest, WithoutClientCertificateARequiringServerRefuses) {
  ServerSettings s = serverSettings();
  s.tls.client_certificates = ClientCertificateMode::kRequired;
  startServer(s);
  HttpsClientSettings settings = clientSettings();
  settings.certificate_chain_file.clear();
  settings.private_key_file.clear();
  const auto client = makeClient(settings);
  ASSERT_TRUE(client);
  const auto response = client->send(get(url("/whoami")));
  ASSERT_FALSE(response.ok()) << response.value().body;
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
}

TEST_F(HttpsClientTest, EncryptedClientKeyLoadsWithItsPassword) {
  ServerSettings s = serverSettings();
  s.tls.client_certificates = ClientCertificateMode::kRequired;
  startServer(s);
  const auto encrypted = pki_dir_->path() / "client-encrypted.key";
  ASSERT_TRUE(writeEncryptedKey(ours_->clients.at(0).private_key, encrypted, kKeyPassword));
  HttpsClientSettings settings = clientSettings();
  settings.private_key_file = encrypted;
  settings.private_key_password = kKeyPassword;
  const auto client = makeClient(settings);
  ASSERT_TRUE(client);
  const auto response = client->send(get(url("/whoami")));
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response.value().body, kOurBpn);

  settings.private_key_password = "wrong";
  const auto refused = HttpsClient::create(settings);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kTlsError);
  EXPECT_EQ(refused.error().file, encrypted.string());
  EXPECT_EQ(refused.error().key, "private_key_file");
}

// ---- server verification -----------------------------------------------------------------------

TEST_F(HttpsClientTest, ServerFromAnotherCaIsRefusedWithTheVerifyReason) {
  ServerSettings s = serverSettings();
  s.tls.certificate_chain_file = other_ca_->server_certificate;
  s.tls.private_key_file = other_ca_->server_private_key;
  startServer(s);
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  const auto response = client->send(get(url("/echo")));
  ASSERT_FALSE(response.ok()) << response.value().body;
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(response.error().message,
                       "certificate verify failed: unable to get local issuer certificate"))
      << response.error().message;
  EXPECT_TRUE(contains(response.error().message, "TLS handshake with localhost:"))
      << response.error().message;
}

TEST_F(HttpsClientTest, CertificateForAnotherHostNameIsRefused) {
  ServerSettings s = serverSettings();
  s.tls.certificate_chain_file = pki_dir_->path() / "other-name.crt";
  s.tls.private_key_file = pki_dir_->path() / "other-name.key";
  startServer(s);
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);

  const auto by_name = client->send(get(url("/echo")));
  ASSERT_FALSE(by_name.ok()) << by_name.value().body;
  EXPECT_EQ(by_name.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(by_name.error().message, "certificate verify failed: hostname mismatch"))
      << by_name.error().message;

  const auto by_ip = client->send(get(url("/echo", "127.0.0.1")));
  ASSERT_FALSE(by_ip.ok()) << by_ip.value().body;
  EXPECT_TRUE(contains(by_ip.error().message, "certificate verify failed: IP address mismatch"))
      << by_ip.error().message;
}

TEST_F(HttpsClientTest, HostNameCheckCanBeTurnedOffButTheChainIsStillVerified) {
  ServerSettings s = serverSettings();
  s.tls.certificate_chain_file = pki_dir_->path() / "other-name.crt";
  s.tls.private_key_file = pki_dir_->path() / "other-name.key";
  startServer(s);
  HttpsClientSettings settings = clientSettings();
  settings.verify_hostname = false;
  const auto client = makeClient(settings);
  ASSERT_TRUE(client);
  const auto response = client->send(get(url("/echo")));
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response.value().status, 200U);

  // The same setting does not accept a certificate from a CA that is not trusted.
  settings.ca_file = other_ca_->ca_certificate;
  const auto distrusting = makeClient(settings);
  ASSERT_TRUE(distrusting);
  const auto refused = distrusting->send(get(url("/echo")));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().message, "certificate verify failed"))
      << refused.error().message;
}

TEST_F(HttpsClientTest, ClientHelloCarriesSniAndOffersNothingBelowTls12) {
  SilentTcpServer silent;
  HttpsClientSettings settings = clientSettings();
  settings.connect_timeout = 300ms;
  const auto client = makeClient(settings);
  ASSERT_TRUE(client);
  const std::string port = std::to_string(silent.port());
  EXPECT_FALSE(client->send(get("https://localhost:" + port + "/x")).ok());
  EXPECT_FALSE(client->send(get("https://127.0.0.1:" + port + "/x")).ok());
  ASSERT_EQ(silent.awaitAccepted(2), 2U);

  const ClientHelloOffer by_name = parseClientHello(silent.firstBytes(0));
  ASSERT_TRUE(by_name.parsed);
  EXPECT_EQ(by_name.server_name, "localhost");
  ASSERT_FALSE(by_name.versions.empty());
  for (unsigned version : by_name.versions) {
    EXPECT_GE(version, 0x0303U) << "offers TLS version 0x" << std::hex << version;
  }
  const ClientHelloOffer by_ip = parseClientHello(silent.firstBytes(1));
  ASSERT_TRUE(by_ip.parsed);
  EXPECT_EQ(by_ip.server_name, "") << "no SNI for an IP literal (RFC 6066)";
}

// ---- URLs and requests refused before any connection ------------------------------------------

TEST_F(HttpsClientTest, PlainHttpUrlIsRefusedWithoutConnecting) {
  SilentTcpServer silent;
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  const std::string http_url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/callback";
  const auto response = client->send(get(http_url));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(response.error().message, http_url)) << response.error().message;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(silent.accepted(), 0U);
}

TEST_F(HttpsClientTest, MalformedUrlsAndRequestsAreInvalidArguments) {
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  for (const std::string bad :
       {"", "not a url", "/relative/path", "https://", "https://user:secret@localhost/x",
        "ftp://localhost/x", "https://localhost:99999/x", "https://[v7.future]/x"}) {
    const auto response = client->send(get(bad));
    ASSERT_FALSE(response.ok()) << bad;
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument) << bad;
  }

  OutboundRequest injected = get("https://localhost:1/x");
  injected.headers.emplace_back("X-Trace", "a\r\nX-Injected: yes");
  EXPECT_EQ(client->send(injected).error().code, ErrorCode::kInvalidArgument);

  OutboundRequest framing = get("https://localhost:1/x");
  framing.headers.emplace_back("Content-Length", "5");
  EXPECT_EQ(client->send(framing).error().code, ErrorCode::kInvalidArgument);

  OutboundRequest bad_method = get("https://localhost:1/x");
  bad_method.method = "GET /other HTTP/1.1\r\n";
  EXPECT_EQ(client->send(bad_method).error().code, ErrorCode::kInvalidArgument);
}

// ---- connection failures and limits ------------------------------------------------------------

TEST_F(HttpsClientTest, ClosedPortIsUnavailable) {
  uint16_t port = 0;
  {
    SilentTcpServer placeholder;  // a port that was just free, and is closed again
    port = placeholder.port();
  }
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  const auto response = client->send(get("https://127.0.0.1:" + std::to_string(port) + "/x"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(response.error().message, "refused")) << response.error().message;
}

TEST_F(HttpsClientTest, ServerThatNeverAnswersTimesOutWithinTheLimits) {
  SilentTcpServer silent;
  HttpsClientSettings settings = clientSettings();
  settings.connect_timeout = 300ms;
  settings.request_timeout = 700ms;
  const auto client = makeClient(settings);
  ASSERT_TRUE(client);
  const auto started = SteadyClock::now();
  const auto response =
      client->send(get("https://localhost:" + std::to_string(silent.port()) + "/x"));
  const auto elapsed = SteadyClock::now() - started;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(response.error().message, "timed out")) << response.error().message;
  EXPECT_EQ(silent.awaitAccepted(1), 1U);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 300ms + 700ms + 1000ms);
}

TEST_F(HttpsClientTest, ResponseThatNeverComesTimesOutAfterTheRequestTimeout) {
  startServer(serverSettings());
  HttpsClientSettings settings = clientSettings();
  settings.request_timeout = 400ms;
  const auto client = makeClient(settings);
  ASSERT_TRUE(client);
  const auto started = SteadyClock::now();
  const auto response = client->send(get(url("/never")));
  const auto elapsed = SteadyClock::now() - started;
  ASSERT_FALSE(response.ok()) << response.value().body;
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(response.error().message, "request_timeout")) << response.error().message;
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 2500ms);
}

TEST_F(HttpsClientTest, ResponseBodyOverTheLimitIsRefused) {
  startServer(serverSettings());
  HttpsClientSettings settings = clientSettings();
  settings.max_response_bytes = 4096;
  const auto client = makeClient(settings);
  ASSERT_TRUE(client);

  big_size_ = 4096;
  const auto at_limit = client->send(get(url("/big")));
  ASSERT_TRUE(at_limit.ok()) << at_limit.error().describe();
  EXPECT_EQ(at_limit.value().body.size(), 4096U);

  big_size_ = 4097;
  const auto over = client->send(get(url("/big")));
  ASSERT_FALSE(over.ok()) << over.value().body.size();
  EXPECT_EQ(over.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(over.error().message, "limit of 4096 bytes")) << over.error().message;
}

TEST_F(HttpsClientTest, ConcurrentSendsFromSeveralThreadsAllSucceed) {
  ServerSettings s = serverSettings();
  s.tls.client_certificates = ClientCertificateMode::kRequired;
  startServer(s);
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  constexpr int kThreads = 4;
  constexpr int kSendsPerThread = 5;
  std::atomic<int> succeeded{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSendsPerThread; ++i) {
        OutboundRequest request;
        request.method = "POST";
        request.url = url("/echo");
        request.body = "thread " + std::to_string(t) + " send " + std::to_string(i);
        const auto response = client->send(request);
        std::string failure;
        if (!response.ok()) {
          failure = response.error().describe();
        } else if (!contains(response.value().body, "body=" + request.body)) {
          failure = "wrong body: " + response.value().body;
        }
        if (failure.empty()) {
          succeeded.fetch_add(1);
        } else {
          std::lock_guard lock(failures_mutex);
          failures.push_back(failure);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kThreads * kSendsPerThread);
  for (const auto& failure : failures) ADD_FAILURE() << failure;
}

// ---- keep-alive --------------------------------------------------------------------------------

TEST_F(HttpsClientTest, SequentialRequestsToOneServerShareOneConnection) {
  startServer(serverSettings());
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  std::set<std::string> remotes;
  for (int i = 0; i < 5; ++i) {
    OutboundRequest request = get(url("/remote"));
    if (i % 2 == 1) {
      request.method = "POST";
      request.body = "{}";
    }
    const auto response = client->send(request);
    ASSERT_TRUE(response.ok()) << response.error().describe();
    EXPECT_EQ(response.value().status, 200U);
    remotes.insert(response.value().body);
  }
  EXPECT_EQ(remotes.size(), 1U) << "one TCP connection for all five requests";

  HttpsClientSettings closing = clientSettings();
  closing.keep_alive = false;
  const auto one_per_request = makeClient(closing);
  ASSERT_TRUE(one_per_request);
  remotes.clear();
  for (int i = 0; i < 3; ++i) {
    const auto response = one_per_request->send(get(url("/remote")));
    ASSERT_TRUE(response.ok()) << response.error().describe();
    remotes.insert(response.value().body);
  }
  EXPECT_EQ(remotes.size(), 3U) << "keep_alive off: a connection per request";
}

TEST_F(HttpsClientTest, AConnectionTheServerClosedWhileIdleIsReplacedWithoutAnError) {
  ServerSettings s = serverSettings();
  s.limits.idle_timeout = 200ms;
  startServer(s);
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  const auto first = client->send(get(url("/remote")));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  std::this_thread::sleep_for(600ms);  // the server closes the idle connection meanwhile
  OutboundRequest post = get(url("/echo"));
  post.method = "POST";
  post.body = "after idle";
  const auto second = client->send(post);
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_TRUE(contains(second.value().body, "body=after idle")) << second.value().body;
  const auto third = client->send(get(url("/remote")));
  ASSERT_TRUE(third.ok()) << third.error().describe();
  EXPECT_NE(third.value().body, first.value().body) << "a new connection";
}

TEST_F(HttpsClientTest, AConnectionTheServerWillCloseIsNotReused) {
  ServerSettings s = serverSettings();
  s.limits.max_body_bytes = 16;
  startServer(s);
  const auto client = makeClient(clientSettings());
  ASSERT_TRUE(client);
  OutboundRequest oversized = get(url("/echo"));
  oversized.method = "POST";
  oversized.body = std::string(64, 'x');
  const auto refused = client->send(oversized);
  ASSERT_TRUE(refused.ok()) << refused.error().describe();
  EXPECT_EQ(refused.value().status, 413U);
  EXPECT_EQ(refused.value().header("connection"), "close");
  const auto next = client->send(get(url("/echo")));
  ASSERT_TRUE(next.ok()) << next.error().describe();
  EXPECT_EQ(next.value().status, 200U);
}

// ---- create() ----------------------------------------------------------------------------------

TEST_F(HttpsClientTest, MissingCaFileIsNamed) {
  HttpsClientSettings settings = clientSettings();
  settings.ca_file = pki_dir_->path() / "no-such-ca.crt";
  const auto created = HttpsClient::create(settings);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(created.error().file, settings.ca_file.string());
  EXPECT_EQ(created.error().key, "ca_file");

  settings.ca_file.clear();
  const auto unset = HttpsClient::create(settings);
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().key, "ca_file");
}

TEST_F(HttpsClientTest, GarbageCaFileIsNamed) {
  HttpsClientSettings settings = clientSettings();
  settings.ca_file = pki_dir_->write("garbage-ca.crt", "this is not a certificate\n");
  const auto created = HttpsClient::create(settings);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kTlsError);
  EXPECT_EQ(created.error().file, settings.ca_file.string());
  EXPECT_TRUE(contains(created.error().message, "CA bundle")) << created.error().message;
}

TEST_F(HttpsClientTest, MissingOrGarbageKeyFileIsNamed) {
  HttpsClientSettings settings = clientSettings();
  settings.private_key_file = pki_dir_->path() / "no-such.key";
  const auto missing = HttpsClient::create(settings);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().file, settings.private_key_file.string());

  settings.private_key_file = pki_dir_->write("garbage.key", "-----BEGIN PRIVATE KEY-----\nxx\n");
  const auto garbage = HttpsClient::create(settings);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, ErrorCode::kTlsError);
  EXPECT_EQ(garbage.error().file, settings.private_key_file.string());
  EXPECT_EQ(garbage.error().key, "private_key_file");
}

TEST_F(HttpsClientTest, KeyThatDoesNotMatchTheCertificateIsNamed) {
  HttpsClientSettings settings = clientSettings();
  settings.private_key_file = other_ca_->clients.at(0).private_key;
  const auto created = HttpsClient::create(settings);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kTlsError);
  EXPECT_EQ(created.error().file, settings.private_key_file.string());
  EXPECT_TRUE(contains(created.error().message, "does not match")) << created.error().message;
}

TEST_F(HttpsClientTest, CertificateWithoutKeyIsRefused) {
  HttpsClientSettings settings = clientSettings();
  settings.private_key_file.clear();
  const auto created = HttpsClient::create(settings);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(created.error().key, "private_key_file");
}

}  // namespace
}  // namespace cxgw::gateway
