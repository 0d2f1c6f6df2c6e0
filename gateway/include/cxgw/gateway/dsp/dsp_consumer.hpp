#pragma once
// The Dataspace Protocol consumer: cxgw fetching data from another connector (a sub-supplier's
// cxgw, the demo, `cxgw fetch`). One blocking call runs catalog -> contract negotiation ->
// transfer process and hands back the Endpoint Data Reference (EDR) of an HttpData-PULL
// transfer; the callback routes receive what the provider sends back.
//
// fetch() in order:
//   (a) reuse: a not-retired consumer agreement for the asset with the provider (its negotiation
//       FINALIZED) and a STARTED transfer under it whose access token is still valid
//       (kEdrReuseMargin before its expiry) are returned as they are; with a valid agreement
//       but no usable transfer, (b) and (c) are skipped;
//   (b) catalog: POST catalog/request filtered by the asset id (EDC's QuerySpec on edc:id); the
//       catalog's participantId must be the expected provider; the dataset's first offer is
//       taken;
//   (c) negotiation: ContractRequestMessage with the offer (target: the asset) and our callback
//       address; the agreement arrives at the callback route, which checks that its target is
//       the asset and that its policy equals the offer's (canonical rules), stores it and moves
//       the negotiation to AGREED; fetch() then verifies (VERIFIED before the message leaves, so
//       that the provider's prompt FINALIZED always finds the state it follows) and waits for
//       FINALIZED;
//   (d) transfer: TransferRequestMessage (HttpData-PULL) and wait for STARTED with the data
//       address.
// Each wait is bounded by DspConsumerSettings::step_timeout. On a timeout or a failed message
// our process is terminated, the provider is told so (best effort), and an agreement of a
// negotiation that did not reach FINALIZED is retired.
//
// Errors are values, never exceptions: Error::key names the step ("request", "store", "catalog",
// "negotiation", "transfer"; describe() reads "negotiation: …") and the message quotes what the
// provider said (HTTP status and its error body's reasons, or its termination reasons, e.g.
// "the provider terminated it: <reason> (code policy)"). Codes: kInvalidArgument
// (bad request, or a provider answer cxgw cannot read), kUnavailable (provider unreachable,
// timeout, store down), kNotFound (the asset is not in the catalog offered to us),
// kPermissionDenied (refused: HTTP 401/403, terminated, the catalog names another participant).
//
// State lives in the ProcessStore (records of role consumer; the data address as JSON text in
// TransferProcessRecord::data_address_json), so a callback may reach any replica on the same
// database. A callback handled in this process wakes the waiting fetch() at once; otherwise
// fetch() sees the change by reading the store every 50 ms.
//
// Callback routes, under the version's DSP base path (/api/v1/dsp for v0.8, /api/v1/dsp/2025-1):
//   consumer only:  POST /negotiations/{pid}/agreement, /negotiations/{pid}/offers
//   shared with the provider role (same shape on both sides):
//                   POST /negotiations/{pid}/events, /negotiations/{pid}/termination,
//                        /transfers/{pid}/start, /completion, /termination, /suspension
// A gateway that also runs a DspProvider lets the provider own the shared routes and calls
// attachTo(provider): the provider answers for its own processes and hands every other pid to
// the consumer. A gateway without a provider registers them with addSharedRoutes().
// Every callback authenticates the partner (401 otherwise). A pid that is not a consumer process
// of ours, or whose counterparty is not the authenticated partner, is 404; a message the state
// machine refuses is 400; a repeated message that finds the process where it would lead is 200.
// An agreement whose target or policy is not what was requested is answered 400 and the
// negotiation terminated, and the provider is sent a termination right after the answer.
// Counter-offers are refused with 400 (cxgw does not counter-offer). The version's error bodies
// (ContractNegotiationError, TransferError) carry the reason. Own routes run on the worker pool.
//
// Thread-safety: fetch() may run on several threads at once, but never on a thread of the
// WorkerPool that runs the callbacks (it would wait for work queued behind itself). The routes
// are used concurrently by the server's threads. The consumer and its dependencies must outlive
// the server, the jobs queued on the worker pool and every fetch().

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dsp/dsp_messages.hpp"
#include "cxgw/gateway/dsp/dsp_provider.hpp"
#include "cxgw/gateway/http/https_client.hpp"
#include "cxgw/gateway/http/router.hpp"
#include "cxgw/gateway/http/server_sent_events.hpp"
#include "cxgw/gateway/http/worker_pool.hpp"
#include "cxgw/gateway/identity/partner_authenticator.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::gateway::dsp {

// How long before its expiry a stored access token is no longer handed out again.
inline constexpr std::chrono::seconds kEdrReuseMargin{10};

