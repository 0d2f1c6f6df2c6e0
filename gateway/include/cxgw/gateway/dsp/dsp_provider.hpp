#pragma once
// The Dataspace Protocol provider: catalog, contract negotiation and transfer process, served in
// two wire versions side by side:
//
//   /api/v1/dsp/…          DSP v0.8   (Catena-X "Jupiter": prefixed terms)
//   /api/v1/dsp/2025-1/…   DSP 2025-1 (Catena-X "Saturn": plain terms under the context)
//   /.well-known/dspace-version and /api/v1/dsp/.well-known/dspace-version (unauthenticated)
//
// Every other route authenticates the partner first (PartnerAuthenticator; 401 without detail
// and without data otherwise). A process id that does not exist or belongs to another partner
// is 404, the same answer for both, so nothing leaks. An invalid transition is 400 with the
// version's error message. State lives in the ProcessStore, so any replica on the same database
// continues any process.
//
// The provider's own transitions are event-driven: the policy decides while the request is
// handled, and the agreement (or the termination) leaves through the callback dispatcher right
// after the 201 answer; a verification is answered by FINALIZED at once; an allowed transfer
// request by a TransferStartMessage carrying the EDR. A callback that cannot be delivered
// terminates its process with the reason.
//
// Handlers run on the worker pool (store and policy calls block); a full pool answers 503.
//
// Thread-safety: after addRoutes(), the provider is used concurrently by the server's threads;
// it and its dependencies must outlive the server.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/gateway/dataplane/edr_token.hpp"
#include "cxgw/gateway/dsp/dsp_callback_dispatcher.hpp"
#include "cxgw/gateway/dsp/dsp_codec.hpp"
#include "cxgw/gateway/http/router.hpp"
#include "cxgw/gateway/http/worker_pool.hpp"
#include "cxgw/gateway/identity/partner_authenticator.hpp"
#include "cxgw/gateway/policy/policy_decision_point.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::gateway::dsp {

inline constexpr std::string_view kDspBasePath = "/api/v1/dsp";
inline constexpr std::string_view kHttpDataPull = "HttpData-PULL";

struct DspProviderSettings {
  std::string participant_bpn;  // the supplier's BPNL: assigner of offers and agreements
  std::string public_url;       // how partners reach this gateway, e.g. https://cx.supplier.example
  std::chrono::seconds edr_lifetime{300};
  size_t max_catalog_page = 1000;  // datasets per catalog answer when the request sets no limit
};

class DspProvider {
 public:
  using Assets = std::shared_ptr<const std::vector<policies::AssetDescription>>;
  struct Dependencies {
    const PartnerAuthenticator& authenticator;
    PolicyDecisionPoint& decisions;
    std::function<Assets()> assets;  // the assets on offer (the twin registry and the aspects)
    store::ProcessStore& processes;
    DspCallbackDispatcher& callbacks;
    const EdrTokenIssuer& tokens;
    WorkerPool& workers;
    std::function<std::chrono::system_clock::time_point()> now;
    schemas::JsonLdExpander expander;
  };

  DspProvider(DspProviderSettings settings, Dependencies dependencies);
  ~DspProvider();

  void addRoutes(Router& router);

  // Answers a message on a route the consumer role shares (negotiation events and termination,
  // transfer start, completion, termination, suspension) whose pid is no provider process of
  // ours; nothing when it is not the consumer's either (the provider then answers 404). Runs on
  // the worker pool, after authentication. See DspConsumer::attachTo().
  using ConsumerFallback = std::function<std::optional<HttpResponse>(DspVersion, const HttpRequest&,
                                                                     const AuthenticatedPartner&)>;
  // Call before the server starts; the routes read it unsynchronised.
  void setConsumerFallback(ConsumerFallback fallback);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The offer id of a contract definition's offer for an asset, and back.
std::string offerIdFor(std::string_view contract_definition_id, std::string_view asset_id);
struct OfferReference {
  std::string contract_definition_id;
  std::string asset_id;
};
std::optional<OfferReference> parseOfferId(std::string_view offer_id);

}  // namespace cxgw::gateway::dsp
