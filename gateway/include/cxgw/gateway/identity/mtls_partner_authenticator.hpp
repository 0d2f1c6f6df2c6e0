#pragma once
// Partner identity by mutual TLS: the TLS layer has verified that the client certificate chains
// to the configured client CA (server.tls.client_ca); this authenticator takes the partner's
// BPNL from that certificate and its claims from the partner registry.
//
// The BPNL is the subject CN when it is one, otherwise the first subjectAltName (URI or DNS
// entry) that is a BPNL, optionally written as a URN "urn:bpn:BPNL…". A request without a
// verified certificate, a certificate that names no BPNL, and a BPNL the registry does not
// list are all refused (fail closed).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/gateway/identity/partner_authenticator.hpp"

namespace cxgw::gateway {

// The partners the supplier deals with, and what their credentials establish (membership,
// framework agreements, groups). Immutable; share it as shared_ptr<const PartnerRegistry>.
class PartnerRegistry {
 public:
  // Fails with kInvalidArgument naming the BPN when one is listed twice or is not a BPNL.
  static Result<std::shared_ptr<const PartnerRegistry>> create(
      std::vector<policies::PartnerClaims> partners);

  const policies::PartnerClaims* find(std::string_view bpn) const;
  size_t size() const { return partners_.size(); }

 private:
  std::map<std::string, policies::PartnerClaims, std::less<>> partners_;
};

// True for a well-formed legal-entity BPN: "BPNL" followed by 12 upper-case letters or digits.
bool isBpnl(std::string_view text);

// The BPNL a certificate names (see above), if any.
std::optional<std::string> bpnlOfCertificate(const PeerCertificate& certificate);

class MtlsPartnerAuthenticator final : public PartnerAuthenticator {
 public:
  explicit MtlsPartnerAuthenticator(std::shared_ptr<const PartnerRegistry> registry);
  Result<AuthenticatedPartner> authenticate(const HttpRequest& request) const override;

 private:
  const std::shared_ptr<const PartnerRegistry> registry_;
};

}  // namespace cxgw::gateway