struct DspConsumerSettings {
  std::string participant_bpn;  // our BPNL
  // Public URL of our DSP base, where providers post callbacks, e.g.
  // https://consumer.example/api/v1/dsp/2025-1. The base of the other version is derived (with or
  // without the trailing "/2025-1"), so either version's base may be given.
  std::string callback_base_url;
  std::chrono::milliseconds step_timeout{30000};  // bound on waiting for one callback
};

// The DSP base URL of `version` for a cxgw DSP base URL of either version: the v0.8 base
// (…/api/v1/dsp), with "/2025-1" below it for 2025-1; trailing slashes dropped.
std::string dspVersionBase(std::string_view url, DspVersion version);

struct FetchRequest {
  std::string provider_dsp_url;  // e.g. https://supplier:8443/api/v1/dsp/2025-1
  DspVersion version = DspVersion::k2025_1;
  std::string asset_id;
  std::string provider_bpn;  // expected; must equal the catalog's participantId
};

// What an HttpData-PULL transfer hands the consumer: where to fetch and with which token.
struct EndpointDataReference {
  std::string endpoint;
  std::string access_token;   // for the Authorization header of data requests
  std::string refresh_token;  // empty when the provider gave none
  std::string refresh_endpoint;
  // When the access token expires: its JWT "exp" (read, not verified: the provider is the
  // issuer), or else the time it was received plus expiresIn; empty when neither is known.
  std::optional<std::chrono::system_clock::time_point> expires_at;
  DataAddress address;  // everything as received
};

struct FetchLatencies {
  std::chrono::microseconds catalog{0};      // zero when skipped
  std::chrono::microseconds negotiation{0};  // from the request to FINALIZED; zero when skipped
  std::chrono::microseconds transfer{0};     // from the request to STARTED; zero when reused
};

struct FetchOutcome {
  std::string agreement_id;
  std::string negotiation_pid;        // our consumerPid of the negotiation of the agreement
  std::string transfer_pid;           // our consumerPid of the transfer
  std::string transfer_provider_pid;  // the provider's pid of it (the EDR's transferProcessId)
  EndpointDataReference edr;
  bool reused_agreement = false;
  bool reused_transfer = false;
  FetchLatencies latencies;
};

class DspConsumer {
 public:
  struct Dependencies {
    const HttpsClient& client;  // outbound, presenting our certificate
    store::ProcessStore& processes;
    const PartnerAuthenticator& authenticator;  // of the providers' callbacks
    WorkerPool& workers;
    std::function<std::chrono::system_clock::time_point()> now;
    schemas::JsonLdExpander expander;
  };

  DspConsumer(DspConsumerSettings settings, Dependencies dependencies);
  ~DspConsumer();
  DspConsumer(const DspConsumer&) = delete;
  DspConsumer& operator=(const DspConsumer&) = delete;

  // Blocks until the EDR is there or a step failed (see above).
  Result<FetchOutcome> fetch(const FetchRequest& request);

  // GET <edr.endpoint><path> with the EDR's access token: the body of a 200 answer. Otherwise
  // an Error with key "data" quoting the status and the provider's error body:
  // kPermissionDenied (401, 403), kNotFound (404), kUnavailable (5xx, unreachable),
  // kInvalidArgument (anything else). For an aspect of a twin, `path` is
  // submodelPath(twin, asset) + "/$value" (dataplane/data_plane.hpp).
  Result<std::string> pull(const EndpointDataReference& edr, std::string_view path) const;

  // GET <edr.endpoint><path> as a Server-Sent Events stream (Accept: text/event-stream) with
  // the EDR's access token, resuming after `last_event_id` when not empty. Each block goes to
  // `on_event` as it arrives, keep-alive comments included, until it returns false or the
  // stream ends; `max_silence` is the longest wait for the next bytes. Refusals and failures
  // as for pull().
  Status follow(const EndpointDataReference& edr, std::string_view path,
                const std::string& last_event_id, std::chrono::milliseconds max_silence,
                const std::function<bool(const ServerSentEvent&)>& on_event) const;

  // The consumer-only callback routes of `version`.
  void addRoutes(Router& router, DspVersion version);
  // The shared callback routes of `version`, for a gateway without a DspProvider. (With one,
  // registering them again would assert; use attachTo().)
  void addSharedRoutes(Router& router, DspVersion version);
  // Lets `provider` hand shared-route messages for pids that are not its own to this consumer.
  // Call before the server starts.
  void attachTo(DspProvider& provider);

  // A message on a shared route from an authenticated partner; nothing when the pid is not a
  // consumer process of ours (or the route is not a shared one). Blocks on the store: call it
  // on a worker thread.
  std::optional<HttpResponse> handleSharedCallback(DspVersion version, const HttpRequest& request,
                                                   const AuthenticatedPartner& partner);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxgw::gateway::dsp
