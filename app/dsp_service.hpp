#pragma once
// The Dataspace Protocol side of cxgw, wired from the configuration (dsp.*): partner registry
// and mutual-TLS authenticator, policy decision point over the live policy library, process
// store, EDR token issuer, outbound HTTPS client and callback dispatcher, the provider, the
// consumer, and the data plane, twin registry and change feed behind the EDRs the provider hands
// out. `cxgw serve` adds all their routes; `cxgw fetch` uses the consumer. Built once at start; the
// routes it adds use it until the server stops, so it must outlive the server.

#include <functional>
#include <memory>
#include <vector>

#include "cxgw/core/config.hpp"
#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dsp/dsp_consumer.hpp"
#include "cxgw/gateway/http/router.hpp"
#include "cxgw/policies/policy_library.hpp"
#include "cxgw/schemas/aspect_urn.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::app {

class DspService {
 public:
  using LibrarySource = std::function<std::shared_ptr<const policies::PolicyLibrary>()>;

  // Fails naming the config key or file that cannot be used. `twins`, the store the data plane
  // and the registry serve from, must outlive the service; without it there are neither
  // (cxgw fetch).
  static Result<std::unique_ptr<DspService>> create(const GatewayConfig& config,
                                                    LibrarySource library,
                                                    const std::vector<schemas::AspectUrn>& aspects,
                                                    store::StateStore* twins);
  ~DspService();

  // The provider's routes and the consumer's callback routes, both versions, the data plane's,
  // the registry's and the change feed's.
  void addRoutes(gateway::Router& router);
  gateway::dsp::DspConsumer& consumer();

  struct Parts;

 private:
  explicit DspService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace cxgw::app
