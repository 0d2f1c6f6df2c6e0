#include "cxgw/policies/policy_parser.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>

#include "cxgw/core/digest.hpp"
#include "expanded_node.hpp"
#include "policy_node_parser.hpp"

namespace cxgw::policies {
namespace {

constexpr std::string_view kOdrl = "http://www.w3.org/ns/odrl/2/";

std::string odrl(std::string_view local) {
  return std::string(kOdrl) + std::string(local);
}

const std::string kPermission = odrl("permission");
const std::string kProhibition = odrl("prohibition");
const std::string kObligation = odrl("obligation");
const std::string kAction = odrl("action");
const std::string kConstraint = odrl("constraint");
const std::string kDuty = odrl("duty");
const std::string kLeftOperand = odrl("leftOperand");
const std::string kOperator = odrl("operator");
const std::string kRightOperand = odrl("rightOperand");
const std::string kAssigner = odrl("assigner");
const std::string kAssignee = odrl("assignee");
const std::string kTarget = odrl("target");
const std::string kProfile = odrl("profile");
const std::string kEdcPolicy = std::string(kEdcNamespace) + "policy";

constexpr std::array<std::pair<std::string_view, LogicalOperator>, 4> kLogical{{
    {"and", LogicalOperator::kAnd},
    {"or", LogicalOperator::kOr},
    {"xone", LogicalOperator::kXone},
    {"andSequence", LogicalOperator::kAndSequence},
}};

Error structural(const std::string& path, std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), path, "", 0};
}

std::string_view keyOf(const rapidjson::Value::ConstMemberIterator& it) {
  return {it->name.GetString(), it->name.GetStringLength()};
}

bool isKeyword(std::string_view key) {
  return !key.empty() && key.front() == '@';
}

// A single reference or literal, e.g. the IRI under odrl:leftOperand.
std::optional<std::string> single(const rapidjson::Value& node, const std::string& iri) {
  const rapidjson::Value* values = expanded::property(node, iri);
  if (values == nullptr) return std::nullopt;
  auto all = expanded::texts(*values);
  if (!all || all->size() != 1) return std::nullopt;
  return std::move(all->front());
}

class NodeParser {
 public:
  Constraint parseConstraint(const rapidjson::Value& node, const std::string& path, int depth) {
    if (depth > 32)
      return InvalidConstraint{"constraints are nested more than 32 levels deep", path};
    if (!node.IsObject()) return InvalidConstraint{"a constraint must be an object", path};
    for (const auto& [name, op] : kLogical) {
      const rapidjson::Value* operands = expanded::property(node, odrl(name));
      if (operands == nullptr) continue;
      for (auto it = node.MemberBegin(); it != node.MemberEnd(); ++it) {
        const std::string_view key = keyOf(it);
        if (!isKeyword(key) && key != odrl(name)) {
          return InvalidConstraint{"a logical '" + std::string(name) +
                                       "' constraint also has member '" + std::string(key) + "'",
                                   path};
        }
      }
      LogicalConstraint logical{op, {}};
      std::vector<const rapidjson::Value*> items;
      for (const auto& entry : operands->GetArray()) {
        const auto list = entry.IsObject() ? entry.FindMember("@list") : entry.MemberEnd();
        if (entry.IsObject() && list != entry.MemberEnd() && list->value.IsArray()) {
          for (const auto& item : list->value.GetArray()) items.push_back(&item);
        } else {
          items.push_back(&entry);
        }
      }
      const std::string base = expanded::member(path, name);
      for (size_t i = 0; i < items.size(); ++i) {
        logical.operands.push_back(parseConstraint(*items[i], expanded::index(base, i), depth + 1));
      }
      if (logical.operands.empty()) {
        return InvalidConstraint{
            "the logical '" + std::string(name) + "' constraint has no operands", path};
      }
      return logical;
    }
    for (auto it = node.MemberBegin(); it != node.MemberEnd(); ++it) {
      const std::string_view key = keyOf(it);
      if (isKeyword(key) || key == kLeftOperand || key == kOperator || key == kRightOperand)
        continue;
      return InvalidConstraint{"unsupported constraint member '" + std::string(key) + "'", path};
    }
    const auto left_iri = single(node, kLeftOperand);
    if (!left_iri) return InvalidConstraint{"the constraint needs exactly one leftOperand", path};
    const auto op_iri = single(node, kOperator);
    if (!op_iri) return InvalidConstraint{"the constraint needs exactly one operator", path};
    const rapidjson::Value* right_values = expanded::property(node, kRightOperand);
    if (right_values == nullptr)
      return InvalidConstraint{"the constraint has no rightOperand", path};
    auto right = expanded::texts(*right_values);
    if (!right) {
      return InvalidConstraint{"the rightOperand must be a value, a reference or a list of them",
                               path};
    }
    auto left = parseLeftOperand(*left_iri);
    if (!left) return InvalidConstraint{left.error().message, path};
    auto op = parseOdrlOperator(*op_iri);
    if (!op) return InvalidConstraint{op.error().message, path};
    if (left.value().saturn)
      saturn_ = true;
    else if (left.value().kind != LeftOperandKind::kInForceDate)
      jupiter_ = true;
    return AtomicConstraint{std::move(left).value(), op.value(), RightOperand{std::move(*right)}};
  }

