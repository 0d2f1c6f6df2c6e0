#include "cxgw/policies/policy_writer.hpp"

#include <cassert>
#include <string_view>
#include <variant>

#include "cxgw/core/json_text.hpp"
#include "cxgw/policies/odrl_operator.hpp"

namespace cxgw::policies {
namespace {

class OdrlWriter {
 public:
  explicit OdrlWriter(const OdrlWriteStyle& style) : style_(style) {}

  void key(std::string& out, std::string_view name) const {
    json::appendString(out, style_.odrl_term_prefix + std::string(name));
    out += ':';
  }

  void vocabulary(std::string& out, std::string_view iri) const {
    for (const auto& [ns, prefix] : style_.vocabulary_prefixes) {
      if (iri.size() > ns.size() && iri.substr(0, ns.size()) == ns) {
        reference(out, prefix + std::string(iri.substr(ns.size())));
        return;
      }
    }
    reference(out, iri);
  }

  // An IRI value (compacted or not).
  void reference(std::string& out, std::string_view iri) const {
    if (style_.iris_as_id_objects) out += "{\"@id\":";
    json::appendString(out, iri);
    if (style_.iris_as_id_objects) out += '}';
  }

  void constraint(std::string& out, const Constraint& constraint) const {
    if (const auto* atomic = std::get_if<AtomicConstraint>(&constraint)) {
      out += '{';
      key(out, "leftOperand");
      vocabulary(out, atomic->left.iri);
      out += ',';
      key(out, "operator");
      vocabulary(out, std::string(kOdrlNamespace) + std::string(odrlOperatorName(atomic->op)));
      out += ',';
      key(out, "rightOperand");
      if (atomic->right.values.size() == 1) {
        json::appendString(out, atomic->right.values.front());
      } else {
        out += '[';
        for (size_t i = 0; i < atomic->right.values.size(); ++i) {
          if (i > 0) out += ',';
          json::appendString(out, atomic->right.values[i]);
        }
        out += ']';
      }
      out += '}';
      return;
    }
    const auto* logical = std::get_if<LogicalConstraint>(&constraint);
    assert(logical != nullptr && "an invalid constraint cannot be written");
    if (logical == nullptr) return;
    out += '{';
    key(out, logicalName(logical->op));
    constraints(out, logical->operands);
    out += '}';
  }

  void constraints(std::string& out, const std::vector<Constraint>& list) const {
    out += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += ',';
      constraint(out, list[i]);
    }
    out += ']';
  }

  void duty(std::string& out, const Duty& duty) const {
    out += '{';
    key(out, "action");
    vocabulary(out, duty.action);
    if (!duty.constraints.empty()) {
      out += ',';
      key(out, "constraint");
      constraints(out, duty.constraints);
    }
    out += '}';
  }

  void rule(std::string& out, const Rule& rule) const {
    out += '{';
    key(out, "action");
    vocabulary(out, rule.action_iri);
    if (!rule.constraints.empty()) {
      out += ',';
      key(out, "constraint");
      constraints(out, rule.constraints);
    }
    if (!rule.duties.empty()) {
      out += ',';
      key(out, "duty");
      list(out, rule.duties, [this](std::string& o, const Duty& d) { duty(o, d); });
    }
    out += '}';
  }

  template <typename T, typename Write>
  void list(std::string& out, const std::vector<T>& items, Write write) const {
    out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ',';
      write(out, items[i]);
    }
    out += ']';
  }

  static std::string_view logicalName(LogicalOperator op) {
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
    return "and";
  }

 private:
  const OdrlWriteStyle& style_;
};

}  // namespace

std::string writeOdrlPolicy(const Policy& policy, const OdrlEnvelope& envelope,
                            const OdrlWriteStyle& style) {
  assert(invalidConstraints(policy).empty());
  const OdrlWriter writer(style);
  std::string out = "{\"@id\":";
  json::appendString(out, envelope.id);
  out += ",\"@type\":";
  json::appendString(out, style.odrl_term_prefix + envelope.type);
  const auto member = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    out += ',';
    writer.key(out, name);
    writer.reference(out, value);
  };
  member("target", envelope.target);
  member("assigner", envelope.assigner);
  member("assignee", envelope.assignee);
  for (const auto& [name, value] : envelope.extra_members) {
    out += ',';
    json::appendString(out, name);
    out += ':';
    json::appendString(out, value);
  }
  const auto rules = [&](std::string_view name, const std::vector<Rule>& items) {
    if (items.empty()) return;
    out += ',';
    writer.key(out, name);
    writer.list(out, items, [&](std::string& o, const Rule& r) { writer.rule(o, r); });
  };
  rules("permission", policy.permissions);
  rules("prohibition", policy.prohibitions);
  if (!policy.obligations.empty()) {
    out += ',';
    writer.key(out, "obligation");
    writer.list(out, policy.obligations, [&](std::string& o, const Duty& d) { writer.duty(o, d); });
  }
  out += '}';
  return out;
}

}  // namespace cxgw::policies
