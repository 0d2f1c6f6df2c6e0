#pragma once
// The one place where the gateway asks the policy engine and records the answer. The DSP
// provider (catalog, negotiation, transfer) and the data plane (data access) call it; nothing
// else evaluates policies at run time.
//
// Every decision is appended to the audit trail before it is returned, and a decision that
// cannot be recorded is refused, whatever the policy said: fail closed.
//
// Thread-safety: all methods may be called concurrently. The library is read through the
// supplier function on each call, so a reloaded library takes effect at the next decision.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cxgw/policies/policy_library.hpp"
#include "cxgw/store/audit_trail.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::gateway {

// Who asks and what about; the request context's scope is set by each method.
struct DecisionSubject {
  policies::PartnerClaims claims;
  std::string asset_id;
  std::string twin_id;       // global asset id, where one twin is concerned
  std::string agreement_id;  // transfer and data access
};

// What the store knows of an agreement when a transfer or data request comes in.
struct AgreementState {
  std::chrono::system_clock::time_point signed_at;
  std::optional<std::chrono::system_clock::time_point> retired_at;  // set: the provider retired it
  std::string retired_reason;
};

class PolicyDecisionPoint {
 public:
  using LibrarySource = std::function<std::shared_ptr<const policies::PolicyLibrary>()>;
  using Now = std::function<std::chrono::system_clock::time_point()>;

  PolicyDecisionPoint(LibrarySource library, store::AuditTrail& audit, Now now);

  // Catalog: the contract definitions offering each asset to the partner. One audit record per
  // contract definition decided, in one batch; if the batch cannot be written, nothing is
  // offered.
  std::vector<std::vector<const policies::ContractDefinition*>> catalog(
      const std::vector<policies::AssetDescription>& assets, const DecisionSubject& subject,
      std::shared_ptr<const policies::PolicyLibrary>& library_used);

  policies::Decision negotiation(const policies::ContractDefinition& definition,
                                 const policies::Policy& requested, const DecisionSubject& subject,
                                 const std::vector<std::string>& declared_purposes);

  // Transfer or data access under an agreement: refused once the agreement is retired;
  // otherwise the agreed policy is evaluated again (expiry, credentials).
  policies::Decision agreement(policies::Scope scope, const policies::Policy& agreed,
                               const AgreementState& state, const DecisionSubject& subject,
                               const std::vector<std::string>& declared_purposes);
  // The same for a stored agreement: its policy text is parsed, and the purposes it declares are
  // the declared ones. An agreement whose policy cannot be read is refused, and that recorded.
  // subject.agreement_id and asset_id are taken from the record. The parsed policies of the
  // last kAgreementPoliciesRemembered agreements are kept, each with the exact text it was
  // parsed from, since a data plane asks about the same agreements again and again.
  policies::Decision agreement(policies::Scope scope, const store::ContractAgreementRecord& stored,
                               DecisionSubject subject);
  // The same without waiting for the audit record: `decided` gets the decision once its record
  // is stored (or the refusal when it cannot be), on the audit trail's thread
  // (AuditTrail::appendThen), so it must not block.
  using Decided = std::function<void(policies::Decision)>;
  void agreementThen(policies::Scope scope, const store::ContractAgreementRecord& stored,
                     DecisionSubject subject, Decided decided);

  static constexpr size_t kAgreementPoliciesRemembered = 1024;

 private:
  // A decision and its audit record, not yet written.
  struct Unrecorded {
    policies::Decision decision;
    store::AuditEntry entry;
  };
  static Unrecorded withEntry(policies::Decision decision, policies::Scope scope,
                              const DecisionSubject& subject, const policies::Policy* policy,
                              std::chrono::system_clock::time_point at);
  Unrecorded decideAgreement(policies::Scope scope, const policies::Policy& agreed,
                             const AgreementState& state, const DecisionSubject& subject,
                             const std::vector<std::string>& declared_purposes);
  Unrecorded decideStoredAgreement(policies::Scope scope,
                                   const store::ContractAgreementRecord& stored,
                                   DecisionSubject subject);

  // The policy of `stored`, parsed now or earlier from the same text.
  Result<std::shared_ptr<const policies::Policy>> agreedPolicy(
      const store::ContractAgreementRecord& stored);

  // Records the decision; returns it, or a refusal when the record cannot be written.
  policies::Decision record(Unrecorded unrecorded);
  // The same, handing the outcome to `decided`.
  void recordThen(Unrecorded unrecorded, Decided decided);

  const LibrarySource library_;
  store::AuditTrail& audit_;
  const Now now_;
  struct ParsedPolicy {
    std::string text;
    std::shared_ptr<const policies::Policy> policy;
  };
  std::mutex parsed_mutex_;                               // guards parsed_
  std::unordered_map<std::string, ParsedPolicy> parsed_;  // by agreement id; emptied when full
};

}  // namespace cxgw::gateway
