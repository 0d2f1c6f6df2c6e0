// Property tests over random policies and random claim sets: the laws the engine must obey
// whatever the policy, checked on a few thousand generated cases (fixed seeds, so a failure
// reproduces; the seed is printed).
#include <gtest/gtest.h>

#include <random>

#include "cxgw/policies/policy_evaluator.hpp"
#include "policy_test_support.hpp"

namespace cxgw::policies {
namespace {

using testing::at;

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool coin() { return pick(2) == 0; }

  std::string bpn() { return kBpns[pick(std::size(kBpns))]; }

  std::vector<std::string> some(const std::vector<std::string>& pool) {
    std::vector<std::string> out;
    for (const std::string& item : pool) {
      if (coin()) out.push_back(item);
    }
    return out;
  }

  OdrlOperator setOperator() {
    static constexpr OdrlOperator kOps[] = {OdrlOperator::kEq,      OdrlOperator::kNeq,     OdrlOperator::kIn,
                                            OdrlOperator::kIsAnyOf, OdrlOperator::kIsAllOf, OdrlOperator::kIsNoneOf,
                                            OdrlOperator::kIsA,     OdrlOperator::kHasPart, OdrlOperator::kGt};
    return kOps[pick(std::size(kOps))];
  }

  AtomicConstraint atomic() {
    AtomicConstraint c;
    const OdrlOperator op = setOperator();
    c.op = op;
    auto values = [&](const std::vector<std::string>& pool) {
      std::vector<std::string> v = some(pool);
      if (v.empty()) v.push_back(pool[pick(pool.size())]);
      if (op == OdrlOperator::kEq || op == OdrlOperator::kNeq || op == OdrlOperator::kIsA ||
          op == OdrlOperator::kHasPart || op == OdrlOperator::kGt) {
        v.resize(1);
      }
      return v;
    };
    switch (pick(5)) {
      case 0:
        c.left = parseLeftOperand(testing::kSaturn + "BusinessPartnerNumber").value();
        c.right.values = values({kBpns[0], kBpns[1], kBpns[2]});
        break;
      case 1:
        c.left = parseLeftOperand(testing::kSaturn + "BusinessPartnerGroup").value();
        c.right.values = values(kGroups);
        break;
      case 2:
        c.left = parseLeftOperand(testing::kSaturn + "FrameworkAgreement").value();
        c.right.values = values(kFrameworks);
        break;
      case 3:
        c.left = parseLeftOperand(testing::kSaturn + "UsagePurpose").value();
        c.right.values = values(kPurposes);
        break;
      default:
        c.left = parseLeftOperand(testing::kSaturn + "Membership").value();
        c.op = coin() ? OdrlOperator::kEq : op;
        c.right.values = {coin() ? "active" : "inactive"};
        break;
    }
    return c;
  }

  Constraint constraint(int depth) {
    if (depth == 0 || pick(3) != 0) return atomic();
    LogicalConstraint logical;
    static constexpr LogicalOperator kOps[] = {LogicalOperator::kAnd, LogicalOperator::kOr, LogicalOperator::kXone};
    logical.op = kOps[pick(3)];
    const size_t n = 1 + pick(3);
    for (size_t i = 0; i < n; ++i) logical.operands.push_back(constraint(depth - 1));
    return logical;
  }

  Policy policy() {
    Policy policy;
    policy.id = "random";
    policy.type = "Set";
    const size_t permissions = 1 + pick(2);
    for (size_t i = 0; i < permissions; ++i) {
      Rule rule;
      rule.action = Action::kUse;
      rule.action_iri = testing::use();
      const size_t constraints = pick(3);
      for (size_t j = 0; j < constraints; ++j) rule.constraints.push_back(constraint(2));
      policy.permissions.push_back(std::move(rule));
    }
    if (coin()) {
      Rule prohibition;
      prohibition.action = Action::kUse;
      prohibition.action_iri = testing::use();
      prohibition.constraints.push_back(constraint(1));
      policy.prohibitions.push_back(std::move(prohibition));
    }
    return policy;
  }

  PartnerClaims claims() {
    PartnerClaims claims;
    claims.bpn = bpn();
    claims.catena_x_member = coin();
    for (const std::string& f : some(kFrameworks)) {
      claims.framework_agreements.push_back({f.substr(0, f.find(':')), f.substr(f.find(':') + 1)});
    }
    claims.groups = some(kGroups);
    return claims;
  }

  RequestContext context() {
    RequestContext ctx;
    ctx.scope = Scope::kNegotiation;
    ctx.now = at("2026-06-01T00:00:00Z");
    ctx.declared_purposes = some(kPurposes);
    return ctx;
  }

