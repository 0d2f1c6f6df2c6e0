#include "cxgw/policies/policy_library.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <unordered_map>

#include "cxgw/policies/policy_parser.hpp"
#include "expanded_node.hpp"
#include "policy_node_parser.hpp"

namespace cxgw::policies {
namespace {

const std::string kEdc(kEdcNamespace);
const std::string kAccessPolicyId = kEdc + "accessPolicyId";
const std::string kContractPolicyId = kEdc + "contractPolicyId";
const std::string kAssetsSelector = kEdc + "assetsSelector";
const std::string kOperandLeft = kEdc + "operandLeft";
const std::string kOperator = kEdc + "operator";
const std::string kOperandRight = kEdc + "operandRight";
const std::string kGroups = std::string(kTractusXNamespace) + "groups";

bool isBpnl(std::string_view value) {
  return value.size() == 16 && value.substr(0, 4) == "BPNL" &&
         std::all_of(value.begin() + 4, value.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

bool isPolicyNode(const rapidjson::Value& node) {
  static const std::string kOdrl = "http://www.w3.org/ns/odrl/2/";
  return expanded::hasType(node, kPolicyDefinitionType) ||
         expanded::property(node, kEdc + "policy") != nullptr ||
         expanded::hasType(node, kOdrl + "Set") || expanded::hasType(node, kOdrl + "Offer") ||
         expanded::hasType(node, kOdrl + "Agreement") || expanded::hasType(node, kOdrl + "Policy");
}

std::optional<std::string> singleText(const rapidjson::Value& node, const std::string& iri) {
  const rapidjson::Value* values = expanded::property(node, iri);
  if (values == nullptr) return std::nullopt;
  auto texts = expanded::texts(*values);
  if (!texts || texts->size() != 1) return std::nullopt;
  return std::move(texts->front());
}

}  // namespace

std::string LintFinding::describe() const {
  std::string out = source;
  if (!location.empty()) out += (out.empty() ? "" : ": ") + location;
  out += (out.empty() ? "" : ": ");
  out += severity == Severity::kError ? "error: " : "warning: ";
  return out + message;
}

bool selectorMatches(const ContractDefinition& definition, const AssetDescription& asset) {
  for (const AssetCriterion& criterion : definition.assets_selector) {
    const std::string* value = nullptr;
    if (criterion.operand_left == kAssetIdProperty) {
      value = &asset.id;
    } else if (const auto it = asset.properties.find(criterion.operand_left);
               it != asset.properties.end()) {
      value = &it->second;
    }
    if (value == nullptr) return false;
    if (std::find(criterion.operand_right.begin(), criterion.operand_right.end(), *value) ==
        criterion.operand_right.end()) {
      return false;
    }
  }
  return true;
}

const Policy* PolicyLibrary::policy(const std::string& id) const {
  const auto it = policies_.find(id);
  return it == policies_.end() ? nullptr : &it->second.policy;
}

std::vector<std::string> PolicyLibrary::groupsOf(const std::string& bpn) const {
  const auto it = groups_.find(bpn);
  if (it == groups_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void PolicyLibraryBuilder::addSourceError(std::string_view source, std::string_view location,
                                          std::string message) {
  findings_.push_back({LintFinding::Severity::kError, std::string(source), std::string(location),
                       std::move(message)});
}

void PolicyLibraryBuilder::addPolicy(Policy policy, const std::string& source,
                                     const std::string& location) {
  const std::string id = policy.id;
  if (library_.policies_.count(id) != 0) {
    addSourceError(source, location,
                   "policy id '" + id + "' is defined twice (first in " +
                       library_.policies_.at(id).source + ")");
    return;
  }
  policy_locations_[id] = location;
  library_.policies_.emplace(id, StoredPolicy{std::move(policy), source});
}

void PolicyLibraryBuilder::addDocument(std::string_view source_view,
                                       std::string_view expanded_json) {
  const std::string source(source_view);
  rapidjson::Document document;
  document.Parse(expanded_json.data(), expanded_json.size());
  if (document.HasParseError()) {
    addSourceError(source, "",
                   std::string("not JSON: ") +
                       rapidjson::GetParseError_En(document.GetParseError()) + " at offset " +
                       std::to_string(document.GetErrorOffset()));
    return;
  }
  if (!document.IsArray()) {
    addSourceError(source, "", "an expanded JSON-LD document must be an array of nodes");
    return;
  }
  size_t i = 0;
  for (const auto& node : document.GetArray()) {
    const std::string path = "[" + std::to_string(i++) + "]";
    const std::string id = expanded::id(node);
    const std::string where = id.empty() ? path : path + " (" + id + ")";
    if (isPolicyNode(node)) {
      auto policy = parsePolicyNode(node, path, "");
      if (!policy) {
        addSourceError(source, policy.error().key.empty() ? where : policy.error().key,
                       policy.error().message);
        continue;
      }
      addPolicy(std::move(policy).value(), source, where);
    } else if (expanded::hasType(node, kContractDefinitionType) ||
               expanded::property(node, kAccessPolicyId) != nullptr) {
      ContractDefinition definition;
      definition.id = id;
      definition.source = source;
      if (id.empty()) {
        addSourceError(source, path, "the contract definition has no @id");
        continue;
      }
      const auto access = singleText(node, kAccessPolicyId);
      const auto contract = singleText(node, kContractPolicyId);
      if (!access)
        addSourceError(source, where + ".accessPolicyId", "needs exactly one access policy id");
      if (!contract)
        addSourceError(source, where + ".contractPolicyId", "needs exactly one contract policy id");
      if (!access || !contract) continue;
      definition.access_policy_id = *access;
      definition.contract_policy_id = *contract;
      bool ok = true;
      if (const rapidjson::Value* criteria = expanded::property(node, kAssetsSelector)) {
        size_t c = 0;
        for (const auto& criterion_node : criteria->GetArray()) {
          const std::string at = where + ".assetsSelector[" + std::to_string(c++) + "]";
          const auto left = singleText(criterion_node, kOperandLeft);
          const auto op = singleText(criterion_node, kOperator);
          const rapidjson::Value* right_values = expanded::property(criterion_node, kOperandRight);
          auto right = right_values != nullptr ? expanded::texts(*right_values) : std::nullopt;
          if (!left || !op || !right || right->empty()) {
            addSourceError(source, at, "a criterion needs operandLeft, operator and operandRight");
            ok = false;
            continue;
          }
          if (*op != "=" && *op != "in") {
            addSourceError(source, at,
                           "unsupported selector operator '" + *op + "' (use '=' or 'in')");
            ok = false;
            continue;
          }
          if (*op == "=" && right->size() != 1) {
            addSourceError(source, at, "operator '=' takes one operandRight value");
            ok = false;
            continue;
          }
          definition.assets_selector.push_back({*left, *op, std::move(*right)});
        }
      }
      if (!ok) continue;
      if (library_.contract_definitions_.count(definition.id) != 0) {
        addSourceError(source, where,
                       "contract definition id '" + definition.id + "' is defined twice");
        continue;
      }
      library_.contract_definitions_.emplace(definition.id, std::move(definition));
    } else if (const rapidjson::Value* groups = expanded::property(node, kGroups)) {
      if (!isBpnl(id)) {
        addSourceError(source, where,
                       "a business partner group entry's @id must be a BPNL, got '" + id + "'");
        continue;
      }
      auto names = expanded::texts(*groups);
      if (!names) {
        addSourceError(source, where + ".groups", "groups must be a list of names");
        continue;
      }
      library_.groups_[id].insert(names->begin(), names->end());
    } else {
      addSourceError(source, where,
                     "not a PolicyDefinition, ContractDefinition or business partner group entry "
                     "(check its @type and @context)");
    }
  }
}

std::vector<LintFinding> PolicyLibraryBuilder::findings() const {
  std::vector<LintFinding> out = findings_;
  auto error = [&](const std::string& source, const std::string& location, std::string message) {
    out.push_back({LintFinding::Severity::kError, source, location, std::move(message)});
  };
  auto warning = [&](const std::string& source, const std::string& location, std::string message) {
    out.push_back({LintFinding::Severity::kWarning, source, location, std::move(message)});
  };
  for (const auto& entry : library_.policies_) {
    const StoredPolicy& stored = entry.second;
    const std::string& where = policy_locations_.at(entry.first);
    for (const InvalidConstraint& invalid : invalidConstraints(stored.policy)) {
      error(stored.source, where + " " + invalid.location,
            invalid.reason + "; this rule can never be satisfied");
    }
    auto rules = [&](const std::vector<Rule>& list, std::string_view kind) {
      for (size_t i = 0; i < list.size(); ++i) {
        if (!list[i].action && !list[i].action_iri.empty()) {
          error(stored.source, where + " " + std::string(kind) + "[" + std::to_string(i) + "]",
                "unknown action '" + list[i].action_iri +
                    "' (expected odrl:use or cx-policy:access)");
        }
        if (!list[i].duties.empty()) {
          warning(
              stored.source, where + " " + std::string(kind) + "[" + std::to_string(i) + "]",
              "the permission carries a duty the gateway cannot discharge, so it is never granted");
        }
      }
    };
    rules(stored.policy.permissions, "permission");
    rules(stored.policy.prohibitions, "prohibition");
    if (!stored.policy.obligations.empty()) {
      warning(stored.source, where,
              "the policy carries obligations the gateway cannot discharge, so it never allows");
    }
  }
  for (const auto& [id, definition] : library_.contract_definitions_) {
    const Policy* access = library_.policy(definition.access_policy_id);
    const Policy* contract = library_.policy(definition.contract_policy_id);
    if (access == nullptr) {
      error(definition.source, id,
            "access policy '" + definition.access_policy_id + "' is not defined");
    }
    if (contract == nullptr) {
      error(definition.source, id,
            "contract policy '" + definition.contract_policy_id + "' is not defined");
    }
    if (contract != nullptr) {
      const bool uses = std::any_of(contract->permissions.begin(), contract->permissions.end(),
                                    [](const Rule& r) { return r.action == Action::kUse; });
      if (!uses) {
        error(definition.source, id,
              "contract policy '" + contract->id +
                  "' has no permission with action use, so nobody can ever agree to it");
      }
    }
    if (access != nullptr && access->vocabulary == Vocabulary::kSaturn) {
      const bool any_access =
          std::any_of(access->permissions.begin(), access->permissions.end(),
                      [](const Rule& r) { return r.action == Action::kAccess; });
      if (!any_access) {
        warning(definition.source, id,
                "access policy '" + access->id +
                    "' uses the 2025/9 vocabulary but no permission has action access");
      }
    }
  }
  return out;
}

std::vector<const StoredPolicy*> PolicyLibraryBuilder::parsedPolicies() const {
  std::vector<const StoredPolicy*> out;
  for (const auto& [id, stored] : library_.policies_) out.push_back(&stored);
  return out;
}

Result<std::shared_ptr<const PolicyLibrary>> PolicyLibraryBuilder::build() const {
  auto library = std::make_shared<PolicyLibrary>(library_);
  for (LintFinding& finding : findings()) {
    if (finding.severity == LintFinding::Severity::kError) {
      return Error{ErrorCode::kInvalidArgument, finding.message, finding.location, finding.source,
                   0};
    }
    library->warnings_.push_back(std::move(finding));
  }
  return std::shared_ptr<const PolicyLibrary>(std::move(library));
}

PolicyEngine::PolicyEngine(std::shared_ptr<const PolicyLibrary> library)
    : library_(std::move(library)) {}

PartnerClaims PolicyEngine::withGroups(const PartnerClaims& claims) const {
  if (!claims.groups.empty()) return claims;
  PartnerClaims out = claims;
  out.groups = library_->groupsOf(claims.bpn);
  return out;
}

namespace {

Decision missingPolicy(const std::string& role, const std::string& id) {
  Decision decision;
  decision.reason = "the " + role + " policy '" + id + "' is not in the library";
  decision.partner_reason = "no offer is available";
  decision.explanation.text = decision.reason;
  return decision;
}

}  // namespace

Decision PolicyEngine::decideAccess(const ContractDefinition& definition,
                                    const PartnerClaims& claims, const RequestContext& context,
                                    Detail detail) const {
  const Policy* access = library_->policy(definition.access_policy_id);
  if (access == nullptr) return missingPolicy("access", definition.access_policy_id);
  RequestContext catalog = context;
  catalog.scope = Scope::kCatalog;
  return evaluatePolicy(*access, withGroups(claims), catalog, detail);
}

Decision PolicyEngine::decideNegotiation(const ContractDefinition& definition,
                                         const Policy& requested, const PartnerClaims& claims,
                                         const RequestContext& context) const {
  const Policy* contract = library_->policy(definition.contract_policy_id);
  if (contract == nullptr) return missingPolicy("contract", definition.contract_policy_id);
  if (canonicalPolicyText(requested) != canonicalPolicyText(*contract)) {
    Decision decision;
    decision.reason =
        "the requested policy differs from the offered contract policy '" + contract->id + "'";
    decision.partner_reason = "the requested policy does not equal the offered one";
    decision.explanation.text = decision.reason;
    return decision;
  }
  RequestContext negotiation = context;
  negotiation.scope = Scope::kNegotiation;
  return evaluatePolicy(*contract, withGroups(claims), negotiation);
}

Decision PolicyEngine::decideAgreement(const Policy& agreed, const PartnerClaims& claims,
                                       const RequestContext& context) const {
  return evaluatePolicy(agreed, withGroups(claims), context);
}

std::vector<const ContractDefinition*> PolicyEngine::offersFor(
    const AssetDescription& asset, const PartnerClaims& claims,
    const RequestContext& context) const {
  return offersFor(std::vector<AssetDescription>{asset}, claims, context).front();
}

std::vector<std::vector<const ContractDefinition*>> PolicyEngine::offersFor(
    const std::vector<AssetDescription>& assets, const PartnerClaims& claims,
    const RequestContext& context) const {
  const PartnerClaims partner = withGroups(claims);
  RequestContext catalog = context;
  catalog.scope = Scope::kCatalog;
  std::unordered_map<std::string, bool> allowed;  // access policy id -> decision, once per call
  std::vector<const ContractDefinition*> visible;
  for (const auto& [id, definition] : library_->contractDefinitions()) {
    auto it = allowed.find(definition.access_policy_id);
    if (it == allowed.end()) {
      const Policy* access = library_->policy(definition.access_policy_id);
      const bool allow = access != nullptr &&
                         evaluatePolicy(*access, partner, catalog, Detail::kDecisionOnly).allowed;
      it = allowed.emplace(definition.access_policy_id, allow).first;
    }
    if (it->second) visible.push_back(&definition);
  }
  std::vector<std::vector<const ContractDefinition*>> out(assets.size());
  for (size_t i = 0; i < assets.size(); ++i) {
    for (const ContractDefinition* definition : visible) {
      if (selectorMatches(*definition, assets[i])) out[i].push_back(definition);
    }
  }
  return out;
}

}  // namespace cxgw::policies
