// Table-driven: the shapes of PolicyDefinition published in the Tractus-X EDC documentation and
// the Catena-X ODRL profile, in both vocabularies (Jupiter and Saturn) and both compaction
// styles real connectors send (@vocab plain terms and prefixed terms), each with claims that
// must pass and claims that must fail. The documents go through the real JSON-LD expander.
#include <gtest/gtest.h>

#include "cxgw/policies/policy_evaluator.hpp"
#include "cxgw/policies/policy_parser.hpp"
#include "cxgw/policies/policy_writer.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"
#include "policy_test_support.hpp"

namespace cxgw::policies {
namespace {

const char* kSaturnContext = R"("@context": ["https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
    "https://w3id.org/catenax/2025/9/policy/context.jsonld", {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}])";
const char* kJupiterContext = R"("@context": ["https://w3id.org/tractusx/policy/v1.0.0",
    "http://www.w3.org/ns/odrl.jsonld", {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}])";

std::string definition(const char* context, const std::string& action, const std::string& constraints) {
  return "{" + std::string(context) + R"(, "@type": "PolicyDefinition", "@id": "p", "policy": {"@type": "Set",
      "permission": [{"action": ")" + action + R"(", "constraint": )" + constraints + "}]}}";
}

PartnerClaims partner(const std::string& bpn, bool member, std::vector<FrameworkAgreementClaim> frameworks = {},
                      std::vector<std::string> groups = {}) {
  PartnerClaims claims;
  claims.bpn = bpn;
  claims.catena_x_member = member;
  claims.framework_agreements = std::move(frameworks);
  claims.groups = std::move(groups);
  return claims;
}

struct Example {
  const char* name;
  std::string document;
  Scope scope;
  std::vector<std::string> purposes;
  std::vector<PartnerClaims> must_pass;
  std::vector<PartnerClaims> must_fail;
};

const FrameworkAgreementClaim kDeg{"DataExchangeGovernance", "1.0"};
const FrameworkAgreementClaim kTraceability{"traceability", "1.0"};

