#pragma once
// Builders of *expanded* JSON-LD policies for the policy tests, so that the engine is tested
// without the JSON-LD expander (tests/policies/catenax_examples_test.cpp covers the compact
// forms real connectors send).

#include <chrono>
#include <string>
#include <vector>

#include "cxgw/core/json_text.hpp"
#include "cxgw/core/timestamp.hpp"

namespace cxgw::policies::testing {

inline const std::string kOdrl = "http://www.w3.org/ns/odrl/2/";
inline const std::string kSaturn = "https://w3id.org/catenax/2025/9/policy/";
inline const std::string kJupiter = "https://w3id.org/catenax/policy/";
inline const std::string kTx = "https://w3id.org/tractusx/v0.0.1/ns/";
inline const std::string kEdc = "https://w3id.org/edc/v0.0.1/ns/";

inline std::string idRef(const std::string& iri) {
  return "[{\"@id\":" + json::quote(iri) + "}]";
}

// An atomic constraint: left operand IRI, operator local name, right operand values.
inline std::string atomic(const std::string& left_iri, const std::string& op,
                          const std::vector<std::string>& values) {
  std::string right;
  for (const std::string& v : values)
    right += (right.empty() ? "" : ",") + std::string("{\"@value\":") + json::quote(v) + "}";
  return "{\"" + kOdrl + "leftOperand\":" + idRef(left_iri) + ",\"" + kOdrl +
         "operator\":" + idRef(kOdrl + op) + ",\"" + kOdrl + "rightOperand\":[" + right + "]}";
}

inline std::string logical(const std::string& op, const std::vector<std::string>& operands) {
  std::string list;
  for (const std::string& o : operands) list += (list.empty() ? "" : ",") + o;
  return "{\"" + kOdrl + op + "\":[" + list + "]}";
}

inline std::string rule(const std::string& action_iri, const std::vector<std::string>& constraints,
                        const std::string& extra = "") {
  std::string list;
  for (const std::string& c : constraints) list += (list.empty() ? "" : ",") + c;
  return "{\"" + kOdrl + "action\":" + idRef(action_iri) + ",\"" + kOdrl + "constraint\":[" + list +
         "]" + extra + "}";
}

inline std::string use() {
  return kOdrl + "use";
}
inline std::string access() {
  return kSaturn + "access";
}

// An expanded PolicyDefinition (EDC management form) holding an odrl:Set.
inline std::string policyDefinition(const std::string& id,
                                    const std::vector<std::string>& permissions,
                                    const std::vector<std::string>& prohibitions = {},
                                    const std::vector<std::string>& obligations = {}) {
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
  };
  std::string policy = "{\"@type\":[\"" + kOdrl + "Set\"]";
  if (!permissions.empty()) policy += ",\"" + kOdrl + "permission\":[" + join(permissions) + "]";
  if (!prohibitions.empty()) policy += ",\"" + kOdrl + "prohibition\":[" + join(prohibitions) + "]";
  if (!obligations.empty()) policy += ",\"" + kOdrl + "obligation\":[" + join(obligations) + "]";
  policy += "}";
  return "[{\"@id\":" + json::quote(id) + ",\"@type\":[\"" + kEdc + "PolicyDefinition\"],\"" +
         kEdc + "policy\":[" + policy + "]}]";
}

inline std::chrono::system_clock::time_point at(const char* iso) {
  return *parseIsoTimestamp(iso);
}

}  // namespace cxgw::policies::testing
