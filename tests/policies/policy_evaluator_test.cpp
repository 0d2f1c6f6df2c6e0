#include "cxgw/policies/policy_evaluator.hpp"

#include <gtest/gtest.h>

#include "cxgw/policies/policy_parser.hpp"
#include "policy_test_support.hpp"

namespace cxgw::policies {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

Policy parsed(const std::string& expanded) {
  auto policy = parsePolicy(expanded);
  EXPECT_TRUE(policy.ok()) << (policy.ok() ? "" : policy.error().describe());
  return policy.ok() ? policy.value() : Policy{};
}

PartnerClaims oem() {
  PartnerClaims claims;
  claims.bpn = "BPNL000000000OEM";
  claims.catena_x_member = true;
  claims.framework_agreements = {{"DataExchangeGovernance", "1.0"}};
  return claims;
}

RequestContext context(Scope scope, const char* now = "2026-06-01T12:00:00Z") {
  RequestContext ctx;
  ctx.scope = scope;
  ctx.now = at(now);
  return ctx;
}

Decision decide(const std::string& constraint, const PartnerClaims& claims,
                const RequestContext& ctx) {
  return evaluatePolicy(parsed(policyDefinition("p", {rule(use(), {constraint})})), claims, ctx);
}

const std::string kMembership = atomic(kSaturn + "Membership", "eq", {"active"});
const std::string kDeg =
    atomic(kSaturn + "FrameworkAgreement", "eq", {"DataExchangeGovernance:1.0"});

TEST(PolicyEvaluator, MembershipAndFrameworkAgreementAllowAPartnerHoldingBoth) {
  const Decision d =
      evaluatePolicy(parsed(policyDefinition("p", {rule(use(), {kMembership, kDeg})})), oem(),
                     context(Scope::kNegotiation));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.reason, "permission 1 (use) granted: all 2 constraint(s) hold");
  ASSERT_EQ(d.explanation.children.size(), 1u);
  EXPECT_EQ(d.explanation.children[0].children.size(), 2u);
}

TEST(PolicyEvaluator, MissingFrameworkAgreementIsExplainedInWords) {
  PartnerClaims claims = oem();
  claims.framework_agreements.clear();
  const Decision d = decide(kDeg, claims, context(Scope::kNegotiation));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find(
                "FrameworkAgreement requires DataExchangeGovernance:1.0; partner BPNL000000000OEM "
                "presented none"),
            std::string::npos)
      << d.reason;
  EXPECT_NE(d.partner_reason.find("DataExchangeGovernance:1.0"), std::string::npos)
      << d.partner_reason;
}

TEST(PolicyEvaluator, FrameworkAgreementVersionMustMatch) {
  PartnerClaims claims = oem();
  claims.framework_agreements = {{"DataExchangeGovernance", "2.0"}};
  const Decision d = decide(kDeg, claims, context(Scope::kNegotiation));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("presented DataExchangeGovernance:2.0"), std::string::npos) << d.reason;
}

TEST(PolicyEvaluator, JupiterUseCaseFrameworkAgreementNamesTheAgreementInTheLeftOperand) {
  const std::string legacy = atomic(kJupiter + "FrameworkAgreement.traceability", "eq", {"active"});
  PartnerClaims claims = oem();
  EXPECT_FALSE(decide(legacy, claims, context(Scope::kNegotiation)).allowed);
  claims.framework_agreements.push_back({"Traceability", "1.0"});
  EXPECT_TRUE(decide(legacy, claims, context(Scope::kNegotiation)).allowed);
  // The versioned Jupiter form.
  EXPECT_TRUE(decide(atomic(kJupiter + "FrameworkAgreement", "eq", {"traceability:1.0"}), claims,
                     context(Scope::kNegotiation))
                  .allowed);
}

TEST(PolicyEvaluator, BpnAllowListNeverRevealsOtherPartnersToARefusedOne) {
  const std::string list =
      atomic(kTx + "BusinessPartnerNumber", "isAnyOf", {"BPNL00000000AAAA", "BPNL00000000BBBB"});
  const Decision refused = decide(list, oem(), context(Scope::kCatalog));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.partner_reason.find("BPNL00000000AAAA"), std::string::npos)
      << refused.partner_reason;
  EXPECT_EQ(refused.partner_reason.find("BPNL00000000BBBB"), std::string::npos)
      << refused.partner_reason;
  EXPECT_NE(refused.reason.find("BPNL00000000AAAA"), std::string::npos)
      << "the operator sees the list";
  PartnerClaims listed = oem();
  listed.bpn = "BPNL00000000BBBB";
  EXPECT_TRUE(decide(list, listed, context(Scope::kCatalog)).allowed);
}

