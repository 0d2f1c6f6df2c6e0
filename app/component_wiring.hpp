#pragma once
// Builds the components a subcommand needs from the gateway configuration. app/ is the only
// place that wires components together (ARCHITECTURE.md).

#include <cstddef>
#include <memory>
#include <vector>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/core/config.hpp"
#include "cxgw/schemas/schema_registry.hpp"
#include "cxgw/store/audit_trail.hpp"
#include "cxgw/store/process_store.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::app {

// How many stored twins a PostgreSQL store remembers so as not to look them up again while
// syncing (16 bytes each, at most twice that while its table grows): many for `cxgw sync`, a
// batch job whose memory is returned when it ends; few for `cxgw serve`, which runs for months
// and mostly syncs a few changed rows at a time.
inline constexpr size_t kSyncRememberedTwins = 2'000'000;
inline constexpr size_t kServeRememberedTwins = 100'000;

// The store the configuration names (memory, or PostgreSQL with migrations applied).
Result<std::unique_ptr<store::StateStore>> openConfiguredStore(const GatewayConfig& config,
                                                               size_t remembered_twins);

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
