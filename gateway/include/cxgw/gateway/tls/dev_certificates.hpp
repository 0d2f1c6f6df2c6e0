#pragma once
// Development certificates: a local CA, a server certificate for localhost and one client
// certificate per partner BPN, for the demo and the tests. Never for production: the CA's
// name says so, and its key is written next to the certificates.
//
// Files written to the directory (created if missing; keys with mode 0600):
//   ca.crt, ca.key                    the CA
//   server.crt, server.key            CN=localhost; SAN DNS:localhost, IP:127.0.0.1, IP:::1;
//                                     serverAuth and clientAuth (the gateway calls partners
//                                     with it); with a server BPN also SAN URI:urn:bpn:<BPN>,
//                                     which names the gateway to other gateways
//   client-<BPN>.crt, client-<BPN>.key  CN=<BPN>; extendedKeyUsage clientAuth
// All keys are ECDSA P-256; signatures SHA-256.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::gateway {

struct DevCertificateRequest {
  std::filesystem::path directory;
  std::vector<std::string> client_bpns;  // one client certificate each
  std::string server_bpn = {};  // optional: the gateway's own BPNL, in the server SAN
  std::string organization = "cxgw demo";
  std::chrono::hours validity{24 * 30};
};

struct DevClientCertificate {
  std::string bpn;
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};

struct DevCertificateFiles {
  std::filesystem::path ca_certificate;
  std::filesystem::path ca_private_key;
  std::filesystem::path server_certificate;
  std::filesystem::path server_private_key;
  std::vector<DevClientCertificate> clients;
};

// Fails with kInvalidArgument for a BPN that is not a plain token (it names a file), and with
// kIoError or kTlsError when a file cannot be written or OpenSSL fails.
Result<DevCertificateFiles> writeDevCertificates(const DevCertificateRequest& request);

}  // namespace cxgw::gateway