TEST(PolicyEvaluator, GroupRefusalDoesNotNameTheGroups) {
  const std::string gold = atomic(kSaturn + "BusinessPartnerGroup", "isAnyOf", {"gold-customers"});
  PartnerClaims claims = oem();
  const Decision refused = decide(gold, claims, context(Scope::kCatalog));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.partner_reason.find("gold-customers"), std::string::npos);
  claims.groups = {"gold-customers"};
  EXPECT_TRUE(decide(gold, claims, context(Scope::kCatalog)).allowed);
}

TEST(PolicyEvaluator, UnknownLeftOperandDenies) {
  const std::string unknown = atomic(kSaturn + "NoSuchOperand", "eq", {"x"});
  const Decision d =
      evaluatePolicy(parsed(policyDefinition("p", {rule(use(), {kMembership, unknown})})), oem(),
                     context(Scope::kNegotiation));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("unknown left operand"), std::string::npos) << d.reason;
}

TEST(PolicyEvaluator, UnknownOperatorDenies) {
  const Decision d = decide(atomic(kSaturn + "Membership", "isPartOf", {"active"}), oem(),
                            context(Scope::kNegotiation));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("unknown operator"), std::string::npos) << d.reason;
}

TEST(PolicyEvaluator, WrongRightOperandTypeDenies) {
  EXPECT_FALSE(
      decide(atomic(kSaturn + "Membership", "eq", {"yes"}), oem(), context(Scope::kNegotiation))
          .allowed);
  EXPECT_FALSE(decide(atomic(kSaturn + "BusinessPartnerNumber", "eq", {"not-a-bpn"}), oem(),
                      context(Scope::kNegotiation))
                   .allowed);
  EXPECT_FALSE(decide(atomic(kSaturn + "DataUsageEndDurationDays", "eq", {"thirty"}), oem(),
                      context(Scope::kDataAccess))
                   .allowed);
  EXPECT_FALSE(
      decide(atomic(kSaturn + "Membership", "gt", {"active"}), oem(), context(Scope::kNegotiation))
          .allowed);
}

TEST(PolicyEvaluator, EmptyListRightOperandDenies) {
  const Decision d = decide(atomic(kSaturn + "BusinessPartnerNumber", "isNoneOf", {}), oem(),
                            context(Scope::kCatalog));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("right operand is empty"), std::string::npos) << d.reason;
}

TEST(PolicyEvaluator, ScalarOperatorWithAListDenies) {
  EXPECT_FALSE(decide(atomic(kSaturn + "BusinessPartnerNumber", "eq",
                             {"BPNL000000000OEM", "BPNL00000000AAAA"}),
                      oem(), context(Scope::kCatalog))
                   .allowed);
}

TEST(PolicyEvaluator, ProhibitionWithAnUnevaluableConstraintStillProhibits) {
  const std::string prohibition = rule(use(), {atomic(kSaturn + "NoSuchOperand", "eq", {"x"})});
  const Decision d =
      evaluatePolicy(parsed(policyDefinition("p", {rule(use(), {kMembership})}, {prohibition})),
                     oem(), context(Scope::kNegotiation));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("prohibition 1 applies"), std::string::npos) << d.reason;
}

TEST(PolicyEvaluator, ProhibitionThatDoesNotApplyLeavesThePermission) {
  const std::string prohibition =
      rule(use(), {atomic(kSaturn + "AffiliatesRegion", "isAnyOf", {"cx.region.asia:1"})});
  const Policy policy = parsed(policyDefinition("p", {rule(use(), {kMembership})}, {prohibition}));
  RequestContext ctx = context(Scope::kNegotiation);
  EXPECT_TRUE(evaluatePolicy(policy, oem(), ctx).allowed) << "the partner requests for itself";
  ctx.affiliate_region = "cx.region.europe:1";
  EXPECT_TRUE(evaluatePolicy(policy, oem(), ctx).allowed);
  ctx.affiliate_region = "cx.region.asia:1";
  EXPECT_FALSE(evaluatePolicy(policy, oem(), ctx).allowed);
}

TEST(PolicyEvaluator, ObligationDenies) {
  const std::string obligation = "{\"" + kOdrl + "action\":" + idRef(use()) + ",\"" + kOdrl +
                                 "constraint\":[" +
                                 atomic(kSaturn + "DataUsageEndDate", "eq", {"2027-12-31"}) + "]}";
  const Decision d =
      evaluatePolicy(parsed(policyDefinition("p", {rule(use(), {kMembership})}, {}, {obligation})),
                     oem(), context(Scope::kNegotiation));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("obligation"), std::string::npos) << d.reason;
}

