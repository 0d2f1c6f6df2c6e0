#pragma once
// The digital twin registry: the AAS Part 2 Registry API v3 (read-only) and the discovery
// lookups, as Catena-X consumers call them through the connector, over the twins in the store.
//
//   GET  /api/v3/shell-descriptors?limit=&cursor=&createdAfter=
//   GET  /api/v3/shell-descriptors/{base64url aas id}
//   GET  /api/v3/shell-descriptors/{base64url aas id}/submodel-descriptors?limit=&cursor=
//   GET  /api/v3/shell-descriptors/{base64url aas id}/submodel-descriptors/{base64url sm id}
//   GET  /api/v3/lookup/shells?assetIds={base64url {"name":…,"value":…}}&…&limit=&cursor=
//   POST /api/v3/lookup/shellsByAssetLink?limit=&cursor=   body [{"name":…,"value":…}, …]
//   GET  /api/v3/description
//
// The registry is the DSP asset "digital-twin-registry"; its EDR endpoint is {public}/api/v3. A
// request carries the access token of a transfer of that asset and goes through the EdrGate
// (token, revocation, agreement, policy), so every request leaves an audit record.
//
// A shell descriptor follows the Catena-X Industry Core: id and globalAssetId are the twin's
// global asset id; specificAssetIds as TwinVisibility shows them to the caller, each with the
// caller's BPN (or PUBLIC_READABLE) as externalSubjectId; one submodel descriptor per aspect of
// the twin that is on offer, with the aspect URN as semanticId and one SUBMODEL-3.0 endpoint
// whose href is the data plane's submodel path and whose subprotocolBody is
// "id=<aspect asset id>;dspEndpoint=<public>/api/v1/dsp". A submodel descriptor's id is a
// name-based UUID of twin and aspect, stable across restarts and replicas.
//
// Paging: results come in global asset id order; `limit` (1..1000, default 100) and the opaque
// `cursor` of the previous page's paging_metadata. Reading all pages returns every visible twin
// once. Lookups answer {"paging_metadata":{…},"result":[aas ids]}.
//
// Errors use the AAS Result format {"messages":[{"messageType":"Error","code":…,"text":…,
// "timestamp":…,"correlationId":<request id>}]}: 400 naming the bad parameter (an id that is not
// base64url, a bad cursor, limit or createdAfter, a body that is no list of name/value pairs),
// 401/403 from the gate, 404 for a twin or submodel the caller may not see, exactly as for one
// that does not exist, and 503 when the store cannot answer.
//
// Ids are base64url-encoded as RFC 4648 section 5 specifies; trailing '=' padding, which many
// Java clients send, is accepted. Handlers run on the worker pool.
// Thread-safety: after addRoutes(), used concurrently by the server's threads; the registry and
// its dependencies must outlive the server.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/gateway/dataplane/edr_gate.hpp"
#include "cxgw/gateway/dtr/twin_visibility.hpp"
#include "cxgw/gateway/http/router.hpp"
#include "cxgw/gateway/http/worker_pool.hpp"
#include "cxgw/schemas/aspect_urn.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::gateway::dtr {

inline constexpr std::string_view kTwinRegistryPath = "/api/v3";

struct TwinRegistrySettings {
  std::string public_url;  // how partners reach this gateway, e.g. https://cx.supplier.example
};

class TwinRegistry {
 public:
  struct Dependencies {
    const EdrGate& gate;
    store::StateStore& state;
    const TwinVisibility& visibility;
    WorkerPool& workers;
  };

  // `aspects`: the aspect models on offer; a twin's other aspects get no submodel descriptor.
  TwinRegistry(TwinRegistrySettings settings, const std::vector<schemas::AspectUrn>& aspects,
               Dependencies dependencies);
  ~TwinRegistry();
  TwinRegistry(const TwinRegistry&) = delete;
  TwinRegistry& operator=(const TwinRegistry&) = delete;

  void addRoutes(Router& router);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The id of the submodel descriptor of `aspect_urn` on twin `global_asset_id`.
std::string submodelDescriptorId(std::string_view global_asset_id, std::string_view aspect_urn);

}  // namespace cxgw::gateway::dtr
