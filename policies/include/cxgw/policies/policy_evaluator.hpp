#pragma once
// Evaluation of one policy against a partner's verified claims and the request context. Pure:
// no I/O, no clock, no globals; the same inputs always give the same decision.
//
// Semantics (docs/policies.md):
// - A policy allows when at least one permission for the requested action has every constraint
//   holding and no duty, no prohibition for that action applies, and the policy has no
//   obligation (the gateway can discharge no duty, so a duty means deny).
// - A constraint the engine does not understand (InvalidConstraint), a right operand of the
//   wrong type or a claim it cannot compare is never satisfied in a permission and always
//   applies in a prohibition: fail closed, both ways.
// - The requested action follows from the scope: catalog checks the access policy (Saturn
//   `access`, Jupiter `use`), every other scope the contract policy (`use`).
//
// Thread-safety: all functions are reentrant; the inputs are read only.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/policies/policy.hpp"

namespace cxgw::policies {

// Where in the Dataspace Protocol flow a decision is made.
enum class Scope {
  kCatalog,      // access policy: is the offer visible to the partner
  kNegotiation,  // contract policy: may the partner agree to it
  kTransfer,     // contract policy again, for a transfer under an agreement
  kDataAccess,   // contract policy again, for each data request under an agreement
};

std::string_view scopeName(Scope scope);  // "catalog", "negotiation", "transfer", "data_access"

struct FrameworkAgreementClaim {
  std::string name;     // e.g. "DataExchangeGovernance", "traceability"
  std::string version;  // e.g. "1.0"; empty when the credential states none
};

// What the partner's identity verification established (mTLS certificate plus partner
// registry, or DCP credentials later).
struct PartnerClaims {
  std::string bpn;  // BPNL of the legal entity
  std::string did;  // empty when unknown
  bool catena_x_member = false;
  std::vector<FrameworkAgreementClaim> framework_agreements;
  std::vector<std::string> groups;               // business partner groups the BPN belongs to
  std::vector<std::string> contract_references;  // bilateral contracts the partner holds
};

struct RequestContext {
  Scope scope = Scope::kCatalog;
  std::chrono::system_clock::time_point now;
  std::string asset_id;
  // The purposes the partner declared (at negotiation: those of the policy it requested; later:
  // those of its agreement).
  std::vector<std::string> declared_purposes;
  // When the agreement was signed; at catalog and negotiation scope it does not exist yet and
  // `now` stands in for it.
  std::optional<std::chrono::system_clock::time_point> agreement_signed_at;
  // Set when the partner requests on behalf of an affiliate (AffiliatesBpnl / AffiliatesRegion).
  std::string affiliate_bpn;
  std::string affiliate_region;  // e.g. "cx.region.europe:1"
};

enum class Outcome {
  kHolds,    // the constraint is satisfied
  kFails,    // it is not
  kInvalid,  // it cannot be evaluated (unknown operand, wrong type, malformed)
};

// Why a decision came out as it did: one node per rule and constraint, in words.
struct Explanation {
  Outcome outcome = Outcome::kFails;
  std::string text;  // e.g. "FrameworkAgreement requires DataExchangeGovernance:1.0; partner
                     // BPNL000000000OEM presented none"
  std::vector<Explanation> children;
};

struct Decision {
  bool allowed = false;
  // One sentence for the audit trail and the operator, e.g. "permission 1 granted: all 3
  // constraints hold" or the first failing constraint's explanation.
  std::string reason;
  // What a refused partner may be told: names the unmet requirement in terms of the partner's
  // own claims only, never other partners' BPNs, groups or unrelated policies.
  std::string partner_reason;
  Explanation explanation;  // empty children when evaluated with kDecisionOnly
};

enum class Detail {
  kFull,          // reason, partner_reason and the whole explanation tree
  kDecisionOnly,  // allowed plus a short reason; no tree (the hot path)
};

// The usage purposes a partner declares by requesting or agreeing to `policy`: the values of
// its UsagePurpose constraints with eq, in or isAnyOf (isAllOf: all of them). The DSP layer
// passes them as RequestContext::declared_purposes when the request carries no other
// declaration.
std::vector<std::string> purposesDeclaredBy(const Policy& policy);

Decision evaluatePolicy(const Policy& policy, const PartnerClaims& claims,
                        const RequestContext& context, Detail detail = Detail::kFull);

}  // namespace cxgw::policies
