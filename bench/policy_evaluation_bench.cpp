// Policy evaluation (issue 4): how fast the engine decides, next to what the decision costs when
// written by hand, and how long catalog filtering of 10,000 assets takes.
//
// (a) BM_Engine*: evaluatePolicy on the typical Saturn contract policy (Membership eq active AND
//     FrameworkAgreement eq DataExchangeGovernance:1.0 AND UsagePurpose isAnyOf
//     [cx.quality.base:1]) at negotiation scope; BM_HandWritten*: the same three conditions as
//     plain C++ on the same claims and context (the baseline). Goal: >= 1M evaluations/s on one
//     thread.
// (b) BM_CatalogOffersFor: PolicyEngine::offersFor over 10,000 assets with 3 access policies
//     (membership, a 50-BPN allow-list, a BPN group) and 5 contract definitions. Goal: < 10 ms.
//
// Every policy goes through the real JSON-LD expander and parser, as the gateway loads them.
// Run with bench/policy_evaluation.sh, which prints medians, the ratio and the verdicts.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/policies/policy_evaluator.hpp"
#include "cxgw/policies/policy_library.hpp"
#include "cxgw/policies/policy_parser.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"

namespace {

using cxgw::policies::AssetDescription;
using cxgw::policies::Decision;
using cxgw::policies::Detail;
using cxgw::policies::FrameworkAgreementClaim;
using cxgw::policies::PartnerClaims;
using cxgw::policies::Policy;
using cxgw::policies::PolicyEngine;
using cxgw::policies::PolicyLibrary;
using cxgw::policies::PolicyLibraryBuilder;
using cxgw::policies::RequestContext;
using cxgw::policies::Scope;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "policy_evaluation_bench: %s\n", what.c_str());
  std::exit(1);
}

const cxgw::schemas::JsonLdExpander& expander() {
  static const cxgw::schemas::JsonLdExpander instance;
  return instance;
}

std::string expand(const std::string& compact) {
  cxgw::Result<std::string> expanded = expander().expand(compact);
  if (!expanded.ok()) fail("cannot expand: " + expanded.error().describe());
  return std::move(expanded).value();
}

const char* const kSaturnContext = R"("@context": [
    "https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
    "https://w3id.org/catenax/2025/9/policy/context.jsonld",
    {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}])";

// A compact Saturn PolicyDefinition with one permission whose constraints are `constraints`.
std::string policyDefinition(const std::string& id, const std::string& action,
                             const std::string& constraints) {
  return "{" + std::string(kSaturnContext) + R"(, "@type": "PolicyDefinition", "@id": ")" + id +
         R"(", "policy": {"@type": "Set", "permission": [{"action": ")" + action +
         R"(", "constraint": )" + constraints + "}]}}";
}

const char* const kMembership =
    R"({"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"})";
const char* const kDeg =
    R"({"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"})";
const char* const kQualityPurpose =
    R"({"leftOperand": "UsagePurpose", "operator": "isAnyOf", "rightOperand": ["cx.quality.base:1"]})";

// policies/examples/usage-quality-purpose.jsonld
std::string qualityContractPolicy() {
  return policyDefinition(
      "usage-quality-purpose", "use",
      std::string(R"([{"and": [)") + kMembership + "," + kDeg + "," + kQualityPurpose + "]}]");
}

const std::string kQualityPurposeValue = "cx.quality.base:1";

PartnerClaims allowedPartner() {
  PartnerClaims claims;
  claims.bpn = "BPNL000000000OEM";
  claims.did = "did:web:oem.example.com";
  claims.catena_x_member = true;
  claims.framework_agreements = {{"traceability", "1.0"}, {"DataExchangeGovernance", "1.0"}};
  return claims;
}

// A member that has not signed the Data Exchange Governance framework: fails the second
// constraint.
PartnerClaims deniedPartner() {
  PartnerClaims claims = allowedPartner();
  claims.bpn = "BPNL00000000OTHR";
  claims.framework_agreements = {{"traceability", "1.0"}};
  return claims;
}

RequestContext negotiationContext() {
  using namespace std::chrono;
  RequestContext context;
  context.scope = Scope::kNegotiation;
  context.now = sys_days{year{2026} / 3 / 1};
  context.asset_id = "urn:uuid:asset-1";
  context.declared_purposes = {kQualityPurposeValue};
  return context;
}

const Policy& contractPolicy() {
  static const Policy policy = [] {
    cxgw::Result<Policy> parsed = cxgw::policies::parsePolicy(expand(qualityContractPolicy()));
    if (!parsed.ok()) fail("cannot parse the contract policy: " + parsed.error().describe());
    return std::move(parsed).value();
  }();
  return policy;
}

// ---- (a) one policy, one partner ----------------------------------------------------------

