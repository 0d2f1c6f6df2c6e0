#pragma once
// Parsing ODRL policies from *expanded* JSON-LD (the output of schemas::JsonLdExpander), so
// prefixes, @vocab and compaction style do not matter: only IRIs are compared.
//
// Accepted documents: an EDC PolicyDefinition (@type edc:PolicyDefinition with edc:policy) or
// a bare ODRL policy node (@type odrl:Set, odrl:Offer, odrl:Agreement or odrl:Policy).
//
// Structural errors (not JSON, no policy node, a member the engine does not know at policy
// level, a rule that is not an object) are returned as an Error whose key is the JSON path.
// A constraint the engine cannot understand is *not* an error here: it is kept in the model as
// an InvalidConstraint, so the policy still loads for explanation but can never grant (see
// policy_evaluator.hpp); `cxgw policy lint` reports each one as an error.

#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"
#include "cxgw/policies/policy.hpp"

namespace cxgw::policies {

inline constexpr std::string_view kPolicyDefinitionType =
    "https://w3id.org/edc/v0.0.1/ns/PolicyDefinition";

// `expanded_json` is a JSON-LD expanded document (a JSON array of node objects) holding one
// policy. `fallback_id` names the policy when the document gives it no @id.
Result<Policy> parsePolicy(std::string_view expanded_json, std::string_view fallback_id = {});

}  // namespace cxgw::policies
