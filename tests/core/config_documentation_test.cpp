// The operator documentation and the demo config must keep up with the config keys.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cxgw/core/config.hpp"
#include "support/temp_directory.hpp"

namespace cxgw {
namespace {

const std::filesystem::path kSourceDir = CXGW_SOURCE_DIR;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigDocumentation, OperatorPageDocumentsEveryKey) {
  const std::string page = readFile(kSourceDir / "docs/server.md");
  ASSERT_FALSE(page.empty());
  for (const ConfigKeyInfo& key : configKeys()) {
    EXPECT_NE(page.find("`" + key.key + "`"), std::string::npos)
        << key.key << " is not documented in docs/server.md";
  }
}

TEST(ConfigDocumentation, DemoConfigIsValidAndSetsEveryKey) {
  testing::TempDirectory dir;
  const auto config = dir.write("gateway.yaml", readFile(kSourceDir / "deploy/demo/gateway.yaml"));
  for (const char* name : {"certs/server.crt", "certs/server.key", "certs/ca.crt",
                           "certs/edr-signing.key", "erp/mapping.yaml", "partners.yaml"}) {
    dir.write(name, "placeholder; the loader checks only that the file exists");
  }
  std::filesystem::create_directories(dir.path() / "policies");
  auto loaded = loadGatewayConfig(config, {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  for (const ConfigKeyInfo& key : configKeys()) {
    const auto origin = loaded.value().origins.find(key.key);
    EXPECT_TRUE(origin != loaded.value().origins.end() &&
                origin->second.kind == ConfigValueOrigin::Kind::kFile)
        << key.key << " is not set in deploy/demo/gateway.yaml";
  }
}

}  // namespace
}  // namespace cxgw
