#include "cxgw/gateway/policy/policy_decision_point.hpp"

#include "cxgw/core/logging.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/policies/policy_parser.hpp"

namespace cxgw::gateway {
namespace {

store::AuditEntry entryFor(const policies::Decision& decision, policies::Scope scope,
                           const DecisionSubject& subject, const policies::Policy* policy,
                           std::chrono::system_clock::time_point at) {
  store::AuditEntry entry;
  entry.time = at;
  entry.decision = decision.allowed ? store::AuditDecision::kAllow : store::AuditDecision::kDeny;
  entry.scope = std::string(policies::scopeName(scope));
  entry.partner_bpn = subject.claims.bpn;
  entry.partner_did = subject.claims.did;
  entry.asset_id = subject.asset_id;
  entry.twin_id = subject.twin_id;
  entry.agreement_id = subject.agreement_id;
  if (policy != nullptr) {
    entry.policy_id = policy->id;
    entry.policy_hash = policy->content_hash;
  }
  entry.reason = decision.reason;
  return entry;
}

// The refusal of a decision whose audit record could not be written.
policies::Decision refusedUnrecorded(const std::string& scope, const std::string& partner,
                                     const Error& error) {
  logError("audit record not written; the access is refused",
           {{"scope", scope}, {"partner", partner}, {"error", error.describe()}});
  policies::Decision refused;
  refused.allowed = false;
  refused.reason = "refused because the audit record could not be written: " + error.describe();
  refused.partner_reason = "the provider cannot record this decision right now; try again later";
  refused.explanation.text = refused.reason;
  return refused;
}

}  // namespace

PolicyDecisionPoint::Unrecorded PolicyDecisionPoint::withEntry(
    policies::Decision decision, policies::Scope scope, const DecisionSubject& subject,
    const policies::Policy* policy, std::chrono::system_clock::time_point at) {
  store::AuditEntry entry = entryFor(decision, scope, subject, policy, at);
  return {std::move(decision), std::move(entry)};
}

PolicyDecisionPoint::PolicyDecisionPoint(LibrarySource library, store::AuditTrail& audit, Now now)
    : library_(std::move(library)), audit_(audit), now_(std::move(now)) {}

policies::Decision PolicyDecisionPoint::record(Unrecorded unrecorded) {
  auto written = audit_.append(unrecorded.entry);
  if (!written) {
    return refusedUnrecorded(unrecorded.entry.scope, unrecorded.entry.partner_bpn, written.error());
  }
  return std::move(unrecorded.decision);
}

void PolicyDecisionPoint::recordThen(Unrecorded unrecorded, Decided decided) {
  auto on_written = [scope = unrecorded.entry.scope, partner = unrecorded.entry.partner_bpn,
                     decision = std::move(unrecorded.decision), decided = std::move(decided)](
                        Result<std::vector<store::AuditRecord>> written) mutable {
    decided(written ? std::move(decision) : refusedUnrecorded(scope, partner, written.error()));
  };
  audit_.appendThen({std::move(unrecorded.entry)}, std::move(on_written));
}

std::vector<std::vector<const policies::ContractDefinition*>> PolicyDecisionPoint::catalog(
    const std::vector<policies::AssetDescription>& assets, const DecisionSubject& subject,
    std::shared_ptr<const policies::PolicyLibrary>& library_used) {
  library_used = library_();
  std::vector<std::vector<const policies::ContractDefinition*>> none(assets.size());
  if (!library_used) return none;
  const policies::PolicyEngine engine(library_used);
  policies::RequestContext context;
  context.scope = policies::Scope::kCatalog;
  context.now = now_();
  std::vector<store::AuditEntry> entries;
  for (const auto& [id, definition] : library_used->contractDefinitions()) {
    policies::Decision decision =
        engine.decideAccess(definition, subject.claims, context, policies::Detail::kDecisionOnly);
    decision.reason = "contract definition " + id + ": " + decision.reason;
    entries.push_back(entryFor(decision, context.scope, subject,
                               library_used->policy(definition.access_policy_id), context.now));
  }
  if (auto written = audit_.append(entries); !written) {
    logError("audit records of a catalog request not written; nothing is offered",
             {{"partner", subject.claims.bpn}, {"error", written.error().describe()}});
    return none;
  }
  return engine.offersFor(assets, subject.claims, context);
}

policies::Decision PolicyDecisionPoint::negotiation(
    const policies::ContractDefinition& definition, const policies::Policy& requested,
    const DecisionSubject& subject, const std::vector<std::string>& declared_purposes) {
  const auto library = library_();
  policies::RequestContext context;
  context.scope = policies::Scope::kNegotiation;
  context.now = now_();
  context.asset_id = subject.asset_id;
  context.declared_purposes = declared_purposes;
  if (!library) {
    policies::Decision refused;
    refused.reason = "no policy library is loaded";
    refused.partner_reason = "no offer is available";
    return record(withEntry(std::move(refused), context.scope, subject, nullptr, context.now));
  }
  const policies::PolicyEngine engine(library);
  return record(withEntry(engine.decideNegotiation(definition, requested, subject.claims, context),
                          context.scope, subject, library->policy(definition.contract_policy_id),
                          context.now));
}

policies::Decision PolicyDecisionPoint::agreement(
    policies::Scope scope, const policies::Policy& agreed, const AgreementState& state,
    const DecisionSubject& subject, const std::vector<std::string>& declared_purposes) {
  return record(decideAgreement(scope, agreed, state, subject, declared_purposes));
}

policies::Decision PolicyDecisionPoint::agreement(policies::Scope scope,
                                                  const store::ContractAgreementRecord& stored,
                                                  DecisionSubject subject) {
  return record(decideStoredAgreement(scope, stored, std::move(subject)));
}

void PolicyDecisionPoint::agreementThen(policies::Scope scope,
                                        const store::ContractAgreementRecord& stored,
                                        DecisionSubject subject, Decided decided) {
  recordThen(decideStoredAgreement(scope, stored, std::move(subject)), std::move(decided));
}

PolicyDecisionPoint::Unrecorded PolicyDecisionPoint::decideAgreement(
    policies::Scope scope, const policies::Policy& agreed, const AgreementState& state,
    const DecisionSubject& subject, const std::vector<std::string>& declared_purposes) {
  policies::RequestContext context;
  context.scope = scope;
  context.now = now_();
  context.asset_id = subject.asset_id;
  context.declared_purposes = declared_purposes;
  context.agreement_signed_at = state.signed_at;
  const auto library = library_();
  policies::Decision decision;
  if (state.retired_at && *state.retired_at <= context.now) {
    decision.reason = "agreement " + subject.agreement_id + " was retired on " +
                      formatIsoTimestamp(*state.retired_at) +
                      (state.retired_reason.empty() ? "" : ": " + state.retired_reason);
    decision.partner_reason = "the agreement has been retired by the provider";
    decision.explanation.text = decision.reason;
  } else if (library) {
    decision = policies::PolicyEngine(library).decideAgreement(agreed, subject.claims, context);
  } else {
    decision = policies::evaluatePolicy(agreed, subject.claims, context);
  }
  return withEntry(std::move(decision), scope, subject, &agreed, context.now);
}

PolicyDecisionPoint::Unrecorded PolicyDecisionPoint::decideStoredAgreement(
    policies::Scope scope, const store::ContractAgreementRecord& stored, DecisionSubject subject) {
  subject.agreement_id = stored.id;
  subject.asset_id = stored.asset_id;
  auto agreed = agreedPolicy(stored);
  if (!agreed) {
    policies::Decision refused;
    refused.reason =
        "the policy of agreement " + stored.id + " cannot be read: " + agreed.error().describe();
    refused.partner_reason = "the agreement cannot be evaluated";
    return withEntry(std::move(refused), scope, subject, nullptr, now_());
  }
  const AgreementState state{stored.signed_at, stored.retired_at, stored.retired_reason};
  const policies::Policy& policy = *agreed.value();
  return decideAgreement(scope, policy, state, subject, policies::purposesDeclaredBy(policy));
}

Result<std::shared_ptr<const policies::Policy>> PolicyDecisionPoint::agreedPolicy(
    const store::ContractAgreementRecord& stored) {
  {
    std::lock_guard lock(parsed_mutex_);
    if (auto it = parsed_.find(stored.id);
        it != parsed_.end() && it->second.text == stored.policy_json) {
      return it->second.policy;
    }
  }
  auto parsed = policies::parsePolicy(stored.policy_json, stored.id);
  if (!parsed) return parsed.error();
  auto policy = std::make_shared<const policies::Policy>(std::move(parsed).value());
  std::lock_guard lock(parsed_mutex_);
  if (parsed_.size() >= kAgreementPoliciesRemembered) parsed_.clear();
  parsed_.insert_or_assign(stored.id, ParsedPolicy{stored.policy_json, policy});
  return policy;
}

}  // namespace cxgw::gateway
