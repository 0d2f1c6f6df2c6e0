#pragma once
// The port that turns a request into the verified claims of the partner behind it (BPN, DID,
// membership, framework agreements). The DSP provider, the consumer callbacks and the data
// plane ask it; they never look at certificates or tokens themselves, so a further
// implementation (Catena-X DCP: self-issued ID token plus verifiable presentations) replaces
// the mutual-TLS one without touching them.
//
// Thread-safety: implementations are immutable after construction and safe to call
// concurrently.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/http/http_message.hpp"
#include "cxgw/policies/policy_evaluator.hpp"

namespace cxgw::gateway {

struct AuthenticatedPartner {
  policies::PartnerClaims claims;
  // How the identity was verified, for the audit trail, e.g.
  // "mTLS certificate CN=BPNL000000000OEM (SHA-256 3f…)".
  std::string credential;
};

class PartnerAuthenticator {
 public:
  virtual ~PartnerAuthenticator() = default;
  // The partner's verified claims, or kUnauthenticated with the reason (for the log, not for
  // the partner: callers answer 401 without detail).
  virtual Result<AuthenticatedPartner> authenticate(const HttpRequest& request) const = 0;
};

// The token of an Authorization header in either form connectors send: "Bearer <token>"
// (case-insensitive scheme) or, as EDC does, the bare token. Empty when there is no header.
std::optional<std::string_view> authorizationToken(const HttpRequest& request);

}  // namespace cxgw::gateway
