#include "tls/server_tls_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>
#include <string>

namespace cxgw::gateway {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites: ECDHE key exchange with AEAD ciphers only. TLS 1.3 uses OpenSSL's defaults,
// which are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Error tlsError(const std::string& key, const std::string& what) {
  std::string detail = drainOpenSslErrors();
  return Error{ErrorCode::kTlsError, what + (detail.empty() ? "" : ": " + detail), key, "", 0};
}

std::string x509NameString(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string commonName(X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

std::string hex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::string drainOpenSslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out;
}

std::chrono::system_clock::time_point certificateNotAfter(X509* certificate) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Result<ServerTlsContext> createServerTlsContext(const TlsSettings& settings) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  const int min_version =
      settings.min_version == TlsVersion::k1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(native, min_version) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return tlsError("server.tls.min_version", "cannot restrict TLS versions and ciphers");
  }

  if (!settings.private_key_password.empty()) {
    context->set_password_callback(
        [password = settings.private_key_password](std::size_t, ssl::context::password_purpose) {
          return password;
        });
  }
  if (SSL_CTX_use_certificate_chain_file(native, settings.certificate_chain_file.c_str()) != 1) {
    return tlsError("server.tls.certificate_chain", "cannot load PEM certificate chain " +
                                                        settings.certificate_chain_file.string());
  }
  if (SSL_CTX_use_PrivateKey_file(native, settings.private_key_file.c_str(), SSL_FILETYPE_PEM) !=
      1) {
    return tlsError("server.tls.private_key",
                    "cannot load PEM private key " + settings.private_key_file.string() +
                        " (wrong file, or a wrong or missing server.tls.private_key_password)");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return tlsError(
        "server.tls.private_key",
        "the private key does not match the certificate in server.tls.certificate_chain");
  }

  if (settings.client_certificates != ClientCertificateMode::kNone) {
    const char* ca = settings.client_ca_file.c_str();
    if (SSL_CTX_load_verify_locations(native, ca, nullptr) != 1) {
      return tlsError("server.tls.client_ca",
                      "cannot load PEM CA bundle " + settings.client_ca_file.string());
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca);
    if (names == nullptr) {
      return tlsError("server.tls.client_ca",
                      "no CA certificate in " + settings.client_ca_file.string());
    }
    SSL_CTX_set_client_CA_list(native, names);
    int mode = SSL_VERIFY_PEER;
    if (settings.client_certificates == ClientCertificateMode::kRequired) {
      mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(native, mode, nullptr);
    SSL_CTX_set_verify_depth(native, 5);
    static constexpr unsigned char kSessionContext[] = "cxgw";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  }

  ServerTlsContext result;
  result.certificate_not_after = certificateNotAfter(SSL_CTX_get0_certificate(native));
  result.context = std::move(context);
  return result;
}

std::optional<PeerCertificate> verifiedPeerCertificate(SSL* ssl) {
  if (SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509* certificate = SSL_get1_peer_certificate(ssl);
  if (certificate == nullptr) return std::nullopt;

  PeerCertificate peer;
  peer.subject = x509NameString(X509_get_subject_name(certificate));
  peer.issuer = x509NameString(X509_get_issuer_name(certificate));
  peer.common_name = commonName(X509_get_subject_name(certificate));
  peer.not_after = certificateNotAfter(certificate);

  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_DNS && name->type != GEN_URI) continue;
    const ASN1_IA5STRING* text = name->d.ia5;
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                      static_cast<size_t>(ASN1_STRING_length(text)));
    (name->type == GEN_DNS ? peer.dns_names : peer.uris).push_back(std::move(value));
  }
  GENERAL_NAMES_free(names);

  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr)) {
    char* serial_hex = BN_bn2hex(serial);
    peer.serial_hex = serial_hex;
    OPENSSL_free(serial_hex);
    BN_free(serial);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &digest_size) == 1) {
    peer.sha256_fingerprint = hex(digest, digest_size);
  }
  X509_free(certificate);
  return peer;
}

}  // namespace cxgw::gateway