TEST(PolicyEvaluator, DutyTheGatewayCannotDischargeDenies) {
  const std::string duty =
      ",\"" + kOdrl + "duty\":[{\"" + kOdrl + "action\":" + idRef(kOdrl + "delete") + "}]";
  const Decision d =
      evaluatePolicy(parsed(policyDefinition("p", {rule(use(), {kMembership}, duty)})), oem(),
                     context(Scope::kNegotiation));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("duty"), std::string::npos) << d.reason;
}

TEST(PolicyEvaluator, LogicalOperatorsCombineTheirOperands) {
  PartnerClaims claims = oem();
  claims.framework_agreements.clear();  // membership holds, DEG fails
  const auto ctx = context(Scope::kNegotiation);
  EXPECT_FALSE(decide(logical("and", {kMembership, kDeg}), claims, ctx).allowed);
  EXPECT_TRUE(decide(logical("or", {kMembership, kDeg}), claims, ctx).allowed);
  EXPECT_TRUE(decide(logical("xone", {kMembership, kDeg}), claims, ctx).allowed);
  EXPECT_FALSE(decide(logical("xone", {kMembership, kDeg}), oem(), ctx).allowed) << "both hold";
  EXPECT_FALSE(
      decide(logical("or", {kDeg, atomic(kSaturn + "Nope", "eq", {"x"})}), claims, ctx).allowed);
  EXPECT_FALSE(
      decide(logical("or", {kMembership, atomic(kSaturn + "Nope", "eq", {"x"})}), claims, ctx)
          .allowed)
      << "an unevaluable operand makes the whole expression unsatisfiable";
}

TEST(PolicyEvaluator, AccessActionCountsOnlyAtCatalogScope) {
  const Policy access_policy = parsed(policyDefinition("p", {rule(access(), {kMembership})}));
  EXPECT_TRUE(evaluatePolicy(access_policy, oem(), context(Scope::kCatalog)).allowed);
  const Decision negotiation = evaluatePolicy(access_policy, oem(), context(Scope::kNegotiation));
  EXPECT_FALSE(negotiation.allowed);
  EXPECT_NE(negotiation.reason.find("no permission for the action 'use'"), std::string::npos)
      << negotiation.reason;
}

TEST(PolicyEvaluator, InForceDateComparesWithAbsoluteAndAgreementRelativeTimes) {
  const std::string until = atomic(kEdc + "inForceDate", "lteq", {"2026-12-31T23:59:59+01:00"});
  EXPECT_TRUE(decide(until, oem(), context(Scope::kDataAccess, "2026-12-31T22:59:59Z")).allowed)
      << "boundary, offset";
  EXPECT_FALSE(decide(until, oem(), context(Scope::kDataAccess, "2026-12-31T23:00:00Z")).allowed);
  const std::string strictly_before = atomic(kEdc + "inForceDate", "lt", {"2026-12-31T00:00:00Z"});
  EXPECT_FALSE(
      decide(strictly_before, oem(), context(Scope::kDataAccess, "2026-12-31T00:00:00Z")).allowed);

  const std::string relative = atomic(kEdc + "inForceDate", "lteq", {"contractAgreement+30d"});
  RequestContext ctx = context(Scope::kDataAccess, "2026-07-01T12:00:00Z");
  ctx.agreement_signed_at = at("2026-06-01T12:00:00Z");
  EXPECT_TRUE(decide(relative, oem(), ctx).allowed) << "exactly 30 days";
  ctx.now = at("2026-07-01T12:00:01Z");
  const Decision expired = decide(relative, oem(), ctx);
  EXPECT_FALSE(expired.allowed);
  EXPECT_NE(expired.partner_reason.find("2026-07-01T12:00:00Z"), std::string::npos)
      << expired.partner_reason;
  EXPECT_FALSE(
      decide(atomic(kEdc + "inForceDate", "lteq", {"contractAgreement+30x"}), oem(), ctx).allowed);
}

TEST(PolicyEvaluator, DataUsageEndDateIncludesTheWholeLastDay) {
  const std::string end = atomic(kSaturn + "DataUsageEndDate", "eq", {"2027-12-31"});
  EXPECT_TRUE(decide(end, oem(), context(Scope::kDataAccess, "2027-12-31T23:59:59Z")).allowed);
  EXPECT_FALSE(decide(end, oem(), context(Scope::kDataAccess, "2028-01-01T00:00:00Z")).allowed);
}

