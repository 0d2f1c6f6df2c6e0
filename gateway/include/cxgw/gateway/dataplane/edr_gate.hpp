#pragma once
// The checks every request that carries an EDR access token goes through, whatever it asks for
// (a submodel payload, the twin registry, the change feed), and the audit record of a refusal.
//
// admit(), in this order, refusing at the first failure:
//   1. the access token (Authorization, "Bearer <jwt>" or the bare jwt): signature, expiry,
//      issuer, kind (EdrTokenIssuer::verify)                                     401
//   2. the token is for the asset the request needs, when it needs one            403
//   3. the token's transfer is a provider transfer of ours, still STARTED, for the token's
//      partner, agreement and asset: a suspended, completed or terminated transfer revokes its
//      tokens at once, on every replica, since the state lives in the ProcessStore and the
//      gateway's copy of it (ProcessRecordCache) is dropped when the store announces a change 401
//   4. the agreement exists                                                       401
// permit(), once the caller knows what is asked for:
//   5. the partner is still one the supplier deals with (partner_claims), and the agreement's
//      policy, re-evaluated in the data-access scope on the partner's current claims
//      (retirement included) through the PolicyDecisionPoint, which audits the decision   403
// A store that cannot answer gives 503. Every refusal of admit() and permit() is in the audit
// trail (a deny record of scope data_access, or the policy decision); refuse() writes the deny
// record of a refusal the caller decides on itself. When a record cannot be written the request
// is still refused.
//
// Thread-safety: const methods, safe to call from any thread; the dependencies must be too.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dataplane/edr_token.hpp"
#include "cxgw/gateway/dataplane/process_record_cache.hpp"
#include "cxgw/gateway/http/http_message.hpp"
#include "cxgw/gateway/policy/policy_decision_point.hpp"
#include "cxgw/store/audit_trail.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::gateway {

// A request refused: what the partner hears and what the audit trail and the log keep.
struct EdrRefusal {
  unsigned status = 403;
  std::string code;     // stable lower_snake name, e.g. "unauthorized"
  std::string message;  // for the partner: never more than it already knows
  std::string reason;   // for the audit trail

  static EdrRefusal storeDown(const Error& error);
  // The gateway's JSON error answer to the request `request_id` (with WWW-Authenticate: Bearer
  // on a 401).
  HttpResponse toResponse(const std::string& request_id) const;
};

// A request whose token passed admit(): who asks, under which agreement.
struct EdrGrant {
  EdrClaims claims;
  store::ContractAgreementRecord agreement;
};

struct EdrAdmission {
  std::optional<EdrGrant> grant;  // set when admitted
  EdrRefusal refusal;             // otherwise, already in the audit trail
  bool deferred = false;          // Reach::kMemoryOnly could not admit: neither grant nor refusal
};

class EdrGate {
 public:
  struct Dependencies {
    // The current claims of a partner, by BPN (the partner registry); nothing for a partner the
    // supplier no longer deals with. Requests prove the BPN with the token alone, since a
    // partner's data plane need not present a client certificate.
    std::function<std::optional<policies::PartnerClaims>(std::string_view bpn)> partner_claims;
    const EdrTokenIssuer& tokens;
    store::ProcessStore& processes;
    PolicyDecisionPoint& decisions;
    store::AuditTrail& audit;
    std::function<std::chrono::system_clock::time_point()> now;
  };

  // Keeps the transfers and agreements it reads in a ProcessRecordCache on `processes`.
  explicit EdrGate(Dependencies dependencies);
  ~EdrGate();

  // Steps 1 to 4. `asset_id`: the asset the request needs; empty when any asset will do.
  // `twin_id`: the twin the request is about, for the audit record of a refusal.
  // With Reach::kMemoryOnly, for a caller that must not block: the transfer and the agreement
  // come from memory only, and a request that memory cannot admit (a record not in memory, or
  // any refusal) is `deferred`, with nothing audited or logged, for the caller to admit again
  // with Reach::kStore where it may block.
  EdrAdmission admit(const HttpRequest& request, std::string_view asset_id,
                     std::string_view twin_id, Reach reach = Reach::kStore) const;

  // Step 5, for a request about `twin_id` (empty when it is about no single twin). A refusal
  // from here is already in the audit trail.
  std::optional<EdrRefusal> permit(const HttpRequest& request, const EdrGrant& grant,
                                   std::string_view twin_id) const;
  // The same without waiting for the decision's audit record: `permitted` gets what permit()
  // would return, once the record is stored. It is called on this thread (a refusal before the
  // decision) or on the audit trail's (PolicyDecisionPoint::agreementThen), so it must not block.
  // Returns true. With Reach::kMemoryOnly, a refusal before the decision is not made: it returns
  // false, having called and audited nothing, for the caller to ask again with Reach::kStore.
  using Permitted = std::function<void(std::optional<EdrRefusal>)>;
  bool permitThen(const HttpRequest& request, const EdrGrant& grant, std::string_view twin_id,
                  Reach reach, Permitted permitted) const;

  // Audits and logs `refusal` of `request` (about `twin_id`, by the token's `claims` if known).
  void refuse(const HttpRequest& request, const EdrRefusal& refusal, const EdrClaims* claims,
              std::string_view twin_id) const;

  // Why the tokens of this transfer no longer work; nothing while they do.
  static std::optional<std::string> revoked(
      const std::optional<store::TransferProcessRecord>& transfer, const EdrClaims& claims);

  const EdrTokenIssuer& tokens() const { return deps_.tokens; }
  store::ProcessStore& processes() const { return deps_.processes; }
  std::chrono::system_clock::time_point now() const { return deps_.now(); }

 private:
  // Who asks, for the decision on `grant`; nothing, with `refusal` set and audited, for a partner
  // no longer in the registry.
  // With Reach::kMemoryOnly, the refusal is not audited.
  std::optional<DecisionSubject> decisionSubject(const HttpRequest& request, const EdrGrant& grant,
                                                 std::string_view twin_id, Reach reach,
                                                 std::optional<EdrRefusal>& refusal) const;
  // Nothing for an allowed decision; the refusal (logged) otherwise.
  static std::optional<EdrRefusal> refusalOf(const policies::Decision& decision,
                                             const std::string& request_id,
                                             const std::string& partner);

  Dependencies deps_;
  std::unique_ptr<ProcessRecordCache> records_;
};

}  // namespace cxgw::gateway
