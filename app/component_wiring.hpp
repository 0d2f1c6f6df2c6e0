#pragma once
// Builds the components a subcommand needs from the gateway configuration. app/ is the only
// place that wires components together (ARCHITECTURE.md).

#include <memory>
#include <vector>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/core/config.hpp"
#include "cxgw/schemas/schema_registry.hpp"
#include "cxgw/store/audit_trail.hpp"
#include "cxgw/store/process_store.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::app {

// The store the configuration names (memory, or PostgreSQL with migrations applied).
Result<std::unique_ptr<store::StateStore>> openConfiguredStore(const GatewayConfig& config);

// The DSP process store the configuration names (memory, or PostgreSQL with migrations).
Result<std::unique_ptr<store::ProcessStore>> openConfiguredProcessStore(
    const GatewayConfig& config);

// The audit trail: in the store database with backend postgres, in memory otherwise.
Result<std::unique_ptr<store::AuditTrail>> openConfiguredAuditTrail(const GatewayConfig& config);

// Built-in aspect schemas plus schemas.directories.
Result<schemas::SchemaRegistry> loadConfiguredSchemas(const GatewayConfig& config);

// What mappings may read with {config: …}.
adapters::MappingContext mappingContext(const GatewayConfig& config);

// Every file of sync.mappings, parsed; the first error names its file and line.
Result<std::vector<adapters::Mapping>> loadConfiguredMappings(const GatewayConfig& config);

// Loads the config file with the process environment, or prints the error and returns null.
std::shared_ptr<const GatewayConfig> loadConfigOrReport(const std::filesystem::path& file);

}  // namespace cxgw::app
