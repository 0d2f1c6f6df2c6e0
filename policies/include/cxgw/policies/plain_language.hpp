#pragma once
// Policies as sentences a compliance officer can sign off, e.g. "Partners with an active
// Catena-X membership that have signed the Data Exchange Governance framework 1.0 may use this
// data for quality analysis until 31 Dec 2027."
//
// Rendering is deterministic and covers every construct the model has: a constraint the engine
// cannot evaluate is rendered as such ("… can never be granted"), never hidden.

#include <string>
#include <vector>

#include "cxgw/policies/policy.hpp"

namespace cxgw::policies {

struct RuleSentence {
  std::string kind;       // "permission", "prohibition" or "obligation"
  std::string canonical;  // the rule's canonical text (stable identity for diffs)
  std::string sentence;
};

// One sentence per rule, permissions first, in document order.
std::vector<RuleSentence> describeRules(const Policy& policy);

// The whole policy: a heading line naming the policy and its vocabulary, then the sentences,
// then a line per constraint the engine cannot evaluate.
std::string describePolicy(const Policy& policy);

// "DataExchangeGovernance:1.0" -> "the Data Exchange Governance framework 1.0"
std::string describeFrameworkAgreement(const std::string& value);

// "cx.quality.base:1" -> "quality analysis"; an unknown purpose is quoted as written.
std::string describeUsagePurpose(const std::string& value);

}  // namespace cxgw::policies
