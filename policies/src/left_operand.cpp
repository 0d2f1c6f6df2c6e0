#include "cxgw/policies/left_operand.hpp"

#include <array>
#include <utility>

namespace cxgw::policies {
namespace {

struct Known {
  std::string_view name;
  LeftOperandKind kind;
  bool saturn;   // defined in the 2025/9 vocabulary
  bool jupiter;  // defined in the legacy cx-policy vocabulary
};

constexpr std::array<Known, 12> kKnown{{
    {"BusinessPartnerNumber", LeftOperandKind::kBusinessPartnerNumber, true, false},
    {"BusinessPartnerGroup", LeftOperandKind::kBusinessPartnerGroup, true, false},
    {"Membership", LeftOperandKind::kMembership, true, true},
    {"FrameworkAgreement", LeftOperandKind::kFrameworkAgreement, true, true},
    {"UsagePurpose", LeftOperandKind::kUsagePurpose, true, true},
    {"ContractReference", LeftOperandKind::kContractReference, true, true},
    {"AffiliatesRegion", LeftOperandKind::kAffiliatesRegion, true, false},
    {"AffiliatesBpnl", LeftOperandKind::kAffiliatesBpnl, true, false},
    {"DataUsageEndDate", LeftOperandKind::kDataUsageEndDate, true, false},
    {"DataUsageEndDurationDays", LeftOperandKind::kDataUsageEndDurationDays, true, false},
    {"DataUsageEndDefinition", LeftOperandKind::kDataUsageEndDefinition, true, false},
    {"inForceDate", LeftOperandKind::kInForceDate, false, false},
}};

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Error unknown(std::string_view iri) {
  return Error{ErrorCode::kInvalidArgument,
               "unknown left operand '" + std::string(iri) +
                   "'; the engine cannot evaluate it, so the rule can never be satisfied",
               "odrl:leftOperand", "", 0};
}

}  // namespace

Result<LeftOperand> parseLeftOperand(std::string_view iri) {
  LeftOperand operand;
  operand.iri = std::string(iri);
  if (startsWith(iri, kSaturnPolicyNamespace)) {
    const std::string_view name = iri.substr(kSaturnPolicyNamespace.size());
    for (const Known& known : kKnown) {
      if (known.saturn && known.name == name) {
        operand.kind = known.kind;
        operand.saturn = true;
        return operand;
      }
    }
    return unknown(iri);
  }
  if (startsWith(iri, kJupiterPolicyNamespace)) {
    std::string_view name = iri.substr(kJupiterPolicyNamespace.size());
    constexpr std::string_view kUseCaseFramework = "FrameworkAgreement.";
    if (startsWith(name, kUseCaseFramework) && name.size() > kUseCaseFramework.size()) {
      operand.kind = LeftOperandKind::kFrameworkAgreement;
      operand.framework_in_name = std::string(name.substr(kUseCaseFramework.size()));
      return operand;
    }
    for (const Known& known : kKnown) {
      if (known.jupiter && known.name == name) {
        operand.kind = known.kind;
        return operand;
      }
    }
    return unknown(iri);
  }
  if (startsWith(iri, kTractusXNamespace)) {
    const std::string_view name = iri.substr(kTractusXNamespace.size());
    if (name == "BusinessPartnerNumber") {
      operand.kind = LeftOperandKind::kBusinessPartnerNumber;
      return operand;
    }
    if (name == "BusinessPartnerGroup") {
      operand.kind = LeftOperandKind::kBusinessPartnerGroup;
      return operand;
    }
    return unknown(iri);
  }
  if (iri == std::string(kEdcNamespace) + "inForceDate") {
    operand.kind = LeftOperandKind::kInForceDate;
    return operand;
  }
  return unknown(iri);
}

std::string leftOperandName(const LeftOperand& operand) {
  if (!operand.framework_in_name.empty()) return "FrameworkAgreement." + operand.framework_in_name;
  for (const Known& known : kKnown) {
    if (known.kind == operand.kind) return std::string(known.name);
  }
  return operand.iri;
}

}  // namespace cxgw::policies
