#include "cxgw/policies/policy.hpp"

#include <algorithm>

#include "cxgw/core/json_text.hpp"

namespace cxgw::policies {
namespace {

std::string_view logicalName(LogicalOperator op) {
  switch (op) {
    case LogicalOperator::kAnd:
      return "and";
    case LogicalOperator::kOr:
      return "or";
    case LogicalOperator::kXone:
      return "xone";
    case LogicalOperator::kAndSequence:
      return "andSequence";
  }
  return "?";
}

bool isListOperator(OdrlOperator op) {
  return op == OdrlOperator::kIn || op == OdrlOperator::kIsAnyOf || op == OdrlOperator::kIsAllOf ||
         op == OdrlOperator::kIsNoneOf;
}

// Canonical texts are one line each; order-insensitive collections are sorted so that the same
// policy written in another order has the same text.
std::string canonical(const Constraint& constraint) {
  if (const auto* atomic = std::get_if<AtomicConstraint>(&constraint)) {
    std::vector<std::string> values = atomic->right.values;
    if (isListOperator(atomic->op)) {
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
    }
    std::string out =
        "(" + atomic->left.iri + " " + std::string(odrlOperatorName(atomic->op)) + " [";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ",";
      json::appendString(out, values[i]);
    }
    return out + "])";
  }
  if (const auto* invalid = std::get_if<InvalidConstraint>(&constraint)) {
    return "(invalid " + json::quote(invalid->reason) + ")";
  }
  const auto& logical = std::get<LogicalConstraint>(constraint);
  std::vector<std::string> parts;
  for (const Constraint& operand : logical.operands) parts.push_back(canonical(operand));
  if (logical.op != LogicalOperator::kAndSequence) std::sort(parts.begin(), parts.end());
  std::string out = "(" + std::string(logicalName(logical.op));
  for (const std::string& part : parts) out += " " + part;
  return out + ")";
}

std::string canonicalConstraints(const std::vector<Constraint>& constraints) {
  std::vector<std::string> parts;
  for (const Constraint& c : constraints) parts.push_back(canonical(c));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& part : parts) out += " " + part;
  return out;
}

std::string canonicalDuty(const Duty& duty) {
  return "duty <" + duty.action + ">" + canonicalConstraints(duty.constraints);
}

std::string canonicalRule(std::string_view kind, const Rule& rule) {
  std::string out =
      std::string(kind) + " <" + rule.action_iri + ">" + canonicalConstraints(rule.constraints);
  std::vector<std::string> duties;
  for (const Duty& duty : rule.duties) duties.push_back(canonicalDuty(duty));
  std::sort(duties.begin(), duties.end());
  for (const std::string& duty : duties) out += " {" + duty + "}";
  return out;
}

void collectInvalid(const Constraint& constraint, std::vector<InvalidConstraint>& out) {
  if (const auto* invalid = std::get_if<InvalidConstraint>(&constraint)) {
    out.push_back(*invalid);
  } else if (const auto* logical = std::get_if<LogicalConstraint>(&constraint)) {
    for (const Constraint& operand : logical->operands) collectInvalid(operand, out);
  }
}

}  // namespace

std::string canonicalPolicyText(const Policy& policy) {
  std::vector<std::string> lines;
  for (const Rule& rule : policy.permissions) lines.push_back(canonicalRule("permission", rule));
  for (const Rule& rule : policy.prohibitions) lines.push_back(canonicalRule("prohibition", rule));
  for (const Duty& duty : policy.obligations) lines.push_back("obligation " + canonicalDuty(duty));
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

std::vector<InvalidConstraint> invalidConstraints(const Policy& policy) {
  std::vector<InvalidConstraint> out;
  auto rule = [&](const Rule& r) {
    for (const Constraint& c : r.constraints) collectInvalid(c, out);
    for (const Duty& d : r.duties) {
      for (const Constraint& c : d.constraints) collectInvalid(c, out);
    }
  };
  for (const Rule& r : policy.permissions) rule(r);
  for (const Rule& r : policy.prohibitions) rule(r);
  for (const Duty& d : policy.obligations) {
    for (const Constraint& c : d.constraints) collectInvalid(c, out);
  }
  return out;
}

}  // namespace cxgw::policies
