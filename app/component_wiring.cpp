#include "component_wiring.hpp"

#include <iostream>

#include "cxgw/store/postgres_audit_trail.hpp"
#include "cxgw/store/postgres_process_store.hpp"
#include "cxgw/store/postgres_state_store.hpp"

namespace cxgw::app {

namespace {

// The error of opening the store database, attributed to the key that names it.
Error storeError(Error error) {
  error.key = "store.postgres_connection";
  return error;
}

}  // namespace

Result<std::unique_ptr<store::StateStore>> openConfiguredStore(const GatewayConfig& config,
                                                               size_t remembered_twins) {
  if (config.store.backend == StoreBackend::kMemory) return store::createMemoryStateStore();
  store::PostgresStateStoreOptions options;
  options.connection_string = config.store.postgres_connection;
  options.remembered_twins = remembered_twins;
  auto opened = store::openPostgresStateStore(std::move(options));
  if (!opened) return storeError(opened.error());
  return std::move(opened).value();
}

Result<std::unique_ptr<store::ProcessStore>> openConfiguredProcessStore(
    const GatewayConfig& config) {
  if (config.store.backend == StoreBackend::kMemory) return store::createMemoryProcessStore();
  store::PostgresProcessStoreOptions options;
  options.connection_string = config.store.postgres_connection;
  options.connections = 4;  // the data plane's workers read transfers and agreements side by side
  auto opened = store::openPostgresProcessStore(options);
  if (!opened) return storeError(opened.error());
  return std::move(opened).value();
}

Result<std::unique_ptr<store::AuditTrail>> openConfiguredAuditTrail(const GatewayConfig& config) {
  if (config.store.backend == StoreBackend::kMemory) return store::createMemoryAuditTrail();
  auto opened = store::openPostgresAuditTrail({config.store.postgres_connection});
  if (!opened) return storeError(opened.error());
  return std::move(opened).value();
}

Result<schemas::SchemaRegistry> loadConfiguredSchemas(const GatewayConfig& config) {
  return schemas::SchemaRegistry::load(config.schemas.directories);
}

adapters::MappingContext mappingContext(const GatewayConfig& config) {
  return adapters::MappingContext{{{"supplier.bpnl", config.supplier.bpnl}}};
}

Result<std::vector<adapters::Mapping>> loadConfiguredMappings(const GatewayConfig& config) {
  std::vector<adapters::Mapping> mappings;
  for (const auto& file : config.sync.mappings) {
    auto mapping = adapters::loadMapping(file, mappingContext(config));
    if (!mapping) return mapping.error();
    mappings.push_back(std::move(mapping).value());
  }
  return mappings;
}

std::shared_ptr<const GatewayConfig> loadConfigOrReport(const std::filesystem::path& file) {
  auto loaded = loadGatewayConfig(file, processEnvironment());
  if (!loaded) {
    std::cerr << "cxgw: config error: " << loaded.error().describe() << "\n";
    return nullptr;
  }
  return loaded.value().config;
}

}  // namespace cxgw::app