 private:
  static constexpr const char* kBpns[] = {"BPNL000000000001", "BPNL000000000002", "BPNL000000000003",
                                          "BPNL000000000004"};
  const std::vector<std::string> kGroups{"gold", "silver", "tier-1"};
  const std::vector<std::string> kFrameworks{"DataExchangeGovernance:1.0", "traceability:1.0", "quality:1.0"};
  const std::vector<std::string> kPurposes{"cx.quality.base:1", "cx.core.industrycore:1", "cx.pcf.base:1"};
  std::mt19937 rng_;
};

constexpr int kCases = 3000;

Policy withSingleConstraint(Constraint c) {
  Policy policy;
  policy.id = "single";
  policy.type = "Set";
  Rule rule;
  rule.action = Action::kUse;
  rule.action_iri = testing::use();
  rule.constraints.push_back(std::move(c));
  policy.permissions.push_back(std::move(rule));
  return policy;
}

TEST(PolicyProperties, EvaluationIsDeterministic) {
  for (uint32_t seed = 1; seed <= kCases; ++seed) {
    Generator gen(seed);
    const Policy policy = gen.policy();
    const PartnerClaims claims = gen.claims();
    const RequestContext ctx = gen.context();
    const Decision a = evaluatePolicy(policy, claims, ctx);
    const Decision b = evaluatePolicy(policy, claims, ctx);
    ASSERT_EQ(a.allowed, b.allowed) << "seed " << seed;
    ASSERT_EQ(a.reason, b.reason) << "seed " << seed;
    ASSERT_EQ(a.partner_reason, b.partner_reason) << "seed " << seed;
    ASSERT_EQ(evaluatePolicy(policy, claims, ctx, Detail::kDecisionOnly).allowed, a.allowed) << "seed " << seed;
  }
}

TEST(PolicyProperties, AddingAnUnknownConstraintNeverTurnsDenyIntoAllow) {
  size_t allowed_before = 0;
  for (uint32_t seed = 1; seed <= kCases; ++seed) {
    Generator gen(seed);
    Policy policy = gen.policy();
    const PartnerClaims claims = gen.claims();
    const RequestContext ctx = gen.context();
    const bool before = evaluatePolicy(policy, claims, ctx).allowed;
    allowed_before += before ? 1 : 0;
    // Anywhere: beside a permission's constraints, inside an existing logical constraint, into
    // an existing prohibition (where treating it as "does not hold" would lift the
    // prohibition: the dangerous case), or as a new prohibition.
    const InvalidConstraint unknown{"unknown left operand 'https://example.com/X'", "generated"};
    Rule& rule = policy.permissions[gen.pick(policy.permissions.size())];
    LogicalConstraint* nested = nullptr;
    for (Constraint& c : rule.constraints) {
      if (auto* logical = std::get_if<LogicalConstraint>(&c)) nested = logical;
    }
    const size_t where = gen.pick(4);
    if (where == 0 && nested != nullptr) {
      nested->operands.push_back(unknown);
    } else if (where == 1 && !policy.prohibitions.empty()) {
      policy.prohibitions.front().constraints.push_back(unknown);
    } else if (where == 2) {
      Rule prohibition;
      prohibition.action = Action::kUse;
      prohibition.action_iri = testing::use();
      prohibition.constraints.push_back(unknown);
      policy.prohibitions.push_back(prohibition);
    } else {
      rule.constraints.push_back(unknown);
    }
    const bool after = evaluatePolicy(policy, claims, ctx).allowed;
    ASSERT_FALSE(!before && after) << "seed " << seed << " turned deny into allow";
  }
  // The generator must produce both outcomes, or the property says nothing.
  EXPECT_GT(allowed_before, 50u);
  EXPECT_LT(allowed_before, static_cast<size_t>(kCases) - 50u);
}

TEST(PolicyProperties, LogicalOperatorsObeyTheirLaws) {
  size_t mixed = 0;
  for (uint32_t seed = 1; seed <= kCases; ++seed) {
    Generator gen(seed);
    const Constraint a = gen.atomic();
    const Constraint b = gen.atomic();
    const PartnerClaims claims = gen.claims();
    const RequestContext ctx = gen.context();
    auto holds = [&](Constraint c) { return evaluatePolicy(withSingleConstraint(std::move(c)), claims, ctx).allowed; };
    // The laws are about evaluable operands; an unevaluable one makes any expression false (see
    // AddingAnUnknownConstraintNeverTurnsDenyIntoAllow).
    auto evaluable = [&](const Constraint& c) {
      const Decision d = evaluatePolicy(withSingleConstraint(c), claims, ctx);
      return d.explanation.children.at(0).children.at(0).outcome != Outcome::kInvalid;
    };
    if (!evaluable(a) || !evaluable(b)) continue;
    const bool ha = holds(a);
    const bool hb = holds(b);
    mixed += ha != hb ? 1 : 0;
    ASSERT_EQ(holds(LogicalConstraint{LogicalOperator::kAnd, {a, b}}), ha && hb) << "seed " << seed;
    ASSERT_EQ(holds(LogicalConstraint{LogicalOperator::kOr, {a, b}}), ha || hb) << "seed " << seed;
    ASSERT_EQ(holds(LogicalConstraint{LogicalOperator::kXone, {a, b}}), ha != hb) << "seed " << seed;
    ASSERT_EQ(holds(LogicalConstraint{LogicalOperator::kAnd, {b, a}}), ha && hb) << "and commutes, seed " << seed;
    ASSERT_EQ(holds(LogicalConstraint{LogicalOperator::kOr, {a}}), ha) << "seed " << seed;
    // Two constraints in one rule are an implicit and.
    Policy both = withSingleConstraint(a);
    both.permissions[0].constraints.push_back(b);
    ASSERT_EQ(evaluatePolicy(both, claims, ctx).allowed, ha && hb) << "seed " << seed;
  }
  EXPECT_GT(mixed, 100u) << "the generator must make a and b differ often";
}

}  // namespace
}  // namespace cxgw::policies
