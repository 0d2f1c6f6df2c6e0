#include "cxgw/gateway/identity/mtls_partner_authenticator.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace cxgw::gateway {
namespace {

Error unauthenticated(std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(message), "", "", 0};
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string> asBpnl(std::string_view text) {
  constexpr std::string_view kUrnPrefix = "urn:bpn:";
  if (text.size() > kUrnPrefix.size() &&
      equalsIgnoringCase(text.substr(0, kUrnPrefix.size()), kUrnPrefix)) {
    text.remove_prefix(kUrnPrefix.size());
  }
  if (isBpnl(text)) return std::string(text);
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> authorizationToken(const HttpRequest& request) {
  auto header = request.header("authorization");
  if (!header) return std::nullopt;
  std::string_view value = *header;
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  constexpr std::string_view kBearer = "bearer ";
  if (value.size() > kBearer.size() &&
      equalsIgnoringCase(value.substr(0, kBearer.size()), kBearer)) {
    value.remove_prefix(kBearer.size());
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (value.empty()) return std::nullopt;
  return value;
}

bool isBpnl(std::string_view text) {
  if (text.size() != 16 || text.substr(0, 4) != "BPNL") return false;
  return std::all_of(text.begin() + 4, text.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

std::optional<std::string> bpnlOfCertificate(const PeerCertificate& certificate) {
  if (auto bpn = asBpnl(certificate.common_name)) return bpn;
  for (const auto* names : {&certificate.uris, &certificate.dns_names}) {
    for (const std::string& name : *names) {
      if (auto bpn = asBpnl(name)) return bpn;
    }
  }
  return std::nullopt;
}

Result<std::shared_ptr<const PartnerRegistry>> PartnerRegistry::create(
    std::vector<policies::PartnerClaims> partners) {
  auto registry = std::make_shared<PartnerRegistry>();
  for (auto& partner : partners) {
    if (!isBpnl(partner.bpn)) {
      return Error{ErrorCode::kInvalidArgument,
                   "'" + partner.bpn + "' is not a BPNL (BPNL and 12 letters or digits)", "bpn", "",
                   0};
    }
    const std::string bpn = partner.bpn;
    if (!registry->partners_.emplace(bpn, std::move(partner)).second) {
      return Error{ErrorCode::kInvalidArgument, bpn + " is listed twice", "bpn", "", 0};
    }
  }
  return std::shared_ptr<const PartnerRegistry>(std::move(registry));
}

const policies::PartnerClaims* PartnerRegistry::find(std::string_view bpn) const {
  const auto it = partners_.find(bpn);
  return it == partners_.end() ? nullptr : &it->second;
}

MtlsPartnerAuthenticator::MtlsPartnerAuthenticator(std::shared_ptr<const PartnerRegistry> registry)
    : registry_(std::move(registry)) {}

Result<AuthenticatedPartner> MtlsPartnerAuthenticator::authenticate(
    const HttpRequest& request) const {
  if (!request.peer) return unauthenticated("no verified client certificate");
  const PeerCertificate& certificate = *request.peer;
  const auto bpn = bpnlOfCertificate(certificate);
  if (!bpn) {
    return unauthenticated("the client certificate " + certificate.subject +
                           " names no BPNL (subject CN or subjectAltName)");
  }
  const policies::PartnerClaims* claims = registry_->find(*bpn);
  if (claims == nullptr) return unauthenticated(*bpn + " is not in the partner registry");
  return AuthenticatedPartner{*claims, "mTLS certificate " + certificate.subject + " (SHA-256 " +
                                           certificate.sha256_fingerprint.substr(0, 16) + "…)"};
}

}  // namespace cxgw::gateway
