#pragma once
// `cxgw mapping check`: a mapping against the live ERP schema and the schema registry, without
// writing anything. Each query is described (not run) and compared with what the mapping uses.
//
// Findings: a column the mapping uses that its query does not return (key, watermark, withdraw
// condition, any expression), a transform whose input type cannot work (e.g. a date transform
// on a boolean column), an aspect URN the registry does not know, and a property the aspect
// requires that nothing in the payload maps.

#include <string>
#include <vector>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/adapters/source_connector.hpp"
#include "cxgw/schemas/schema_registry.hpp"

namespace cxgw::adapters {

struct MappingFinding {
  std::string stream;  // "twin:serial" or the aspect name
  std::string key;     // the mapping key path, e.g. aspects[0].payload.localIdentifiers
  int line = 0;
  std::string message;
};

struct MappingCheckReport {
  std::vector<std::pair<std::string, std::vector<QueryColumn>>> columns;  // per stream
  std::vector<MappingFinding> findings;
};

// Fails only when a query cannot be described at all (syntax error, unknown table, no
// connection); everything else is a finding.
Result<MappingCheckReport> checkMapping(const Mapping& mapping, SourceConnector& source,
                                        const schemas::SchemaRegistry& schemas);

}  // namespace cxgw::adapters
