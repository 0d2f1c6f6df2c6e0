#pragma once
// A blocking HTTPS/1.1 client for tests: real sockets, real TLS (OpenSSL through Beast), with
// control over TLS versions, client certificates and the raw bytes sent, so that tests can
// play well-behaved and misbehaving partners. Not thread-safe; one connection per object.
// Failures to connect or to read throw std::runtime_error with OpenSSL's reason.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cxgw::testing {

struct TlsClientOptions {
  std::filesystem::path ca_file;           // trust anchor for the server certificate
  std::filesystem::path certificate_file;  // client certificate (PEM), optional
  std::filesystem::path private_key_file;
  int min_version = 0;  // OpenSSL constant such as TLS1_2_VERSION; 0 = library default
  int max_version = 0;
  bool allow_legacy_protocols = false;  // SECLEVEL=0, so that a TLS 1.1 client can be built
  std::chrono::milliseconds read_timeout{10'000};
};

struct HttpReply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class HttpsTestClient {
 public:
  HttpsTestClient(uint16_t port, TlsClientOptions options);
  ~HttpsTestClient();

  // TCP connect and TLS handshake.
  void connect();
  // The negotiated protocol, e.g. "TLSv1.3", and cipher.
  std::string protocolVersion() const;
  std::string cipherName() const;

  HttpReply request(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});
  void writeRaw(const std::string& bytes);
  HttpReply readReply();
  // True when the server closes the connection (EOF, reset or close_notify) before `timeout`;
  // false when the connection is still open then. Bytes that arrive meanwhile are discarded.
  bool waitForClose(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One GET on a fresh connection.
HttpReply httpsGet(uint16_t port, const TlsClientOptions& options, const std::string& target);

}  // namespace cxgw::testing
