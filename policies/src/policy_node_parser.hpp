#pragma once
// The policy parser's entry for a node that is already parsed, shared by parsePolicy() and
// the policy library (which reads documents holding several definitions).

#include <rapidjson/document.h>

#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/policies/policy.hpp"

namespace cxgw::policies {

// `node` is an expanded PolicyDefinition or ODRL policy node; `path` its location for errors.
Result<Policy> parsePolicyNode(const rapidjson::Value& node, const std::string& path,
                               std::string_view fallback_id);

}  // namespace cxgw::policies
