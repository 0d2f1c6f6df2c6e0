#include <iostream>

#include "commands.hpp"
#include "cxgw/gateway/dataplane/edr_token.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"

namespace cxgw::app {

int runDevCerts(const std::filesystem::path& directory, const std::vector<std::string>& client_bpns,
                const std::string& server_bpn, int validity_days) {
  gateway::DevCertificateRequest request;
  request.directory = directory;
  request.client_bpns = client_bpns;
  request.server_bpn = server_bpn;
  request.validity = std::chrono::hours(24 * validity_days);
  auto files = gateway::writeDevCertificates(request);
  if (!files) {
    std::cerr << "cxgw: dev-certs: " << files.error().describe() << "\n";
    return files.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "Development certificates (not for production) in " << directory.string() << ":\n"
            << "  CA:     " << files.value().ca_certificate.string() << "\n"
            << "  server: " << files.value().server_certificate.string() << " + "
            << files.value().server_private_key.filename().string() << "\n";
  for (const auto& client : files.value().clients) {
    std::cout << "  client " << client.bpn << ": " << client.certificate.string() << " + "
              << client.private_key.filename().string() << "\n";
  }
  // The key that signs EDR tokens (dsp.token_signing_key).
  auto key = gateway::EdrSigningKey::generate();
  const std::filesystem::path key_file = directory / "edr-signing.key";
  if (!key || !key.value().writePem(key_file)) {
    std::cerr << "cxgw: dev-certs: cannot write " << key_file.string() << "\n";
    return 1;
  }
  std::cout << "  EDR token signing key: " << key_file.string() << "\n";
  return 0;
}

}  // namespace cxgw::app
