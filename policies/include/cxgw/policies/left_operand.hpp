#pragma once
// The constraint left operands the engine understands, identified by their expanded IRIs in the
// Catena-X vocabularies:
//   Saturn   https://w3id.org/catenax/2025/9/policy/<Name>
//   Jupiter  https://w3id.org/catenax/policy/<Name> (FrameworkAgreement.<usecase> included)
//            https://w3id.org/tractusx/v0.0.1/ns/BusinessPartnerNumber | BusinessPartnerGroup
//   EDC      https://w3id.org/edc/v0.0.1/ns/inForceDate
// Any other IRI is unknown, and a constraint on it can never be satisfied (fail closed).

#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"

namespace cxgw::policies {

enum class LeftOperandKind {
  kBusinessPartnerNumber,
  kBusinessPartnerGroup,
  kMembership,
  kFrameworkAgreement,
  kUsagePurpose,
  kContractReference,
  kInForceDate,
  kAffiliatesRegion,
  kAffiliatesBpnl,
  kDataUsageEndDate,
  kDataUsageEndDurationDays,
  kDataUsageEndDefinition,
};

inline constexpr std::string_view kSaturnPolicyNamespace =
    "https://w3id.org/catenax/2025/9/policy/";
inline constexpr std::string_view kJupiterPolicyNamespace = "https://w3id.org/catenax/policy/";
inline constexpr std::string_view kTractusXNamespace = "https://w3id.org/tractusx/v0.0.1/ns/";
inline constexpr std::string_view kEdcNamespace = "https://w3id.org/edc/v0.0.1/ns/";

struct LeftOperand {
  LeftOperandKind kind = LeftOperandKind::kMembership;
  std::string iri;  // as written, expanded
  // Jupiter's use-case form `FrameworkAgreement.traceability` names the agreement in the left
  // operand ("traceability") and has "active" as right operand; empty otherwise.
  std::string framework_in_name;
  bool saturn = false;  // from the 2025/9 vocabulary
  friend bool operator==(const LeftOperand&, const LeftOperand&) = default;
};

// The left operand of an expanded IRI; kInvalidArgument naming the IRI when it is not known.
Result<LeftOperand> parseLeftOperand(std::string_view iri);

// The operand's short name, e.g. "FrameworkAgreement" or "FrameworkAgreement.traceability".
std::string leftOperandName(const LeftOperand& operand);

}  // namespace cxgw::policies
