#include "cxgw/gateway/dataplane/edr_gate.hpp"

#include "cxgw/core/logging.hpp"
#include "cxgw/gateway/dsp/dsp_state_machines.hpp"
#include "cxgw/gateway/identity/partner_authenticator.hpp"

namespace cxgw::gateway {

EdrRefusal EdrRefusal::storeDown(const Error& error) {
  return {503, "unavailable", "the store is unavailable; retry later",
          "store: " + error.describe()};
}

HttpResponse EdrRefusal::toResponse(const std::string& request_id) const {
  HttpResponse response = HttpResponse::error(status, code, message, request_id);
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

EdrGate::EdrGate(Dependencies dependencies)
    : deps_(std::move(dependencies)),
      records_(std::make_unique<ProcessRecordCache>(deps_.processes)) {}

EdrGate::~EdrGate() = default;

EdrAdmission EdrGate::admit(const HttpRequest& request, std::string_view asset_id,
                            std::string_view twin_id, Reach reach) const {
  EdrAdmission admission;
  std::optional<EdrClaims> verified_claims;  // once the token verified, for the audit record
  const auto refused = [&](EdrRefusal refusal) {
    if (reach == Reach::kMemoryOnly) {
      admission.deferred = true;
      return std::move(admission);
    }
    refuse(request, refusal, verified_claims ? &*verified_claims : nullptr, twin_id);
    admission.refusal = std::move(refusal);
    return std::move(admission);
  };
  const auto token = authorizationToken(request);
  if (!token) return refused({401, "unauthorized", "an access token is required", "no token"});
  auto verified = deps_.tokens.verify(*token, EdrTokenKind::kAccess, deps_.now());
  if (!verified) {
    return refused({401, "unauthorized", "the access token is not valid",
                    "token refused: " + verified.error().message});
  }
  verified_claims = verified.value();
  const EdrClaims& claims = *verified_claims;
  if (!asset_id.empty() && asset_id != claims.asset_id) {
    return refused(
        {403, "forbidden", "the access token is for another asset",
         "token for asset " + claims.asset_id + ", request for " + std::string(asset_id)});
  }
  auto transfer = records_->transfer(claims.transfer_process_id, reach);
  if (!transfer) return refused(EdrRefusal::storeDown(transfer.error()));
  if (const auto why = revoked(transfer.value(), claims)) {
    return refused({401, "unauthorized", "the access token has been revoked", *why});
  }
  auto agreement = records_->agreement(claims.agreement_id, reach);
  if (!agreement) return refused(EdrRefusal::storeDown(agreement.error()));
  if (!agreement.value()) {
    return refused({401, "unauthorized", "the access token has been revoked",
                    "agreement " + claims.agreement_id + " unknown"});
  }
  admission.grant = EdrGrant{claims, std::move(*agreement.value())};
  return admission;
}

std::optional<EdrRefusal> EdrGate::permit(const HttpRequest& request, const EdrGrant& grant,
                                          std::string_view twin_id) const {
  std::optional<EdrRefusal> refusal;
  auto subject = decisionSubject(request, grant, twin_id, Reach::kStore, refusal);
  if (!subject) return refusal;
  return refusalOf(
      deps_.decisions.agreement(policies::Scope::kDataAccess, grant.agreement, std::move(*subject)),
      request.request_id, grant.claims.partner_bpn);
}

bool EdrGate::permitThen(const HttpRequest& request, const EdrGrant& grant,
                         std::string_view twin_id, Reach reach, Permitted permitted) const {
  std::optional<EdrRefusal> refusal;
  auto subject = decisionSubject(request, grant, twin_id, reach, refusal);
  if (!subject) {
    if (reach == Reach::kMemoryOnly) return false;
    permitted(std::move(refusal));
    return true;
  }
  deps_.decisions.agreementThen(
      policies::Scope::kDataAccess, grant.agreement, std::move(*subject),
      [request_id = request.request_id, partner = grant.claims.partner_bpn,
       permitted = std::move(permitted)](policies::Decision decision) {
        permitted(refusalOf(decision, request_id, partner));
      });
  return true;
}

std::optional<DecisionSubject> EdrGate::decisionSubject(const HttpRequest& request,
                                                        const EdrGrant& grant,
                                                        std::string_view twin_id, Reach reach,
                                                        std::optional<EdrRefusal>& refusal) const {
  auto claims_now = deps_.partner_claims(grant.claims.partner_bpn);
  if (!claims_now) {
    refusal = EdrRefusal{403, "forbidden", "the agreement does not allow it",
                         "partner " + grant.claims.partner_bpn + " is not in the partner registry"};
    if (reach == Reach::kStore) refuse(request, *refusal, &grant.claims, twin_id);
    return std::nullopt;
  }
  DecisionSubject subject;
  subject.claims = std::move(*claims_now);
  subject.twin_id = std::string(twin_id);
  return subject;
}

std::optional<EdrRefusal> EdrGate::refusalOf(const policies::Decision& decision,
                                             const std::string& request_id,
                                             const std::string& partner) {
  if (decision.allowed) return std::nullopt;
  logInfo("data request refused by the policy",
          {{"request_id", request_id}, {"partner", partner}, {"reason", decision.reason}});
  return EdrRefusal{
      403, "forbidden",
      decision.partner_reason.empty() ? "the agreement does not allow it" : decision.partner_reason,
      decision.reason};
}

void EdrGate::refuse(const HttpRequest& request, const EdrRefusal& refusal, const EdrClaims* claims,
                     std::string_view twin_id) const {
  store::AuditEntry entry;
  entry.time = deps_.now();
  entry.decision = store::AuditDecision::kDeny;
  entry.scope = "data_access";
  entry.twin_id = std::string(twin_id);
  entry.reason = refusal.reason;
  if (claims != nullptr) {
    entry.partner_bpn = claims->partner_bpn;
    entry.asset_id = claims->asset_id;
    entry.agreement_id = claims->agreement_id;
  }
  if (auto written = deps_.audit.append({entry}); !written) {
    logError("audit record of a refused data request not written",
             {{"request_id", request.request_id}, {"error", written.error().describe()}});
  }
  logInfo("data request refused", {{"request_id", request.request_id},
                                   {"partner", entry.partner_bpn},
                                   {"reason", refusal.reason}});
}

std::optional<std::string> EdrGate::revoked(
    const std::optional<store::TransferProcessRecord>& transfer, const EdrClaims& claims) {
  if (!transfer || transfer->role != store::ProcessRole::kProvider) {
    return "transfer " + claims.transfer_process_id + " unknown";
  }
  if (transfer->counterparty_bpn != claims.partner_bpn ||
      transfer->agreement_id != claims.agreement_id || transfer->asset_id != claims.asset_id) {
    return "token does not match transfer " + transfer->id;
  }
  if (transfer->state != dsp::transferStateName(dsp::TransferState::kStarted)) {
    return "transfer " + transfer->id + " is " + transfer->state;
  }
  return std::nullopt;
}

}  // namespace cxgw::gateway
