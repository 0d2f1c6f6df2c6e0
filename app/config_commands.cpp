#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "cxgw/core/config.hpp"

namespace cxgw::app {

int runConfigCheck(const std::filesystem::path& config_file) {
  auto loaded = loadGatewayConfig(config_file, processEnvironment());
  if (!loaded) {
    std::cerr << "cxgw: config error: " << loaded.error().describe() << "\n";
    return 2;
  }
  std::cout << renderEffectiveConfig(loaded.value()) << "config OK\n";
  return 0;
}

int runConfigKeys() {
  for (const ConfigKeyInfo& key : configKeys()) {
    std::cout << key.key << (key.required ? "  (required)" : "") << "\n"
              << "    type: " << key.type << "\n"
              << "    env:  " << key.env_variable << "\n"
              << "    " << key.description << "\n";
  }
  return 0;
}

}  // namespace cxgw::app