  std::vector<Constraint> parseConstraints(const rapidjson::Value& node, const std::string& path) {
    std::vector<Constraint> constraints;
    const rapidjson::Value* values = expanded::property(node, kConstraint);
    if (values == nullptr) return constraints;
    const std::string base = expanded::member(path, "constraint");
    size_t i = 0;
    for (const auto& entry : values->GetArray()) {
      constraints.push_back(parseConstraint(entry, expanded::index(base, i++), 0));
    }
    return constraints;
  }

  std::string actionOf(const rapidjson::Value& node, const std::string& path,
                       std::vector<Constraint>& constraints) {
    const rapidjson::Value* values = expanded::property(node, kAction);
    if (values == nullptr || values->Size() != 1) {
      constraints.push_back(InvalidConstraint{"the rule needs exactly one action", path});
      return {};
    }
    const rapidjson::Value& action = (*values)[0];
    if (action.IsObject()) {
      for (auto it = action.MemberBegin(); it != action.MemberEnd(); ++it) {
        if (keyOf(it) != "@id") {
          constraints.push_back(InvalidConstraint{"unsupported action member '" +
                                                      std::string(keyOf(it)) +
                                                      "' (refinements are not supported)",
                                                  expanded::member(path, "action")});
          return {};
        }
      }
    }
    auto text = expanded::texts(*values);
    if (!text || text->size() != 1) {
      constraints.push_back(
          InvalidConstraint{"the action must be an IRI", expanded::member(path, "action")});
      return {};
    }
    return std::move(text->front());
  }

  Rule parseRule(const rapidjson::Value& node, const std::string& path, bool permission) {
    Rule rule;
    if (!node.IsObject()) {
      rule.constraints.push_back(InvalidConstraint{"a rule must be an object", path});
      return rule;
    }
    rule.action_iri = actionOf(node, path, rule.constraints);
    if (rule.action_iri == odrl("use")) {
      rule.action = Action::kUse;
    } else if (rule.action_iri == std::string(kSaturnPolicyNamespace) + "access") {
      rule.action = Action::kAccess;
    }
    std::vector<Constraint> parsed = parseConstraints(node, path);
    rule.constraints.insert(rule.constraints.end(), std::make_move_iterator(parsed.begin()),
                            std::make_move_iterator(parsed.end()));
    for (auto it = node.MemberBegin(); it != node.MemberEnd(); ++it) {
      const std::string_view key = keyOf(it);
      if (isKeyword(key) || key == kAction || key == kConstraint || key == kTarget ||
          key == kAssigner || key == kAssignee) {
        continue;
      }
      if (key == kDuty && permission) continue;
      rule.constraints.push_back(
          InvalidConstraint{"unsupported rule member '" + std::string(key) + "'", path});
    }
    if (permission) {
      if (const rapidjson::Value* duties = expanded::property(node, kDuty)) {
        const std::string base = expanded::member(path, "duty");
        size_t i = 0;
        for (const auto& entry : duties->GetArray()) {
          rule.duties.push_back(parseDuty(entry, expanded::index(base, i++)));
        }
      }
    }
    return rule;
  }

  Duty parseDuty(const rapidjson::Value& node, const std::string& path) {
    Duty duty;
    if (!node.IsObject()) {
      duty.constraints.push_back(InvalidConstraint{"a duty must be an object", path});
      return duty;
    }
    duty.action = actionOf(node, path, duty.constraints);
    std::vector<Constraint> parsed = parseConstraints(node, path);
    duty.constraints.insert(duty.constraints.end(), std::make_move_iterator(parsed.begin()),
                            std::make_move_iterator(parsed.end()));
    return duty;
  }

