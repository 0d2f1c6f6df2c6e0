#include "cxgw/policies/policy_library.hpp"

#include <gtest/gtest.h>

#include "cxgw/policies/plain_language.hpp"
#include "cxgw/policies/policy_parser.hpp"
#include "policy_test_support.hpp"

namespace cxgw::policies {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

std::string value(const std::string& v) { return "[{\"@value\":" + json::quote(v) + "}]"; }

std::string contractDefinition(const std::string& id, const std::string& access, const std::string& contract,
                               const std::string& asset = "") {
  std::string selector;
  if (!asset.empty()) {
    selector = ",\"" + kEdc + "assetsSelector\":[{\"" + kEdc + "operandLeft\":" + value(kEdc + "id") + ",\"" + kEdc +
               "operator\":" + value("=") + ",\"" + kEdc + "operandRight\":" + value(asset) + "}]";
  }
  return "[{\"@id\":" + json::quote(id) + ",\"@type\":[\"" + kEdc + "ContractDefinition\"],\"" + kEdc +
         "accessPolicyId\":" + value(access) + ",\"" + kEdc + "contractPolicyId\":" + value(contract) + selector + "}]";
}

std::string groups(const std::string& bpn, const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ",") + std::string("{\"@value\":") + json::quote(n) + "}";
  return "[{\"@id\":" + json::quote(bpn) + ",\"" + kTx + "groups\":[" + list + "]}]";
}

const std::string kMembership = atomic(kSaturn + "Membership", "eq", {"active"});
const std::string kGold = atomic(kSaturn + "BusinessPartnerGroup", "isAnyOf", {"gold"});

PolicyLibraryBuilder typicalLibrary() {
  PolicyLibraryBuilder builder;
  builder.addDocument("access.jsonld", policyDefinition("access-gold", {rule(access(), {kGold})}));
  builder.addDocument("access2.jsonld", policyDefinition("access-members", {rule(access(), {kMembership})}));
  builder.addDocument("usage.jsonld", policyDefinition("usage-members", {rule(use(), {kMembership})}));
  builder.addDocument("defs.jsonld", contractDefinition("gold-registry", "access-gold", "usage-members", "registry"));
  builder.addDocument("defs2.jsonld", contractDefinition("members-all", "access-members", "usage-members"));
  builder.addDocument("groups.jsonld", groups("BPNL000000000OEM", {"gold"}));
  return builder;
}

PartnerClaims member(const std::string& bpn) {
  PartnerClaims claims;
  claims.bpn = bpn;
  claims.catena_x_member = true;
  return claims;
}

RequestContext now() {
  RequestContext ctx;
  ctx.now = at("2026-06-01T00:00:00Z");
  return ctx;
}

TEST(PolicyLibrary, TypicalLibraryBuilds) {
  auto library = typicalLibrary().build();
  ASSERT_TRUE(library.ok()) << library.error().describe();
  EXPECT_EQ(library.value()->policies().size(), 3u);
  EXPECT_EQ(library.value()->contractDefinitions().size(), 2u);
  EXPECT_EQ(library.value()->groupsOf("BPNL000000000OEM"), std::vector<std::string>{"gold"});
}

TEST(PolicyLibrary, UnknownPolicyReferenceIsAnErrorNamingFileAndDefinition) {
  PolicyLibraryBuilder builder = typicalLibrary();
  builder.addDocument("broken.jsonld", contractDefinition("dangling", "no-such-policy", "usage-members"));
  auto library = builder.build();
  ASSERT_FALSE(library.ok());
  EXPECT_EQ(library.error().file, "broken.jsonld");
  EXPECT_EQ(library.error().key, "dangling");
  EXPECT_NE(library.error().message.find("no-such-policy"), std::string::npos);
}

TEST(PolicyLibrary, DuplicatePolicyIdIsAnError) {
  PolicyLibraryBuilder builder = typicalLibrary();
  builder.addDocument("again.jsonld", policyDefinition("usage-members", {rule(use(), {})}));
  auto library = builder.build();
  ASSERT_FALSE(library.ok());
  EXPECT_NE(library.error().message.find("defined twice (first in usage.jsonld)"), std::string::npos)
      << library.error().describe();
}