void runEngine(benchmark::State& state, const PartnerClaims& claims, Detail detail, bool expected) {
  const Policy& policy = contractPolicy();
  const RequestContext context = negotiationContext();
  if (cxgw::policies::evaluatePolicy(policy, claims, context, detail).allowed != expected)
    fail("the engine decided unexpectedly");
  for (auto _ : state) {
    Decision decision = cxgw::policies::evaluatePolicy(policy, claims, context, detail);
    benchmark::DoNotOptimize(decision);
  }
  state.SetItemsProcessed(state.iterations());
}

// What the policy means, written by hand against the same claims and context.
bool handWrittenCheck(const PartnerClaims& claims, const RequestContext& context) {
  if (!claims.catena_x_member) return false;
  bool deg = false;
  for (const FrameworkAgreementClaim& framework : claims.framework_agreements) {
    if (framework.name == "DataExchangeGovernance" && framework.version == "1.0") {
      deg = true;
      break;
    }
  }
  if (!deg) return false;
  for (const std::string& purpose : context.declared_purposes) {
    if (purpose == kQualityPurposeValue) return true;
  }
  return false;
}

void runHandWritten(benchmark::State& state, const PartnerClaims& claims, bool expected) {
  const RequestContext context = negotiationContext();
  if (handWrittenCheck(claims, context) != expected) fail("the baseline decided unexpectedly");
  for (auto _ : state) {
    // Hides the inputs from the optimizer, so each iteration checks them again.
    benchmark::DoNotOptimize(&claims);
    benchmark::DoNotOptimize(&context);
    benchmark::ClobberMemory();
    bool allowed = handWrittenCheck(claims, context);
    benchmark::DoNotOptimize(allowed);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EngineAllowedDecisionOnly(benchmark::State& state) {
  const PartnerClaims claims = allowedPartner();
  runEngine(state, claims, Detail::kDecisionOnly, true);
}
void BM_EngineAllowedFull(benchmark::State& state) {
  const PartnerClaims claims = allowedPartner();
  runEngine(state, claims, Detail::kFull, true);
}
void BM_EngineDeniedDecisionOnly(benchmark::State& state) {
  const PartnerClaims claims = deniedPartner();
  runEngine(state, claims, Detail::kDecisionOnly, false);
}
void BM_EngineDeniedFull(benchmark::State& state) {
  const PartnerClaims claims = deniedPartner();
  runEngine(state, claims, Detail::kFull, false);
}
void BM_HandWrittenAllowed(benchmark::State& state) {
  const PartnerClaims claims = allowedPartner();
  runHandWritten(state, claims, true);
}
void BM_HandWrittenDenied(benchmark::State& state) {
  const PartnerClaims claims = deniedPartner();
  runHandWritten(state, claims, false);
}

BENCHMARK(BM_HandWrittenAllowed);
BENCHMARK(BM_EngineAllowedDecisionOnly);
BENCHMARK(BM_EngineAllowedFull);
BENCHMARK(BM_HandWrittenDenied);
BENCHMARK(BM_EngineDeniedDecisionOnly);
BENCHMARK(BM_EngineDeniedFull);

// ---- (b) catalog filtering ----------------------------------------------------------------

constexpr int kAllowListSize = 50;
constexpr int kAssetCount = 10'000;
const std::string kTypeProperty = "https://w3id.org/edc/v0.0.1/ns/type";
const std::string kSemanticIdProperty = "https://admin-shell.io/aas/3/0/HasSemantics/semanticId";
const std::vector<std::string> kAspectModels = {
    "urn:samm:io.catenax.serial_part:3.0.0#SerialPart",
    "urn:samm:io.catenax.batch:3.0.0#Batch",
    "urn:samm:io.catenax.single_level_bom_as_built:3.0.0#SingleLevelBomAsBuilt",
    "urn:samm:io.catenax.quality_task:2.0.0#QualityTask",
};

std::string bpn(int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "BPNL%012d", i);
  return buffer;
}

std::string contractDefinition(const std::string& id, const std::string& access,
                               const std::string& contract, const std::string& selector) {
  return R"({"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}, "@type": "ContractDefinition", "@id": ")" +
         id + R"(", "accessPolicyId": ")" + access + R"(", "contractPolicyId": ")" + contract +
         R"(", "assetsSelector": [)" + selector + "]}";
}

std::string criterion(const std::string& left, const std::string& op, const std::string& right) {
  return R"({"operandLeft": ")" + left + R"(", "operator": ")" + op + R"(", "operandRight": )" +
         right + "}";
}