  Result<Policy> parsePolicy(const rapidjson::Value& policy_node, const std::string& path,
                             std::string id) {
    Policy policy;
    policy.id = std::move(id);
    static constexpr std::array<std::string_view, 4> kTypes{"Set", "Offer", "Agreement", "Policy"};
    for (const std::string_view type : kTypes) {
      if (expanded::hasType(policy_node, odrl(type))) policy.type = std::string(type);
    }
    if (policy.type.empty()) {
      return structural(
          path, "the policy's @type must be odrl:Set, odrl:Offer, odrl:Agreement or odrl:Policy");
    }
    for (auto it = policy_node.MemberBegin(); it != policy_node.MemberEnd(); ++it) {
      const std::string_view key = keyOf(it);
      if (isKeyword(key) || key == kPermission || key == kProhibition || key == kObligation ||
          key == kAssigner || key == kAssignee || key == kTarget || key == kProfile) {
        continue;
      }
      return structural(expanded::member(path, std::string(expanded::localName(key))),
                        "unsupported policy member '" + std::string(key) +
                            "'; the engine would not know what it means, so the policy is refused");
    }
    auto rules = [&](const std::string& iri, std::string_view name, bool permission) {
      std::vector<Rule> out;
      if (const rapidjson::Value* values = expanded::property(policy_node, iri)) {
        const std::string base = expanded::member(path, name);
        size_t i = 0;
        for (const auto& entry : values->GetArray()) {
          out.push_back(parseRule(entry, expanded::index(base, i++), permission));
        }
      }
      return out;
    };
    policy.permissions = rules(kPermission, "permission", true);
    policy.prohibitions = rules(kProhibition, "prohibition", false);
    if (const rapidjson::Value* values = expanded::property(policy_node, kObligation)) {
      const std::string base = expanded::member(path, "obligation");
      size_t i = 0;
      for (const auto& entry : values->GetArray()) {
        policy.obligations.push_back(parseDuty(entry, expanded::index(base, i++)));
      }
    }
    policy.assigner = single(policy_node, kAssigner).value_or("");
    policy.assignee = single(policy_node, kAssignee).value_or("");
    policy.vocabulary = saturn_ && jupiter_ ? Vocabulary::kMixed
                        : saturn_           ? Vocabulary::kSaturn
                        : jupiter_          ? Vocabulary::kJupiter
                                            : Vocabulary::kNone;
    policy.content_hash = sha256Hex(canonicalPolicyText(policy));
    return policy;
  }

 private:
  bool saturn_ = false;
  bool jupiter_ = false;
};

}  // namespace

Result<Policy> parsePolicyNode(const rapidjson::Value& node, const std::string& path,
                               std::string_view fallback_id) {
  if (!node.IsObject()) return structural(path, "expected a JSON-LD node object");
  std::string id = expanded::id(node);
  const rapidjson::Value* policy_node = &node;
  std::string policy_path = path;
  if (expanded::hasType(node, kPolicyDefinitionType) ||
      expanded::property(node, kEdcPolicy) != nullptr) {
    const rapidjson::Value* inner = expanded::property(node, kEdcPolicy);
    if (inner == nullptr || inner->Size() != 1 || !(*inner)[0].IsObject()) {
      return structural(expanded::member(path, "policy"),
                        "a PolicyDefinition needs exactly one policy object");
    }
    for (auto it = node.MemberBegin(); it != node.MemberEnd(); ++it) {
      const std::string_view key = keyOf(it);
      if (isKeyword(key) || key == kEdcPolicy) continue;
      return structural(expanded::member(path, std::string(expanded::localName(key))),
                        "unsupported PolicyDefinition member '" + std::string(key) + "'");
    }
    policy_node = &(*inner)[0];
    policy_path = expanded::member(path, "policy");
  }
  if (id.empty()) id = expanded::id(*policy_node);
  if (id.empty()) id = std::string(fallback_id);
  if (id.empty()) return structural(path, "the policy has no @id");
  NodeParser parser;
  return parser.parsePolicy(*policy_node, policy_path, std::move(id));
}

Result<Policy> parsePolicy(std::string_view expanded_json, std::string_view fallback_id) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseStopWhenDoneFlag>(expanded_json.data(), expanded_json.size());
  if (document.HasParseError()) {
    return structural("", std::string("not JSON: ") +
                              rapidjson::GetParseError_En(document.GetParseError()) +
                              " at offset " + std::to_string(document.GetErrorOffset()));
  }
  const rapidjson::Value* node = &document;
  if (document.IsArray()) {
    if (document.Size() != 1) {
      return structural("", "expected one policy in the document, found " +
                                std::to_string(document.Size()) + " nodes");
    }
    node = &document[0];
  }
  return parsePolicyNode(*node, "", fallback_id);
}

}  // namespace cxgw::policies
