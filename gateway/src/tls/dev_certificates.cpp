#include "cxgw/gateway/tls/dev_certificates.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "tls/server_tls_context.hpp"

namespace cxgw::gateway {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

struct Subject {
  std::string common_name;
  std::string organization;
};

Error opensslFailure(const std::string& what) {
  return Error{ErrorCode::kTlsError, what + ": " + drainOpenSslErrors(), "", "", 0};
}

bool addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// Signs a certificate for `subject_key`; self-signed when issuer is null.
Result<CertPtr> issue(const Subject& subject, EVP_PKEY* subject_key, X509* issuer,
                      EVP_PKEY* issuer_key, std::chrono::hours validity,
                      const std::vector<std::pair<int, std::string>>& extensions) {
  CertPtr cert(X509_new());
  unsigned char serial[16];
  if (!cert || RAND_bytes(serial, sizeof serial) != 1) return opensslFailure("X509_new");
  serial[0] &= 0x7F;  // positive
  BIGNUM* serial_number = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(serial_number, X509_get_serialNumber(cert.get()));
  BN_free(serial_number);

  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(std::chrono::seconds(validity).count()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto add_entry = [name](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add_entry("O", subject.organization);
  add_entry("CN", subject.common_name);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), subject_key);

  X509* issuer_cert = issuer ? issuer : cert.get();
  for (const auto& [nid, value] : extensions) {
    if (!addExtension(cert.get(), issuer_cert, nid, value)) {
      return opensslFailure("certificate extension " + value);
    }
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return opensslFailure("X509_sign");
  return cert;
}

Status writePem(const std::filesystem::path& path, X509* cert, EVP_PKEY* key) {
  if (key != nullptr) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  const mode_t old_mask = umask(key != nullptr ? 077 : 022);
  FILE* file = std::fopen(path.c_str(), "w");
  umask(old_mask);
  if (file == nullptr) {
    return Error{ErrorCode::kIoError, "cannot write " + path.string(), "", "", 0};
  }
  const bool ok = key != nullptr
                      ? PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1
                      : PEM_write_X509(file, cert) == 1;
  const bool closed = std::fclose(file) == 0;
  if (!ok || !closed) return opensslFailure("cannot write PEM " + path.string());
  return {};
}

bool plainToken(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<DevCertificateFiles> writeDevCertificates(const DevCertificateRequest& request) {
  if (!request.server_bpn.empty() && !plainToken(request.server_bpn)) {
    return Error{ErrorCode::kInvalidArgument,
                 "'" + request.server_bpn + "' is not a BPN (letters, digits, '-' and '_' only)",
                 "server BPN", "", 0};
  }
  for (const std::string& bpn : request.client_bpns) {
    if (!plainToken(bpn)) {
      return Error{ErrorCode::kInvalidArgument,
                   "'" + bpn + "' is not a BPN (letters, digits, '-' and '_' only)", "client BPN",
                   "", 0};
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(request.directory, ec);
  if (ec) {
    return Error{ErrorCode::kIoError,
                 "cannot create " + request.directory.string() + ": " + ec.message(), "", "", 0};
  }

  const auto new_key = []() { return KeyPtr(EVP_EC_gen("P-256")); };
  DevCertificateFiles files;
  const auto& dir = request.directory;

  KeyPtr ca_key = new_key();
  if (!ca_key) return opensslFailure("EC key generation");
  auto ca = issue({"cxgw DEVELOPMENT CA - not for production", request.organization}, ca_key.get(),
                  nullptr, ca_key.get(), request.validity,
                  {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                   {NID_key_usage, "critical,keyCertSign,cRLSign"},
                   {NID_subject_key_identifier, "hash"}});
  if (!ca) return ca.error();
  files.ca_certificate = dir / "ca.crt";
  files.ca_private_key = dir / "ca.key";
  if (auto s = writePem(files.ca_certificate, ca.value().get(), nullptr); !s) return s.error();
  if (auto s = writePem(files.ca_private_key, nullptr, ca_key.get()); !s) return s.error();

  KeyPtr server_key = new_key();
  if (!server_key) return opensslFailure("EC key generation");
  auto server = issue(
      {"localhost", request.organization}, server_key.get(), ca.value().get(), ca_key.get(),
      request.validity,
      {{NID_basic_constraints, "critical,CA:FALSE"},
       {NID_key_usage, "critical,digitalSignature"},
       // The gateway presents the same certificate when it calls partners.
       {NID_ext_key_usage, "serverAuth,clientAuth"},
       {NID_subject_alt_name,
        "DNS:localhost,IP:127.0.0.1,IP:::1" +
            (request.server_bpn.empty() ? std::string() : ",URI:urn:bpn:" + request.server_bpn)},
       {NID_authority_key_identifier, "keyid"}});
  if (!server) return server.error();
  files.server_certificate = dir / "server.crt";
  files.server_private_key = dir / "server.key";
  if (auto s = writePem(files.server_certificate, server.value().get(), nullptr); !s)
    return s.error();
  if (auto s = writePem(files.server_private_key, nullptr, server_key.get()); !s) return s.error();

  for (const std::string& bpn : request.client_bpns) {
    KeyPtr client_key = new_key();
    if (!client_key) return opensslFailure("EC key generation");
    auto client = issue({bpn, request.organization}, client_key.get(), ca.value().get(),
                        ca_key.get(), request.validity,
                        {{NID_basic_constraints, "critical,CA:FALSE"},
                         {NID_key_usage, "critical,digitalSignature"},
                         {NID_ext_key_usage, "clientAuth"},
                         {NID_authority_key_identifier, "keyid"}});
    if (!client) return client.error();
    DevClientCertificate entry{bpn, dir / ("client-" + bpn + ".crt"),
                               dir / ("client-" + bpn + ".key")};
    if (auto s = writePem(entry.certificate, client.value().get(), nullptr); !s) return s.error();
    if (auto s = writePem(entry.private_key, nullptr, client_key.get()); !s) return s.error();
    files.clients.push_back(std::move(entry));
  }
  return files;
}

}  // namespace cxgw::gateway