TEST(PolicyLibrary, AConstraintTheEngineCannotEvaluateFailsTheBuildWithItsLocation) {
  PolicyLibraryBuilder builder = typicalLibrary();
  builder.addDocument("odd.jsonld",
                      policyDefinition("odd", {rule(use(), {kMembership, atomic(kSaturn + "Shoesize", "eq", {"42"})})}));
  auto library = builder.build();
  ASSERT_FALSE(library.ok());
  EXPECT_EQ(library.error().file, "odd.jsonld");
  EXPECT_NE(library.error().key.find("policy.permission[0].constraint[1]"), std::string::npos) << library.error().key;
  // Still explainable, so the officer can see what is wrong.
  const auto parsed = builder.parsedPolicies();
  const auto odd = std::find_if(parsed.begin(), parsed.end(), [](const StoredPolicy* p) { return p->policy.id == "odd"; });
  ASSERT_NE(odd, parsed.end());
  EXPECT_NE(describePolicy((*odd)->policy).find("can never be granted"), std::string::npos);
}

TEST(PolicyLibrary, AContractPolicyWithoutUseIsAnError) {
  PolicyLibraryBuilder builder = typicalLibrary();
  builder.addDocument("defs3.jsonld", contractDefinition("wrong-role", "access-members", "access-members"));
  auto library = builder.build();
  ASSERT_FALSE(library.ok());
  EXPECT_NE(library.error().message.find("no permission with action use"), std::string::npos);
}

TEST(PolicyLibrary, GroupsOfTheLibraryApplyToGroupConstraints) {
  auto library = typicalLibrary().build();
  ASSERT_TRUE(library.ok());
  const PolicyEngine engine(library.value());
  const ContractDefinition& gold = library.value()->contractDefinitions().at("gold-registry");
  EXPECT_TRUE(engine.decideAccess(gold, member("BPNL000000000OEM"), now()).allowed);
  EXPECT_FALSE(engine.decideAccess(gold, member("BPNL00000000OTHR"), now()).allowed);
}

TEST(PolicyLibrary, OffersForAppliesTheSelectorAndTheAccessPolicy) {
  auto library = typicalLibrary().build();
  ASSERT_TRUE(library.ok());
  const PolicyEngine engine(library.value());
  const std::vector<AssetDescription> assets{{"registry", {}}, {"serial-part", {}}};
  const auto gold = engine.offersFor(assets, member("BPNL000000000OEM"), now());
  ASSERT_EQ(gold.size(), 2u);
  EXPECT_EQ(gold[0].size(), 2u) << "registry: gold-registry and members-all";
  EXPECT_EQ(gold[1].size(), 1u) << "serial-part: members-all only (the selector)";
  PartnerClaims outsider = member("BPNL00000000OTHR");
  outsider.catena_x_member = false;
  const auto none = engine.offersFor(assets, outsider, now());
  EXPECT_TRUE(none[0].empty());
  EXPECT_TRUE(none[1].empty());
}

TEST(PolicyLibrary, NegotiationRequiresExactlyTheOfferedPolicy) {
  auto library = typicalLibrary().build();
  ASSERT_TRUE(library.ok());
  const PolicyEngine engine(library.value());
  const ContractDefinition& all = library.value()->contractDefinitions().at("members-all");
  const Policy& offered = *library.value()->policy("usage-members");
  RequestContext ctx = now();
  EXPECT_TRUE(engine.decideNegotiation(all, offered, member("BPNL000000000OEM"), ctx).allowed);
  auto weaker = parsePolicy(policyDefinition("usage-members", {rule(use(), {})}));
  ASSERT_TRUE(weaker.ok());
  const Decision refused = engine.decideNegotiation(all, weaker.value(), member("BPNL000000000OEM"), ctx);
  EXPECT_FALSE(refused.allowed);
  EXPECT_NE(refused.reason.find("differs from the offered contract policy"), std::string::npos);
}

TEST(PolicyLibrary, ADocumentOfUnknownKindIsAnError) {
  PolicyLibraryBuilder builder;
  builder.addDocument("asset.jsonld", "[{\"@id\":\"x\",\"" + kEdc + "properties\":[{\"@value\":\"y\"}]}]");
  auto library = builder.build();
  ASSERT_FALSE(library.ok());
  EXPECT_NE(library.error().message.find("not a PolicyDefinition, ContractDefinition or business partner group"),
            std::string::npos);
}

}  // namespace
}  // namespace cxgw::policies
