#pragma once
// The data plane: where a partner fetches the aspect payloads of an HttpData-PULL transfer with
// the Endpoint Data Reference (EDR) the DSP provider gave it, and refreshes the EDR's tokens.
//
//   GET  /api/public/shells/{base64url twin id}/submodels/{asset id}/submodel
//   GET  /api/public/shells/{base64url twin id}/submodels/{asset id}/submodel/$value
//        the twin's aspect payload, byte for byte as the store holds it (both forms)
//   POST /api/public/token
//        OAuth 2 refresh_token grant (Tractus-X refresh token grant profile), form-encoded
//
// The EDR's endpoint is /api/public (kDataPlanePath); submodelPath() gives the rest, and is what
// a twin's submodel descriptor points at.
//
// Every data request goes through the EdrGate (edr_gate.hpp: token, asset, revocation,
// agreement) and is refused with no payload at the first failure. Between the gate's admission
// and its policy check the data plane answers 404, the same as for an unknown twin, when
//   - the twin does not exist, is withdrawn, or is not visible to the token's partner
//     (dtr::TwinVisibility): a twin the partner may not see does not exist for it
//   - the aspect is not on offer, or the twin has no such aspect, or it is withdrawn
// Payloads come through the PayloadCache (payload_cache.hpp), the twin through the
// TwinRecordCache. Every served or refused request leaves one record in the audit trail (scope
// data_access): the policy decision, or a deny record naming the failed check; the answer is
// sent only once that record is stored.
//
// Token refresh: the partner authenticates as for DSP (PartnerAuthenticator; 401 otherwise) and
// presents the refresh token in the form (grant_type=refresh_token&refresh_token=…). The token
// must verify as a refresh token, belong to that partner, and be the latest one of a transfer
// that is still STARTED. A refresh token is single-use: its id is refreshTokenId(transfer) at
// the version the transfer record had when it was issued, and a refresh moves the record to its
// next version (compare-and-swap in the ProcessStore), so of two concurrent refreshes with one
// token exactly one succeeds, on any replica. Access tokens issued before stay valid until they
// expire. Answers are RFC 6749: 200 {"access_token","token_type":"bearer","refresh_token",
// "refresh_endpoint","expires_in"} or 400 {"error":"invalid_request"|"unsupported_grant_type"|
// "invalid_grant","error_description"}.
//
// A payload request is first tried on the server's I/O thread with what memory holds (the
// caches' Reach::kMemoryOnly): when memory has the transfer, agreement, twin and payload and
// the request is not refused before its policy decision, the I/O thread decides it and the
// audit trail's thread answers once the record is stored. Anything else (something to read from
// the store, a refusal to audit), and every token refresh, runs on the worker pool, where store
// calls may block; a full pool answers 503.
// Thread-safety: after addRoutes(), used concurrently by the server's threads; the data plane
// and its dependencies must outlive the server.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/gateway/dataplane/edr_gate.hpp"
#include "cxgw/gateway/dataplane/edr_token.hpp"
#include "cxgw/gateway/dataplane/payload_cache.hpp"
#include "cxgw/gateway/dtr/twin_visibility.hpp"
#include "cxgw/gateway/http/router.hpp"
#include "cxgw/gateway/http/worker_pool.hpp"
#include "cxgw/gateway/identity/partner_authenticator.hpp"
#include "cxgw/schemas/aspect_urn.hpp"
#include "cxgw/store/process_store.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::gateway {

inline constexpr std::string_view kDataPlanePath = "/api/public";
inline constexpr std::string_view kTokenRefreshPath = "/api/public/token";
// How long a refresh token is valid.
inline constexpr std::chrono::hours kEdrRefreshLifetime{24};

// "/shells/<base64url(global_asset_id)>/submodels/<asset_id>/submodel", relative to the EDR
// endpoint (kDataPlanePath); append "/$value" for the value-only form.
std::string submodelPath(std::string_view global_asset_id, std::string_view asset_id);

// The id ("jti") of the refresh token issued for `transfer` at its current version.
std::string refreshTokenId(const store::TransferProcessRecord& transfer);

struct EdrTokens {
  std::string access_token;
  std::string refresh_token;
};

// The tokens of a STARTED provider transfer: an access token valid for `access_lifetime` and a
// refresh token (id refreshTokenId(transfer)) valid for kEdrRefreshLifetime, both for the
// transfer's partner, agreement and asset.
EdrTokens issueEdrTokens(const EdrTokenIssuer& issuer, const store::TransferProcessRecord& transfer,
                         std::chrono::system_clock::time_point now,
                         std::chrono::seconds access_lifetime);

struct DataPlaneSettings {
  std::string public_url;  // how partners reach this gateway; the refresh answer names it
  std::chrono::seconds access_lifetime{300};
};

class DataPlane {
 public:
  struct Dependencies {
    const PartnerAuthenticator& authenticator;  // of token refresh requests
    const EdrGate& gate;
    store::StateStore& state;  // the twins, kept in a TwinRecordCache
    PayloadCache& payloads;    // the aspects, through the cache
    const dtr::TwinVisibility& visibility;
    WorkerPool& workers;
  };

  // `aspects`: the aspect models on offer; a path's asset id must name one of them.
  DataPlane(DataPlaneSettings settings, const std::vector<schemas::AspectUrn>& aspects,
            Dependencies dependencies);
  ~DataPlane();
  DataPlane(const DataPlane&) = delete;
  DataPlane& operator=(const DataPlane&) = delete;

  void addRoutes(Router& router);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxgw::gateway