std::shared_ptr<const PolicyLibrary> catalogLibrary() {
  PolicyLibraryBuilder builder;
  auto add = [&](const std::string& source, const std::string& compact) {
    builder.addDocument(source, expand(compact));
  };
  std::string allow_list;
  for (int i = 0; i < kAllowListSize; ++i)
    allow_list += (i == 0 ? "\"" : ", \"") + bpn(1000 + i) + "\"";
  add("access-membership",
      policyDefinition("access-membership", "access", std::string("[") + kMembership + "]"));
  add("access-bpn-allow-list",
      policyDefinition(
          "access-bpn-allow-list", "access",
          std::string("[") + kMembership +
              R"(, {"leftOperand": "BusinessPartnerNumber", "operator": "isAnyOf", "rightOperand": [)" +
              allow_list + "]}]"));
  add("access-bpn-group",
      policyDefinition(
          "access-bpn-group", "access",
          R"([{"leftOperand": "BusinessPartnerGroup", "operator": "isAnyOf", "rightOperand": ["quality-partners"]}])"));
  add("usage-membership-deg",
      policyDefinition("usage-membership-deg", "use",
                       std::string(R"([{"and": [)") + kMembership + "," + kDeg + "]}]"));
  add("usage-quality-purpose", qualityContractPolicy());
  add("business-partner-groups",
      R"([{"@context": {"tx": "https://w3id.org/tractusx/v0.0.1/ns/"}, "@id": ")" + bpn(1025) +
          R"(", "tx:groups": ["quality-partners"]},
          {"@context": {"tx": "https://w3id.org/tractusx/v0.0.1/ns/"}, "@id": ")" +
          bpn(2000) + R"(", "tx:groups": ["quality-partners", "tier-1"]}])");
  const std::string models = "[\"" + kAspectModels[0] + "\", \"" + kAspectModels[1] + "\"]";
  add("contract-definitions",
      "[" +
          contractDefinition(
              "registry-for-members", "access-membership", "usage-membership-deg",
              criterion("https://w3id.org/edc/v0.0.1/ns/id", "=", "\"digital-twin-registry\"")) +
          "," +
          contractDefinition("traceability-for-customers", "access-bpn-allow-list",
                             "usage-membership-deg", criterion(kSemanticIdProperty, "in", models)) +
          "," +
          contractDefinition("bom-for-customers", "access-bpn-allow-list", "usage-membership-deg",
                             criterion(kSemanticIdProperty, "=", "\"" + kAspectModels[2] + "\"")) +
          "," +
          contractDefinition("quality-for-partners", "access-bpn-group", "usage-quality-purpose",
                             criterion(kSemanticIdProperty, "=", "\"" + kAspectModels[3] + "\"")) +
          "," +
          contractDefinition("submodels-for-members", "access-membership", "usage-membership-deg",
                             criterion(kTypeProperty, "=", "\"submodel\"")) +
          "]");
  cxgw::Result<std::shared_ptr<const PolicyLibrary>> library = builder.build();
  if (!library.ok()) fail("cannot build the library: " + library.error().describe());
  if (library.value()->contractDefinitions().size() != 5 || library.value()->policies().size() != 5)
    fail("the library does not hold the expected definitions");
  return std::move(library).value();
}

std::vector<AssetDescription> catalogAssets() {
  std::vector<AssetDescription> assets;
  assets.reserve(kAssetCount);
  assets.push_back({"digital-twin-registry", {{kTypeProperty, "data.core.digitalTwinRegistry"}}});
  for (int i = 1; i < kAssetCount; ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "urn:uuid:00000000-0000-4000-8000-%012d", i);
    assets.push_back({id,
                      {{kTypeProperty, "submodel"},
                       {kSemanticIdProperty,
                        kAspectModels[static_cast<std::size_t>(i) % kAspectModels.size()]}}});
  }
  return assets;
}

void BM_CatalogOffersFor(benchmark::State& state) {
  const PolicyEngine engine(catalogLibrary());
  const std::vector<AssetDescription> assets = catalogAssets();
  // On the allow-list and in the group: every access policy is evaluated and allows.
  PartnerClaims claims = allowedPartner();
  claims.bpn = bpn(1025);
  RequestContext context = negotiationContext();
  context.scope = Scope::kCatalog;
  std::size_t offers = 0;
  for (const auto& per_asset : engine.offersFor(assets, claims, context))
    offers += per_asset.size();
  // 1 registry + 9,999 submodels (all members) + 4,999 SerialPart/Batch + 2,500 BOM + 2,500
  // quality tasks (semantic ids cycle over the 4 models from asset 1 on).
  if (offers != 1 + 9'999 + 4'999 + 2'500 + 2'500)
    fail("unexpected number of offers: " + std::to_string(offers));
  for (auto _ : state) {
    auto result = engine.offersFor(assets, claims, context);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(assets.size()));
}

BENCHMARK(BM_CatalogOffersFor)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
