#include <iostream>

#include "commands.hpp"
#include "component_wiring.hpp"
#include "cxgw/adapters/sync_scheduler.hpp"
#include "cxgw/core/config.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/core/version.hpp"
#include "cxgw/gateway/admin/health_routes.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "cxgw/store/store_health_monitor.hpp"
#include "dsp_service.hpp"
#include "policy_library_watcher.hpp"

namespace cxgw::app {

int runServe(const std::filesystem::path& config_file) {
  auto loaded = loadGatewayConfig(config_file, processEnvironment());
  if (!loaded) {
    std::cerr << "cxgw: config error: " << loaded.error().describe() << "\n";
    return 2;
  }
  const GatewayConfig& config = *loaded.value().config;
  configureLogging(config.logging.level);
  logInfo("starting", {{"version", versionString()}, {"config", config_file.string()}});

  MetricsRegistry metrics;
  metrics.gaugeFamily("cxgw_build_info", "Build information; always 1", {"version"})
      .withLabels({versionString()})
      .set(1);
  auto server = gateway::HttpsServer::create(config.server, metrics);
  if (!server) {
    logError("cannot start server", {{"error", server.error().describe()}});
    std::cerr << "cxgw: " << server.error().describe() << "\n";
    return 1;
  }

  auto mappings = loadConfiguredMappings(config);
  if (!mappings) {
    std::cerr << "cxgw: mapping error: " << mappings.error().describe() << "\n";
    return 2;
  }
  std::vector<schemas::AspectUrn> aspects;  // the aspect models offered over DSP
  for (const auto& mapping : mappings.value()) {
    for (const auto& aspect : mapping.aspects) aspects.push_back(aspect.urn);
  }
  auto schemas = loadConfiguredSchemas(config);
  if (!schemas) {
    std::cerr << "cxgw: schema error: " << schemas.error().describe() << "\n";
    return 2;
  }
  std::unique_ptr<PolicyLibraryWatcher> policy_library;
  if (!config.policies.directory.empty()) {
    auto watcher =
        PolicyLibraryWatcher::start(config.policies.directory, metrics, std::chrono::seconds(2));
    if (!watcher) {
      std::cerr << "cxgw: policy library error: " << watcher.error().describe() << "\n";
      return 2;
    }
    policy_library = std::move(watcher).value();
  }
  auto store = openConfiguredStore(config, kServeRememberedTwins);
  if (!store) {
    logError("cannot open the store", {{"error", store.error().describe()}});
    std::cerr << "cxgw: store: " << store.error().describe() << "\n";
    return 1;
  }
  store::StoreHealthMonitor store_health(
      *store.value(), config.store.backend == StoreBackend::kPostgres ? "postgres" : "memory",
      metrics);
  std::vector<ReadinessCheck> readiness = gateway::httpsServerReadiness(*server.value());
  readiness.push_back(store_health.readinessCheck());
  readiness.push_back(policy_library ? policy_library->readinessCheck() : [] {
    return DependencyStatus{
        "policies", true, "no policy library configured (policies.directory): nothing is offered"};
  });
  std::vector<std::unique_ptr<adapters::SyncScheduler>> schedulers;
  for (adapters::Mapping& mapping : mappings.value()) {
    schedulers.push_back(std::make_unique<adapters::SyncScheduler>(
        std::move(mapping), *store.value(), schemas.value(), config.supplier.bpnl,
        processEnvironment(), metrics));
    readiness.push_back(schedulers.back()->readinessCheck());
  }

  std::unique_ptr<DspService> dsp;
  if (!config.dsp.public_url.empty()) {
    auto created = DspService::create(
        config,
        [watcher = policy_library.get()]() -> std::shared_ptr<const policies::PolicyLibrary> {
          return watcher ? watcher->current() : nullptr;
        },
        aspects, store.value().get());
    if (!created) {
      logError("cannot start the Dataspace Protocol endpoints",
               {{"error", created.error().describe()}});
      std::cerr << "cxgw: dsp: " << created.error().describe() << "\n";
      return created.error().code == ErrorCode::kUnavailable ? 1 : 2;
    }
    dsp = std::move(created).value();
  }

  auto router = std::make_shared<gateway::Router>();
  gateway::addHealthRoutes(*router, std::move(readiness), metrics);
  if (dsp) dsp->addRoutes(*router);
  server.value()->start(router, /*handle_signals=*/true);
  for (auto& scheduler : schedulers) scheduler->start();
  server.value()->wait();
  for (auto& scheduler : schedulers) scheduler->stop();
  logInfo("stopped", {});
  return 0;
}

}  // namespace cxgw::app
