#include "dsp_service.hpp"

#include "component_wiring.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/gateway/dataplane/change_feed.hpp"
#include "cxgw/gateway/dataplane/data_plane.hpp"
#include "cxgw/gateway/dataplane/edr_token.hpp"
#include "cxgw/gateway/dsp/dsp_provider.hpp"
#include "cxgw/gateway/dsp/https_dsp_transport.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "cxgw/gateway/dtr/twin_registry.hpp"
#include "cxgw/gateway/http/https_client.hpp"
#include "cxgw/gateway/identity/mtls_partner_authenticator.hpp"
#include "partner_claims_yaml.hpp"

namespace cxgw::app {

struct DspService::Parts {
  std::unique_ptr<gateway::PartnerAuthenticator> authenticator;
  std::unique_ptr<store::AuditTrail> audit;
  std::unique_ptr<gateway::PolicyDecisionPoint> decisions;
  std::unique_ptr<store::ProcessStore> processes;
  std::unique_ptr<gateway::EdrTokenIssuer> tokens;
  std::unique_ptr<gateway::HttpsClient> client;
  std::unique_ptr<gateway::dsp::HttpsDspTransport> transport;
  std::unique_ptr<gateway::dsp::DspCallbackDispatcher> callbacks;
  std::unique_ptr<gateway::WorkerPool> workers;
  gateway::dsp::DspProvider::Assets assets;
  std::unique_ptr<gateway::dsp::DspProvider> provider;
  std::unique_ptr<gateway::dsp::DspConsumer> consumer;
  // Null without a store to serve from (cxgw fetch):
  std::unique_ptr<gateway::dtr::TwinVisibility> visibility;
  std::unique_ptr<gateway::EdrGate> gate;
  std::unique_ptr<gateway::PayloadCache> payloads;
  std::unique_ptr<gateway::DataPlane> data_plane;
  std::unique_ptr<gateway::dtr::TwinRegistry> registry;
  std::unique_ptr<gateway::ChangeFeed> change_feed;
};

namespace {

Error atKey(Error error, const char* key) {
  if (error.key.empty()) error.key = key;
  return error;
}

}  // namespace

Result<std::unique_ptr<DspService>> DspService::create(
    const GatewayConfig& config, LibrarySource library,
    const std::vector<schemas::AspectUrn>& aspects, store::StateStore* twins) {
  auto parts = std::make_unique<Parts>();
  auto registry = readPartnerRegistry(config.dsp.partner_registry);
  if (!registry) return atKey(registry.error(), "dsp.partner_registry");
  parts->authenticator = std::make_unique<gateway::MtlsPartnerAuthenticator>(registry.value());
  std::shared_ptr<const gateway::PartnerRegistry> partners = registry.value();

  auto audit = openConfiguredAuditTrail(config);
  if (!audit) return audit.error();
  parts->audit = std::move(audit).value();
  const auto now = [] { return std::chrono::system_clock::now(); };
  parts->decisions =
      std::make_unique<gateway::PolicyDecisionPoint>(std::move(library), *parts->audit, now);

  auto processes = openConfiguredProcessStore(config);
  if (!processes) return processes.error();
  parts->processes = std::move(processes).value();

  Result<gateway::EdrSigningKey> key =
      config.dsp.token_signing_key.empty()
          ? gateway::EdrSigningKey::generate()
          : gateway::EdrSigningKey::loadPem(config.dsp.token_signing_key);
  if (!key) return atKey(key.error(), "dsp.token_signing_key");
  if (config.dsp.token_signing_key.empty()) {
    logWarn(
        "no dsp.token_signing_key: EDR tokens are signed with a key generated at start, "
        "which other replicas and the next start do not know",
        {});
  }
  parts->tokens = std::make_unique<gateway::EdrTokenIssuer>(key.value(), config.supplier.bpnl);

  gateway::HttpsClientSettings client;
  client.ca_file = config.dsp.partner_ca_file.empty() ? config.server.tls.client_ca_file
                                                      : config.dsp.partner_ca_file;
  client.certificate_chain_file = config.server.tls.certificate_chain_file;
  client.private_key_file = config.server.tls.private_key_file;
  client.private_key_password = config.server.tls.private_key_password;
  auto created = gateway::HttpsClient::create(client);
  if (!created) return atKey(created.error(), "dsp.partner_ca");
  parts->client = std::move(created).value();
  parts->transport = std::make_unique<gateway::dsp::HttpsDspTransport>(*parts->client);
  gateway::dsp::CallbackRetryPolicy retry;
  retry.max_attempts = static_cast<int>(config.dsp.callback_attempts);
  parts->callbacks =
      std::make_unique<gateway::dsp::DspCallbackDispatcher>(*parts->transport, retry);
  parts->workers = std::make_unique<gateway::WorkerPool>(8, 4096);
  parts->assets = std::make_shared<const std::vector<policies::AssetDescription>>(
      gateway::dsp::offeredAssets(aspects));

  gateway::dsp::DspProviderSettings settings;
  settings.participant_bpn = config.supplier.bpnl;
  settings.public_url = config.dsp.public_url;
  settings.edr_lifetime = std::chrono::duration_cast<std::chrono::seconds>(config.dsp.edr_lifetime);
  Parts& p = *parts;
  parts->provider = std::make_unique<gateway::dsp::DspProvider>(
      settings, gateway::dsp::DspProvider::Dependencies{
                    *p.authenticator, *p.decisions, [&p] { return p.assets; }, *p.processes,
                    *p.callbacks, *p.tokens, *p.workers, now, schemas::JsonLdExpander()});
  gateway::dsp::DspConsumerSettings consumer;
  consumer.participant_bpn = config.supplier.bpnl;
  consumer.callback_base_url = config.dsp.public_url;
  while (!consumer.callback_base_url.empty() && consumer.callback_base_url.back() == '/') {
    consumer.callback_base_url.pop_back();
  }
  consumer.callback_base_url += std::string(gateway::dsp::kDspBasePath) + "/2025-1";
  parts->consumer = std::make_unique<gateway::dsp::DspConsumer>(
      consumer,
      gateway::dsp::DspConsumer::Dependencies{*p.client, *p.processes, *p.authenticator, *p.workers,
                                              now, schemas::JsonLdExpander()});
  parts->consumer->attachTo(*parts->provider);
  if (twins != nullptr) {
    parts->visibility =
        std::make_unique<gateway::dtr::TwinVisibility>(config.dtr.public_readable_id_types);
    parts->gate = std::make_unique<gateway::EdrGate>(gateway::EdrGate::Dependencies{
        [partners](std::string_view bpn) -> std::optional<policies::PartnerClaims> {
          const policies::PartnerClaims* claims = partners->find(bpn);
          if (claims == nullptr) return std::nullopt;
          return *claims;
        },
        *p.tokens, *p.processes, *p.decisions, *p.audit, now});
    gateway::PayloadCacheSettings cache;
    cache.max_bytes = config.dsp.payload_cache_bytes;
    parts->payloads = std::make_unique<gateway::PayloadCache>(*twins, cache);
    gateway::DataPlaneSettings data;
    data.public_url = config.dsp.public_url;
    data.access_lifetime = settings.edr_lifetime;
    parts->data_plane = std::make_unique<gateway::DataPlane>(
        data, aspects,
        gateway::DataPlane::Dependencies{*p.authenticator, *p.gate, *twins, *p.payloads,
                                         *p.visibility, *p.workers});
    parts->registry = std::make_unique<gateway::dtr::TwinRegistry>(
        gateway::dtr::TwinRegistrySettings{config.dsp.public_url}, aspects,
        gateway::dtr::TwinRegistry::Dependencies{*p.gate, *twins, *p.visibility, *p.workers});
    gateway::ChangeFeedSettings feed;
    feed.public_url = config.dsp.public_url;
    parts->change_feed = std::make_unique<gateway::ChangeFeed>(
        feed, aspects,
        gateway::ChangeFeed::Dependencies{*p.gate, *twins, *p.visibility, *p.workers});
  }
  return std::unique_ptr<DspService>(new DspService(std::move(parts)));
}

DspService::DspService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

DspService::~DspService() {
  // Stop the threads that use the other parts first: the change feed's, which post to the
  // workers, then the workers.
  if (parts_) {
    parts_->change_feed.reset();
    parts_->workers.reset();
    parts_->callbacks.reset();
  }
}

void DspService::addRoutes(gateway::Router& router) {
  parts_->provider->addRoutes(router);
  for (auto version : {gateway::dsp::DspVersion::kV08, gateway::dsp::DspVersion::k2025_1}) {
    parts_->consumer->addRoutes(router, version);
  }
  if (parts_->data_plane) parts_->data_plane->addRoutes(router);
  if (parts_->registry) parts_->registry->addRoutes(router);
  if (parts_->change_feed) parts_->change_feed->addRoutes(router);
}

gateway::dsp::DspConsumer& DspService::consumer() {
  return *parts_->consumer;
}

}  // namespace cxgw::app
