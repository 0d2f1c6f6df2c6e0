// libFuzzer target for the policy path a partner's or operator's document takes: JSON-LD
// expansion, policy parsing, evaluation at every scope, plain-language rendering and the
// canonical text. The raw bytes are also parsed as if they were already expanded, which reaches
// the parser with shapes the expander would never produce.
//
// Besides "no crash, no leak, no UB" the target checks one property: the hot path
// (Detail::kDecisionOnly) and the full explanation decide the same.
//
// Build and run: tests/fuzz/run.sh [SECONDS] (fuzz preset, clang).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cxgw/policies/plain_language.hpp"
#include "cxgw/policies/policy.hpp"
#include "cxgw/policies/policy_evaluator.hpp"
#include "cxgw/policies/policy_library.hpp"
#include "cxgw/policies/policy_parser.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"

namespace {

using cxgw::policies::Decision;
using cxgw::policies::Detail;
using cxgw::policies::PartnerClaims;
using cxgw::policies::Policy;
using cxgw::policies::RequestContext;
using cxgw::policies::Scope;

// A partner that satisfies the usual Catena-X constraints, so that evaluation goes deep.
const PartnerClaims& fixedClaims() {
  static const PartnerClaims claims = [] {
    PartnerClaims c;
    c.bpn = "BPNL000000000OEM";
    c.did = "did:web:oem.example.com";
    c.catena_x_member = true;
    c.framework_agreements = {
        {"DataExchangeGovernance", "1.0"}, {"traceability", "1.0"}, {"quality", ""}};
    c.groups = {"quality-partners", "tier-1"};
    c.contract_references = {"contract-4711"};
    return c;
  }();
  return claims;
}

RequestContext fixedContext(Scope scope) {
  using namespace std::chrono;
  RequestContext context;
  context.scope = scope;
  context.now = sys_days{year{2026} / 3 / 1} + hours{12};
  context.asset_id = "digital-twin-registry";
  context.declared_purposes = {"cx.quality.base:1", "cx.core.industrycore:1"};
  if (scope != Scope::kCatalog && scope != Scope::kNegotiation)
    context.agreement_signed_at = sys_days{year{2026} / 1 / 15};
  context.affiliate_bpn = "BPNL00000000OEM2";
  context.affiliate_region = "cx.region.europe:1";
  return context;
}

void exercisePolicy(const Policy& policy) {
  for (Scope scope : {Scope::kCatalog, Scope::kNegotiation, Scope::kTransfer, Scope::kDataAccess}) {
    const RequestContext context = fixedContext(scope);
    const Decision full =
        cxgw::policies::evaluatePolicy(policy, fixedClaims(), context, Detail::kFull);
    const Decision quick =
        cxgw::policies::evaluatePolicy(policy, fixedClaims(), context, Detail::kDecisionOnly);
    if (full.allowed != quick.allowed) {
      std::fprintf(stderr, "kFull and kDecisionOnly disagree at scope %s: %d vs %d\n",
                   std::string(cxgw::policies::scopeName(scope)).c_str(), full.allowed,
                   quick.allowed);
      std::abort();
    }
  }
  (void)cxgw::policies::purposesDeclaredBy(policy);
  (void)cxgw::policies::invalidConstraints(policy);
  (void)cxgw::policies::describePolicy(policy);
  (void)cxgw::policies::canonicalPolicyText(policy);
}

void parseAndExercise(std::string_view expanded) {
  cxgw::Result<Policy> policy = cxgw::policies::parsePolicy(expanded, "fuzz-policy");
  if (policy.ok()) exercisePolicy(policy.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  static const cxgw::schemas::JsonLdExpander expander;
  cxgw::Result<std::string> expanded = expander.expand(input);
  if (expanded.ok()) {
    parseAndExercise(expanded.value());
    // The same document as the policy library reads it (definitions, groups, cross-checks).
    cxgw::policies::PolicyLibraryBuilder builder;
    builder.addDocument("fuzz.jsonld", expanded.value());
    (void)builder.findings();
    (void)builder.build();
  }

  parseAndExercise(input);
  return 0;
}