std::vector<Example> examples() {
  const std::string membership = R"([{"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"}])";
  return {
      {"saturn membership (use)", definition(kSaturnContext, "use", membership), Scope::kNegotiation, {},
       {partner("BPNL000000000OEM", true)}, {partner("BPNL000000000OEM", false)}},
      {"saturn membership (access)", definition(kSaturnContext, "access", membership), Scope::kCatalog, {},
       {partner("BPNL000000000OEM", true)}, {partner("BPNL000000000OEM", false)}},
      {"saturn BPN policy",
       definition(kSaturnContext, "use", R"([{"and": [
           {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
           {"leftOperand": "BusinessPartnerNumber", "operator": "eq", "rightOperand": "BPNL000000000OEM"}]}])"),
       Scope::kNegotiation, {}, {partner("BPNL000000000OEM", true)},
       {partner("BPNL00000000OTHR", true), partner("BPNL000000000OEM", false)}},
      {"saturn Data Exchange Governance",
       definition(kSaturnContext, "use", R"([{"and": [
           {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
           {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"}]}])"),
       Scope::kNegotiation, {}, {partner("BPNL000000000OEM", true, {kDeg})},
       {partner("BPNL000000000OEM", true), partner("BPNL000000000OEM", false, {kDeg}),
        partner("BPNL000000000OEM", true, {{"DataExchangeGovernance", "2.0"}})}},
      {"saturn access by membership, DEG and BPN list",
       definition(kSaturnContext, "access", R"([{"and": [
           {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
           {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"},
           {"leftOperand": "BusinessPartnerNumber", "operator": "isAnyOf", "rightOperand": ["BPNL000000000OEM"]}]}])"),
       Scope::kCatalog, {}, {partner("BPNL000000000OEM", true, {kDeg})},
       {partner("BPNL00000000OTHR", true, {kDeg}), partner("BPNL000000000OEM", true)}},
      {"saturn industry core usage purpose (single string operand)",
       definition(kSaturnContext, "use", R"({"and": [
           {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
           {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"},
           {"leftOperand": "UsagePurpose", "operator": "isAnyOf", "rightOperand": "cx.core.industrycore:1"}]})"),
       Scope::kNegotiation, {"cx.core.industrycore:1"}, {partner("BPNL000000000OEM", true, {kDeg})},
       {partner("BPNL000000000OEM", true)}},
      {"saturn business partner group",
       definition(kSaturnContext, "access",
                  R"([{"leftOperand": "BusinessPartnerGroup", "operator": "isAnyOf", "rightOperand": ["gold"]}])"),
       Scope::kCatalog, {}, {partner("BPNL000000000OEM", true, {}, {"gold", "silver"})},
       {partner("BPNL000000000OEM", true, {}, {"silver"}), partner("BPNL000000000OEM", true)}},
      {"jupiter traceability framework with purpose",
       definition(kJupiterContext, "use", R"({"and": [
           {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
           {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "traceability:1.0"},
           {"leftOperand": "UsagePurpose", "operator": "eq", "rightOperand": "cx.core.industrycore:1"}]})"),
       Scope::kNegotiation, {"cx.core.industrycore:1"}, {partner("BPNL000000000OEM", true, {kTraceability})},
       {partner("BPNL000000000OEM", true, {kDeg}), partner("BPNL000000000OEM", false, {kTraceability})}},
      {"jupiter use-case framework in the left operand",
       definition(kJupiterContext, "use",
                  R"([{"leftOperand": "FrameworkAgreement.traceability", "operator": "eq", "rightOperand": "active"}])"),
       Scope::kNegotiation, {}, {partner("BPNL000000000OEM", true, {kTraceability})},
       {partner("BPNL000000000OEM", true)}},
      {"jupiter BPN in the Tractus-X namespace (prefixed)",
       R"({"@context": ["http://www.w3.org/ns/odrl.jsonld", {"tx": "https://w3id.org/tractusx/v0.0.1/ns/",
           "edc": "https://w3id.org/edc/v0.0.1/ns/"}],
           "@type": "edc:PolicyDefinition", "@id": "p", "edc:policy": {"@type": "Set", "permission": [{"action": "use",
           "constraint": {"leftOperand": "tx:BusinessPartnerNumber", "operator": "isAnyOf",
           "rightOperand": ["BPNL000000000OEM", "BPNL00000000OEM2"]}}]}})",
       Scope::kNegotiation, {}, {partner("BPNL00000000OEM2", false)}, {partner("BPNL00000000OTHR", true)}},
      {"saturn, prefixed terms only (as EDC's management API returns them)",
       R"({"@context": {"odrl": "http://www.w3.org/ns/odrl/2/", "cx-policy": "https://w3id.org/catenax/2025/9/policy/",
           "edc": "https://w3id.org/edc/v0.0.1/ns/"},
           "@type": "edc:PolicyDefinition", "@id": "p", "edc:policy": {"@type": "odrl:Set",
           "odrl:permission": {"odrl:action": {"@id": "odrl:use"}, "odrl:constraint": {"odrl:and": [
             {"odrl:leftOperand": {"@id": "cx-policy:Membership"}, "odrl:operator": {"@id": "odrl:eq"},
              "odrl:rightOperand": "active"},
             {"odrl:leftOperand": {"@id": "cx-policy:FrameworkAgreement"}, "odrl:operator": {"@id": "odrl:eq"},
              "odrl:rightOperand": "DataExchangeGovernance:1.0"}]}}}})",
       Scope::kNegotiation, {}, {partner("BPNL000000000OEM", true, {kDeg})}, {partner("BPNL000000000OEM", true)}},
      {"saturn with an inner ODRL context and odrl:Set",
       R"({"@context": ["https://w3id.org/dspace/2025/1/odrl-profile.jsonld",
           "https://w3id.org/catenax/2025/9/policy/context.jsonld", {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}],
           "@type": "PolicyDefinition", "@id": "p",
           "policy": {"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "odrl:Set",
             "permission": [{"action": "access", "constraint": [{"and": [
               {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
               {"leftOperand": "BusinessPartnerNumber", "operator": "isAnyOf", "rightOperand": ["BPNL000000000OEM"]}]}]}],
             "prohibition": [], "obligation": []}})",
       Scope::kCatalog, {}, {partner("BPNL000000000OEM", true)}, {partner("BPNL00000000OTHR", true)}},
  };
}

Result<Policy> parseCompact(const std::string& document) {
  auto expanded = schemas::JsonLdExpander().expand(document);
  if (!expanded) return expanded.error();
  return parsePolicy(expanded.value());
}

TEST(CatenaXPolicyExamples, EachAdmitsThePartnersItMustAndRefusesTheOthers) {
  for (const Example& example : examples()) {
    SCOPED_TRACE(example.name);
    const auto policy = parseCompact(example.document);
    ASSERT_TRUE(policy.ok()) << policy.error().describe();
    EXPECT_TRUE(invalidConstraints(policy.value()).empty()) << "the example must be fully understood";
    RequestContext context;
    context.scope = example.scope;
    context.now = testing::at("2026-06-01T00:00:00Z");
    context.declared_purposes = example.purposes;
    for (const PartnerClaims& claims : example.must_pass) {
      const Decision d = evaluatePolicy(policy.value(), claims, context);
      EXPECT_TRUE(d.allowed) << claims.bpn << ": " << d.reason;
    }
    for (const PartnerClaims& claims : example.must_fail) {
      const Decision d = evaluatePolicy(policy.value(), claims, context);
      EXPECT_FALSE(d.allowed) << claims.bpn << ": " << d.reason;
      EXPECT_FALSE(d.partner_reason.empty());
    }
  }
}