TEST(PolicyEvaluator, EndDatesBeyondTheClockKeepTheirMeaning) {
  // Found by the policy parser fuzzer: year 1013 wrapped into the future and allowed.
  EXPECT_FALSE(decide(atomic(kSaturn + "DataUsageEndDate", "eq", {"1013-12-31"}), oem(),
                      context(Scope::kDataAccess))
                   .allowed);
  EXPECT_TRUE(decide(atomic(kSaturn + "DataUsageEndDate", "eq", {"9999-12-31"}), oem(),
                     context(Scope::kDataAccess))
                  .allowed);
  EXPECT_FALSE(decide(atomic(kSaturn + "DataUsageEndDurationDays", "eq", {"2147483647"}), oem(),
                      context(Scope::kDataAccess))
                   .allowed)
      << "an absurd duration is refused as unevaluable";
}

TEST(PolicyEvaluator, DataUsageEndDurationCountsFromTheAgreement) {
  const std::string days = atomic(kSaturn + "DataUsageEndDurationDays", "eq", {"10"});
  RequestContext ctx = context(Scope::kDataAccess, "2026-06-11T00:00:00Z");
  ctx.agreement_signed_at = at("2026-06-01T00:00:00Z");
  EXPECT_TRUE(decide(days, oem(), ctx).allowed);
  ctx.now = at("2026-06-11T00:00:01Z");
  EXPECT_FALSE(decide(days, oem(), ctx).allowed);
}

TEST(PolicyEvaluator, UsagePurposeMustBeDeclared) {
  const std::string purpose =
      atomic(kSaturn + "UsagePurpose", "isAnyOf", {"cx.quality.base:1", "cx.pcf.base:1"});
  RequestContext ctx = context(Scope::kNegotiation);
  EXPECT_FALSE(decide(purpose, oem(), ctx).allowed);
  ctx.declared_purposes = {"cx.core.industrycore:1"};
  EXPECT_FALSE(decide(purpose, oem(), ctx).allowed);
  ctx.declared_purposes = {"cx.quality.base:1"};
  EXPECT_TRUE(decide(purpose, oem(), ctx).allowed);
}

TEST(PolicyEvaluator, RequestingAPolicyDeclaresItsPurposes) {
  const Policy policy = parsed(policyDefinition(
      "p", {rule(use(), {logical("and", {kMembership,
                                         atomic(kSaturn + "UsagePurpose", "isAnyOf",
                                                {"cx.quality.base:1", "cx.pcf.base:1"})})})}));
  EXPECT_EQ(purposesDeclaredBy(policy),
            (std::vector<std::string>{"cx.quality.base:1", "cx.pcf.base:1"}));
  RequestContext ctx = context(Scope::kNegotiation);
  ctx.declared_purposes = purposesDeclaredBy(policy);
  EXPECT_TRUE(evaluatePolicy(policy, oem(), ctx).allowed);
  EXPECT_TRUE(
      purposesDeclaredBy(parsed(policyDefinition("q", {rule(use(), {kMembership})}))).empty());
}

TEST(PolicyEvaluator, ContractReferenceIsAllOfNeedsEveryContract) {
  const std::string contracts = atomic(kSaturn + "ContractReference", "isAllOf", {"C-1", "C-2"});
  PartnerClaims claims = oem();
  claims.contract_references = {"C-1"};
  EXPECT_FALSE(decide(contracts, claims, context(Scope::kNegotiation)).allowed);
  claims.contract_references = {"C-2", "C-1", "C-3"};
  EXPECT_TRUE(decide(contracts, claims, context(Scope::kNegotiation)).allowed);
}

TEST(PolicyEvaluator, NoPermissionMeansDeny) {
  const Decision d =
      evaluatePolicy(parsed(policyDefinition("p", {})), oem(), context(Scope::kCatalog));
  EXPECT_FALSE(d.allowed);
}

TEST(PolicyEvaluator, DecisionOnlyAgreesWithFullDetail) {
  const Policy policy = parsed(policyDefinition("p", {rule(use(), {kMembership, kDeg})}));
  PartnerClaims without = oem();
  without.catena_x_member = false;
  for (const PartnerClaims& claims : {oem(), without}) {
    EXPECT_EQ(
        evaluatePolicy(policy, claims, context(Scope::kNegotiation), Detail::kDecisionOnly).allowed,
        evaluatePolicy(policy, claims, context(Scope::kNegotiation), Detail::kFull).allowed);
  }
}

}  // namespace
}  // namespace cxgw::policies
