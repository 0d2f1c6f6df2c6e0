#pragma once
// Writes a policy model back as compact ODRL JSON-LD, for DSP messages: the offers of a catalog
// and the agreement of a negotiation carry the policy of the library exactly, in the vocabulary
// style the message's context defines.
//
// The output is one JSON object (no @context: the enclosing message supplies it). Expanding it
// under that context and parsing it with parsePolicy() gives a policy with the same canonical
// text (policy.hpp) as the one written. A policy holding an InvalidConstraint cannot be written
// faithfully; such a policy never passes the library's lint, and the writer asserts on it.
//
// Thread-safety: pure functions.

#include <string>
#include <utility>
#include <vector>

#include "cxgw/policies/policy.hpp"

namespace cxgw::policies {

// How IRIs are written. Keys (permission, constraint, leftOperand, …) are the ODRL property
// names with `odrl_term_prefix` in front ("" under the DSP 2025-1 context, "odrl:" under a prefix
// map). Vocabulary values (actions, left operands, operators) whose IRI starts with one of the
// namespaces are written as the replacement followed by the rest of the IRI; the first matching
// namespace wins; any other IRI is written in full, which expands to itself in every context.
// Under a context that types those properties (@type @vocab / @id, as the ODRL contexts do)
// IRIs are plain strings; under a bare prefix map they must be {"@id": …} objects
// (`iris_as_id_objects`), or they would expand to literals.
struct OdrlWriteStyle {
  std::string odrl_term_prefix;
  std::vector<std::pair<std::string, std::string>> vocabulary_prefixes;  // namespace -> prefix
  bool iris_as_id_objects = false;
};

// The members around the rules: which offer or agreement this is and between whom.
struct OdrlEnvelope {
  std::string id;
  std::string type;  // "Offer", "Agreement" or "Set" (the ODRL prefix is added per style)
  std::string target;
  std::string assigner;
  std::string assignee;
  // Further string members, written as given after the ones above (e.g. {"timestamp", …}).
  std::vector<std::pair<std::string, std::string>> extra_members;
};

std::string writeOdrlPolicy(const Policy& policy, const OdrlEnvelope& envelope,
                            const OdrlWriteStyle& style);

}  // namespace cxgw::policies