TEST(CatenaXPolicyExamples, CompactionStyleDoesNotChangeThePolicy) {
  const auto vocab = parseCompact(definition(kSaturnContext, "use", R"([{"and": [
      {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
      {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"}]}])"));
  const auto prefixed = parseCompact(examples()[10].document);
  // The same constraints in the other order.
  const auto reordered = parseCompact(definition(kSaturnContext, "use", R"([{"and": [
      {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"},
      {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"}]}])"));
  ASSERT_TRUE(vocab.ok() && prefixed.ok() && reordered.ok());
  EXPECT_EQ(vocab.value().content_hash, prefixed.value().content_hash);
  EXPECT_EQ(vocab.value().content_hash, reordered.value().content_hash);
  const auto other = parseCompact(definition(kSaturnContext, "use", R"([{"and": [
      {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
      {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:2.0"}]}])"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(vocab.value().content_hash, other.value().content_hash);
}

TEST(CatenaXPolicyExamples, AnUndefinedTermIsRefusedNotDropped) {
  // Without @vocab, "constraint" of a misspelled key would vanish in plain JSON-LD expansion.
  const auto policy = parseCompact(R"({"@context": ["http://www.w3.org/ns/odrl.jsonld"], "@type": "Set", "@id": "p",
      "permission": [{"action": "use", "constrait": [{"leftOperand": "x", "operator": "eq", "rightOperand": "y"}]}]})");
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(policy.error().key.find("constrait"), std::string::npos) << policy.error().describe();
}


// The two styles the DSP codec writes offers and agreements in: plain terms under the DSP 2025-1
// ODRL profile plus the Catena-X 2025/9 context, and prefixed terms with {"@id"} values under a
// bare prefix map (DSP v0.8, as EDC compacts).
const OdrlWriteStyle kPlainStyle{"",
                                 {{"http://www.w3.org/ns/odrl/2/", ""},
                                  {"https://w3id.org/catenax/2025/9/policy/", ""}},
                                 false};
const OdrlWriteStyle kPrefixedStyle{"odrl:",
                                    {{"http://www.w3.org/ns/odrl/2/", "odrl:"},
                                     {"https://w3id.org/catenax/policy/", "cx-policy:"}},
                                    true};

std::string inContext(const std::string& context, std::string policy) {
  policy.insert(1, "\"@context\":" + context + ",");
  return policy;
}

TEST(PolicyWriter, EveryExampleSurvivesWritingAndReadingInBothStyles) {
  const std::string plain_context =
      R"(["https://w3id.org/dspace/2025/1/odrl-profile.jsonld", "https://w3id.org/catenax/2025/9/policy/context.jsonld"])";
  const std::string prefixed_context =
      R"({"odrl": "http://www.w3.org/ns/odrl/2/", "cx-policy": "https://w3id.org/catenax/policy/"})";
  for (const Example& example : examples()) {
    SCOPED_TRACE(example.name);
    const auto original = parseCompact(example.document);
    ASSERT_TRUE(original.ok()) << original.error().describe();
    const OdrlEnvelope envelope{"offer-1", "Offer", "", "BPNL000000000SUP", "", {}};
    for (const auto& [style, context] : {std::pair(kPlainStyle, plain_context),
                                         std::pair(kPrefixedStyle, prefixed_context)}) {
      const std::string written = writeOdrlPolicy(original.value(), envelope, style);
      const auto reread = parseCompact(inContext(context, written));
      ASSERT_TRUE(reread.ok()) << reread.error().describe() << "\n" << written;
      EXPECT_EQ(canonicalPolicyText(reread.value()), canonicalPolicyText(original.value()))
          << written;
      EXPECT_EQ(reread.value().assigner, "BPNL000000000SUP") << written;
      EXPECT_EQ(reread.value().id, "offer-1") << written;
    }
  }
}

TEST(PolicyWriter, PlainStyleWritesTermsAndLeavesForeignIrisWhole) {
  const auto policy = parseCompact(examples()[0].document);
  ASSERT_TRUE(policy.ok());
  const OdrlWriteStyle only_odrl{"", {{"http://www.w3.org/ns/odrl/2/", ""}}, false};
  const std::string written =
      writeOdrlPolicy(policy.value(), {"o", "Offer", "asset-1", "", "", {}}, only_odrl);
  EXPECT_NE(written.find(R"("leftOperand":"https://w3id.org/catenax/2025/9/policy/Membership")"),
            std::string::npos)
      << written;
  EXPECT_NE(written.find(R"("operator":"eq")"), std::string::npos) << written;
  EXPECT_NE(written.find(R"("target":"asset-1")"), std::string::npos) << written;
}

}  // namespace
}  // namespace cxgw::policies
