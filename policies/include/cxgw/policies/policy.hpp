#pragma once
// The ODRL policy model the engine evaluates: a policy is a set of permissions, prohibitions and
// obligations; a rule has an action, constraints and (permissions only) duties; a constraint is
// atomic (left operand, operator, right operand) or logical (and / or / xone / andSequence).
//
// A model is produced by parsePolicy() (policy_parser.hpp) from expanded JSON-LD and is
// immutable afterwards. Anything the parser could not understand is kept in the model as an
// InvalidConstraint with its reason, so that the evaluator can fail closed on exactly that
// constraint and explain it, and `cxgw policy lint` can report it.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cxgw/policies/left_operand.hpp"
#include "cxgw/policies/odrl_operator.hpp"

namespace cxgw::policies {

// The two Catena-X vocabularies (issue "Usage policies"): Jupiter (cx-policy
// https://w3id.org/catenax/policy/ plus the Tractus-X namespace) and Saturn (2025/9).
enum class Vocabulary { kJupiter, kSaturn, kMixed, kNone };

// A right operand: one or more literal values as written, in document order. A list operand
// (`isAnyOf`, `isAllOf`, `isNoneOf`, `in`) has several values; a scalar one exactly one.
struct RightOperand {
  std::vector<std::string> values;
  friend bool operator==(const RightOperand&, const RightOperand&) = default;
};

struct AtomicConstraint {
  LeftOperand left;
  OdrlOperator op;
  RightOperand right;
  friend bool operator==(const AtomicConstraint&, const AtomicConstraint&) = default;
};

// A constraint the parser could not understand: an unknown left operand or operator, a right
// operand of the wrong type, a malformed structure. It can never be satisfied.
struct InvalidConstraint {
  std::string reason;    // e.g. "unknown left operand 'https://example.com/Foo'"
  std::string location;  // JSON path in the policy, e.g. "permission[0].constraint[1]"
  friend bool operator==(const InvalidConstraint&, const InvalidConstraint&) = default;
};

enum class LogicalOperator { kAnd, kOr, kXone, kAndSequence };

struct LogicalConstraint;

using Constraint = std::variant<AtomicConstraint, LogicalConstraint, InvalidConstraint>;

struct LogicalConstraint {
  LogicalOperator op;
  std::vector<Constraint> operands;
  friend bool operator==(const LogicalConstraint&, const LogicalConstraint&) = default;
};

// The actions Catena-X rules use. Saturn access policies use `access`, usage policies `use`;
// Jupiter uses `use` for both.
enum class Action { kUse, kAccess };

struct Duty {
  std::string action;  // expanded IRI of the duty's action
  std::vector<Constraint> constraints;
  friend bool operator==(const Duty&, const Duty&) = default;
};

struct Rule {
  std::optional<Action> action;         // empty when the action is not one of the known ones
  std::string action_iri;               // as written (expanded)
  std::vector<Constraint> constraints;  // all must hold (an implicit and)
  std::vector<Duty> duties;             // permissions only
  friend bool operator==(const Rule&, const Rule&) = default;
};

struct Policy {
  std::string id;    // the PolicyDefinition's @id (or the ODRL policy's uid)
  std::string type;  // "Set", "Offer" or "Agreement"
  std::vector<Rule> permissions;
  std::vector<Rule> prohibitions;
  std::vector<Duty> obligations;
  std::string assigner;  // BPN or DID, when the policy names one
  std::string assignee;
  Vocabulary vocabulary = Vocabulary::kNone;
  // SHA-256 over the policy's canonical form (canonicalPolicyText below): equal for equal
  // policies, whatever the JSON-LD compaction or key order they were written in.
  std::string content_hash;
  friend bool operator==(const Policy&, const Policy&) = default;
};

// A deterministic text form of the policy's rules alone (not its id, type, assigner or
// assignee, which a DSP offer and agreement change): one line per rule, sorted, with
// order-insensitive parts sorted too. The basis of content_hash, of "the requested offer must
// equal an offered policy exactly", and of `cxgw policy diff`.
std::string canonicalPolicyText(const Policy& policy);

// Where a policy holds InvalidConstraints: each one's location and reason. Empty for a policy
// the engine fully understands.
std::vector<InvalidConstraint> invalidConstraints(const Policy& policy);

}  // namespace cxgw::policies
