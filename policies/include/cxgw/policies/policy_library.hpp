#pragma once
// The operator's policy library: ODRL policy definitions, contract definitions (an access
// policy and a contract policy bound to an asset selector) and business partner groups, read
// from expanded JSON-LD documents in the formats of the EDC / Tractus-X management API:
//
//   PolicyDefinition    {"@type": "PolicyDefinition", "@id": …, "policy": {ODRL policy}}
//   ContractDefinition  {"@type": "ContractDefinition", "@id": …, "accessPolicyId": …,
//                        "contractPolicyId": …, "assetsSelector": [criterion, …]}
//     criterion         {"operandLeft": IRI, "operator": "=" | "in", "operandRight": v | [v…]}
//   BPN groups          {"@id": "BPNL…", "tx:groups": ["gold", …]}   (Tractus-X namespace)
//
// A library is built once, validated as a whole, and immutable afterwards; share it as
// shared_ptr<const PolicyLibrary>. Reading files and reloading are the caller's business (this
// component does no I/O).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/core/result.hpp"
#include "cxgw/policies/policy.hpp"
#include "cxgw/policies/policy_evaluator.hpp"

namespace cxgw::policies {

inline constexpr std::string_view kContractDefinitionType =
    "https://w3id.org/edc/v0.0.1/ns/ContractDefinition";
inline constexpr std::string_view kAssetIdProperty = "https://w3id.org/edc/v0.0.1/ns/id";

struct AssetCriterion {
  std::string operand_left;  // an asset property IRI, e.g. https://w3id.org/edc/v0.0.1/ns/id
  std::string op;            // "=" or "in"
  std::vector<std::string> operand_right;
  friend bool operator==(const AssetCriterion&, const AssetCriterion&) = default;
};

struct ContractDefinition {
  std::string id;
  std::string access_policy_id;
  std::string contract_policy_id;
  std::vector<AssetCriterion> assets_selector;  // all must match; empty selects every asset
  std::string source;                           // file it came from
  friend bool operator==(const ContractDefinition&, const ContractDefinition&) = default;
};

// An asset as the selector sees it: its id and properties keyed by expanded IRI.
struct AssetDescription {
  std::string id;
  std::map<std::string, std::string> properties;
};

bool selectorMatches(const ContractDefinition& definition, const AssetDescription& asset);

struct LintFinding {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string source;    // file
  std::string location;  // JSON path inside it, or the definition id
  std::string message;
  std::string describe() const;  // "file: location: error: message"
};

struct StoredPolicy {
  Policy policy;
  std::string source;
};

class PolicyLibrary {
 public:
  const std::map<std::string, StoredPolicy>& policies() const { return policies_; }
  const std::map<std::string, ContractDefinition>& contractDefinitions() const {
    return contract_definitions_;
  }
  const std::map<std::string, std::set<std::string>>& groups() const {
    return groups_;
  }  // BPN -> groups
  const Policy* policy(const std::string& id) const;
  // The groups of `bpn` per the library (empty when none).
  std::vector<std::string> groupsOf(const std::string& bpn) const;
  // Warnings the library was built with (errors prevent building).
  const std::vector<LintFinding>& warnings() const { return warnings_; }

 private:
  friend class PolicyLibraryBuilder;
  std::map<std::string, StoredPolicy> policies_;
  std::map<std::string, ContractDefinition> contract_definitions_;
  std::map<std::string, std::set<std::string>> groups_;
  std::vector<LintFinding> warnings_;
};

class PolicyLibraryBuilder {
 public:
  // Adds the definitions of one expanded JSON-LD document (a JSON array of nodes). `source`
  // names the file in findings. Problems are collected, not returned: see findings().
  void addDocument(std::string_view source, std::string_view expanded_json);
  // Records that a source could not even be read or expanded.
  void addSourceError(std::string_view source, std::string_view location, std::string message);

  // Every error and warning so far, plus the cross-checks (unknown policy ids, duplicates,
  // constraints the engine cannot evaluate, unknown actions, contract definitions whose
  // policies use the wrong action for their role).
  std::vector<LintFinding> findings() const;

  // Every policy parsed so far, valid or not (for explaining a policy that does not lint).
  std::vector<const StoredPolicy*> parsedPolicies() const;

  // The library, or the first error (file, location, message) when there is any error.
  Result<std::shared_ptr<const PolicyLibrary>> build() const;

 private:
  void addPolicy(Policy policy, const std::string& source, const std::string& location);
  PolicyLibrary library_;
  std::map<std::string, std::string> policy_locations_;
  std::vector<LintFinding> findings_;
};

// The decisions the gateway takes at each scope, over one library snapshot. Every method is
// pure and thread-safe. The partner's groups are filled from the library when the claims carry
// none.
class PolicyEngine {
 public:
  explicit PolicyEngine(std::shared_ptr<const PolicyLibrary> library);

  const PolicyLibrary& library() const { return *library_; }

  // Catalog scope: is the offer of `definition` visible to the partner (its access policy)?
  Decision decideAccess(const ContractDefinition& definition, const PartnerClaims& claims,
                        const RequestContext& context, Detail detail = Detail::kFull) const;

  // Negotiation scope: the partner requests `requested`, which must equal the definition's
  // contract policy exactly (canonical rules), and the contract policy must allow.
  Decision decideNegotiation(const ContractDefinition& definition, const Policy& requested,
                             const PartnerClaims& claims, const RequestContext& context) const;

  // Transfer and data-access scopes: the agreed policy is evaluated again (expiry, retirement
  // of credentials). `context.scope` says which.
  Decision decideAgreement(const Policy& agreed, const PartnerClaims& claims,
                           const RequestContext& context) const;

  // The contract definitions offering `asset` to the partner: selector matches and access
  // policy allows. Each access policy is evaluated once per call, however many definitions
  // share it.
  std::vector<const ContractDefinition*> offersFor(const AssetDescription& asset,
                                                   const PartnerClaims& claims,
                                                   const RequestContext& context) const;

  // The same for many assets at once (a catalog page): result[i] belongs to assets[i].
  std::vector<std::vector<const ContractDefinition*>> offersFor(
      const std::vector<AssetDescription>& assets, const PartnerClaims& claims,
      const RequestContext& context) const;

 private:
  PartnerClaims withGroups(const PartnerClaims& claims) const;
  std::shared_ptr<const PolicyLibrary> library_;
};

}  // namespace cxgw::policies
