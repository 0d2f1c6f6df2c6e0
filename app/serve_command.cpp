#include <iostream>

#include "commands.hpp"
#include "cxgw/core/config.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/core/version.hpp"
#include "cxgw/gateway/admin/health_routes.hpp"
#include "cxgw/gateway/http/https_server.hpp"

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

  auto router = std::make_shared<gateway::Router>();
  gateway::addHealthRoutes(*router, gateway::httpsServerReadiness(*server.value()), metrics);
  server.value()->start(router, /*handle_signals=*/true);
  server.value()->wait();
  logInfo("stopped", {});
  return 0;
}

}  // namespace cxgw::app
