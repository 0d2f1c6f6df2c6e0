#include <iostream>

#include "commands.hpp"
#include "component_wiring.hpp"
#include "cxgw/adapters/mapping_checker.hpp"

namespace cxgw::app {

int runMappingCheck(const std::filesystem::path& mapping_file,
                    const std::filesystem::path& config_file) {
  const auto config = loadConfigOrReport(config_file);
  if (!config) return 2;
  auto mapping = adapters::loadMapping(mapping_file, mappingContext(*config));
  if (!mapping) {
    std::cerr << "cxgw: mapping error: " << mapping.error().describe() << "\n";
    return 2;
  }
  auto schemas = loadConfiguredSchemas(*config);
  if (!schemas) {
    std::cerr << "cxgw: schema error: " << schemas.error().describe() << "\n";
    return 2;
  }
  auto source = adapters::connectPostgresSource(mapping.value().source, processEnvironment());
  if (!source) {
    std::cerr << "cxgw: " << source.error().describe() << "\n";
    return 1;
  }
  auto report = adapters::checkMapping(mapping.value(), *source.value(), schemas.value());
  if (!report) {
    std::cerr << "cxgw: mapping check: " << report.error().describe() << "\n";
    return 2;
  }
  std::cout << "mapping " << mapping_file.string() << " against source "
            << mapping.value().source.name << "\n";
  for (const auto& [stream, columns] : report.value().columns) {
    std::cout << "  " << stream << ": " << columns.size() << " columns (";
    for (size_t i = 0; i < columns.size(); ++i) {
      std::cout << (i ? ", " : "") << columns[i].name << " " << columns[i].type_name;
    }
    std::cout << ")\n";
  }
  const auto& findings = report.value().findings;
  for (const auto& finding : findings) {
    std::cout << mapping_file.string() << ":" << finding.line << ": " << finding.key << ": "
              << finding.message << "\n";
  }
  std::cout << (findings.empty() ? "mapping OK\n"
                                 : std::to_string(findings.size()) + " problem(s)\n");
  return findings.empty() ? 0 : 2;
}

}  // namespace cxgw::app
