#include "cxgw/core/config.hpp"

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"

namespace cxgw {
namespace {

using testing::TempDirectory;

// A directory with a config file and the TLS files it names (their content is not read by
// the loader, only their existence).
class ConfigFile {
 public:
  ConfigFile() {
    dir_.write("certs/server.crt", "x");
    dir_.write("certs/server.key", "x");
    dir_.write("certs/ca.crt", "x");
  }
  std::filesystem::path write(const std::string& yaml) { return dir_.write("gateway.yaml", yaml); }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDirectory dir_;
};

constexpr const char* kMinimal =
    "server:\n"
    "  tls:\n"
    "    certificate_chain: certs/server.crt\n"
    "    private_key: certs/server.key\n";

Error loadError(const std::filesystem::path& file, const Environment& env = {}) {
  auto result = loadGatewayConfig(file, env);
  EXPECT_FALSE(result.ok()) << "expected the config to be rejected";
  return result.ok() ? Error{} : result.error();
}

TEST(GatewayConfig, MinimalFileGetsDefaults) {
  ConfigFile files;
  auto loaded = loadGatewayConfig(files.write(kMinimal), {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  const GatewayConfig& config = *loaded.value().config;
  const GatewayConfig defaults;
  EXPECT_EQ(config.server.port, defaults.server.port);
  EXPECT_EQ(config.server.limits.max_body_bytes, defaults.server.limits.max_body_bytes);
  EXPECT_EQ(config.server.tls.client_certificates, ClientCertificateMode::kNone);
  EXPECT_EQ(config.logging.level, LogLevel::kInfo);
}

TEST(GatewayConfig, RelativePathsResolveAgainstTheFilesDirectory) {
  ConfigFile files;
  auto loaded = loadGatewayConfig(files.write(kMinimal), {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded.value().config->server.tls.certificate_chain_file,
            (files.dir() / "certs/server.crt").lexically_normal());
}

TEST(GatewayConfig, ParsesEveryValueKind) {
  ConfigFile files;
  auto loaded =
      loadGatewayConfig(files.write(std::string(kMinimal) + "    client_certificates: required\n"
                                                            "    client_ca: certs/ca.crt\n"
                                                            "    min_version: \"1.3\"\n"
                                                            "  port: 9443\n"
                                                            "  shutdown_grace: 2m\n"
                                                            "  limits:\n"
                                                            "    max_header_bytes: 8KiB\n"
                                                            "    max_body_bytes: 2MiB\n"
                                                            "    header_timeout: 250ms\n"
                                                            "    idle_timeout: 1h\n"
                                                            "logging:\n"
                                                            "  level: debug\n"),
                        {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  const GatewayConfig& c = *loaded.value().config;
  EXPECT_EQ(c.server.port, 9443);
  EXPECT_EQ(c.server.shutdown_grace, std::chrono::minutes(2));
  EXPECT_EQ(c.server.limits.max_header_bytes, 8U * 1024);
  EXPECT_EQ(c.server.limits.max_body_bytes, 2U * 1024 * 1024);
  EXPECT_EQ(c.server.limits.header_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c.server.limits.idle_timeout, std::chrono::hours(1));
  EXPECT_EQ(c.server.tls.client_certificates, ClientCertificateMode::kRequired);
  EXPECT_EQ(c.server.tls.min_version, TlsVersion::k1_3);
  EXPECT_EQ(c.logging.level, LogLevel::kDebug);
  EXPECT_EQ(loaded.value().origins.at("server.port").line, 8);
}

TEST(GatewayConfig, MissingFileIsNamed) {
  ConfigFile files;
  const Error error = loadError(files.dir() / "absent.yaml");
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_NE(error.describe().find("absent.yaml"), std::string::npos) << error.describe();
}

TEST(GatewayConfig, InvalidYamlReportsTheLine) {
  ConfigFile files;
  const Error error = loadError(files.write("server:\n  port: 1\n  tls: [unclosed\n"));
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_GE(error.line, 3);
  EXPECT_NE(error.message.find("invalid YAML"), std::string::npos);
}

TEST(GatewayConfig, TopLevelMustBeAMapping) {
  ConfigFile files;
  const Error error = loadError(files.write("- just\n- a list\n"));
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("mapping"), std::string::npos);
}

TEST(GatewayConfig, UnknownKeyIsNamedWithLineAndSuggestion) {
  ConfigFile files;
  const Error error =
      loadError(files.write(std::string(kMinimal) + "  limits:\n    max_body_byte: 10\n"));
  EXPECT_EQ(error.code, ErrorCode::kUnknownKey);
  EXPECT_EQ(error.key, "server.limits.max_body_byte");
  EXPECT_EQ(error.line, 6);
  EXPECT_NE(error.message.find("server.limits.max_body_bytes"), std::string::npos) << error.message;
  EXPECT_NE(error.describe().find("gateway.yaml:6"), std::string::npos) << error.describe();
}

TEST(GatewayConfig, UnknownTopLevelSectionIsRejected) {
  ConfigFile files;
  const Error error = loadError(files.write(std::string(kMinimal) + "databse:\n  url: x\n"));
  EXPECT_EQ(error.code, ErrorCode::kUnknownKey);
  EXPECT_EQ(error.key, "databse");
  EXPECT_EQ(error.line, 5);
}

TEST(GatewayConfig, SectionGivenAScalarIsRejected) {
  ConfigFile files;
  const Error error = loadError(files.write(std::string(kMinimal) + "  limits: 5\n"));
  EXPECT_EQ(error.key, "server.limits");
  EXPECT_NE(error.message.find("mapping"), std::string::npos);
}

TEST(GatewayConfig, ValueGivenAMappingOrListIsRejected) {
  ConfigFile files;
  Error error = loadError(files.write(std::string(kMinimal) + "  port:\n    number: 1\n"));
  EXPECT_EQ(error.key, "server.port");
  EXPECT_NE(error.message.find("mapping"), std::string::npos);
  error = loadError(files.write(std::string(kMinimal) + "  port: [1, 2]\n"));
  EXPECT_EQ(error.key, "server.port");
  EXPECT_NE(error.message.find("list"), std::string::npos);
}

TEST(GatewayConfig, KeyWithoutValueIsRejected) {
  ConfigFile files;
  const Error error = loadError(files.write(std::string(kMinimal) + "  port:\n"));
  EXPECT_EQ(error.key, "server.port");
  EXPECT_EQ(error.line, 5);
}

struct WrongValueCase {
  const char* yaml_tail;
  const char* key;
  const char* message_part;
};

void PrintTo(const WrongValueCase& c, std::ostream* out) {
  *out << c.key << " <- " << c.yaml_tail;
}

class GatewayConfigWrongValue : public ::testing::TestWithParam<WrongValueCase> {};

TEST_P(GatewayConfigWrongValue, IsRejectedNamingKeyAndLine) {
  ConfigFile files;
  const Error error = loadError(files.write(std::string(kMinimal) + GetParam().yaml_tail));
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.key, GetParam().key);
  EXPECT_GT(error.line, 4);
  EXPECT_NE(error.message.find(GetParam().message_part), std::string::npos) << error.message;
}

INSTANTIATE_TEST_SUITE_P(
    Values, GatewayConfigWrongValue,
    ::testing::Values(
        WrongValueCase{"  port: https\n", "server.port", "integer"},
        WrongValueCase{"  port: 70000\n", "server.port", "65535"},
        WrongValueCase{"  port: -1\n", "server.port", "integer"},
        WrongValueCase{"  threads: 1.5\n", "server.threads", "integer"},
        WrongValueCase{"  shutdown_grace: 10\n", "server.shutdown_grace", "duration"},
        WrongValueCase{"  shutdown_grace: 2d\n", "server.shutdown_grace", "duration"},
        WrongValueCase{"  limits:\n    idle_timeout: 0s\n", "server.limits.idle_timeout",
                       "must be"},
        WrongValueCase{"  limits:\n    max_body_bytes: lots\n", "server.limits.max_body_bytes",
                       "size"},
        WrongValueCase{"  limits:\n    max_header_bytes: 100\n", "server.limits.max_header_bytes",
                       "must be"},
        WrongValueCase{"  limits:\n    max_connections: 0\n", "server.limits.max_connections",
                       "integer"},
        WrongValueCase{"    min_version: \"1.1\"\n", "server.tls.min_version", "1.2|1.3"},
        WrongValueCase{"    client_certificates: yes\n", "server.tls.client_certificates",
                       "none|optional|required"},
        WrongValueCase{"logging:\n  level: verbose\n", "logging.level", "trace|debug"}),
    [](const ::testing::TestParamInfo<WrongValueCase>& param_info) {
      std::string name = std::string(param_info.param.key) + "_" + std::to_string(param_info.index);
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(GatewayConfig, MissingRequiredKeyIsNamed) {
  ConfigFile files;
  const Error error =
      loadError(files.write("server:\n  tls:\n    private_key: certs/server.key\n"));
  EXPECT_EQ(error.code, ErrorCode::kMissingKey);
  EXPECT_EQ(error.key, "server.tls.certificate_chain");
  EXPECT_NE(error.message.find("CXGW_SERVER__TLS__CERTIFICATE_CHAIN"), std::string::npos);
}

TEST(GatewayConfig, NonexistentCertificateFileIsNamedWithLine) {
  ConfigFile files;
  const Error error =
      loadError(files.write("server:\n  tls:\n    certificate_chain: certs/nope.crt\n    "
                            "private_key: certs/server.key\n"));
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_EQ(error.key, "server.tls.certificate_chain");
  EXPECT_EQ(error.line, 3);
  EXPECT_NE(error.message.find("nope.crt"), std::string::npos);
}

TEST(GatewayConfig, ClientCertificatesNeedAClientCa) {
  ConfigFile files;
  const Error error =
      loadError(files.write(std::string(kMinimal) + "    client_certificates: required\n"));
  EXPECT_EQ(error.code, ErrorCode::kMissingKey);
  EXPECT_EQ(error.key, "server.tls.client_ca");
  EXPECT_EQ(error.line, 5);
}

TEST(GatewayConfig, EnvironmentOverridesTheFile) {
  ConfigFile files;
  auto loaded = loadGatewayConfig(
      files.write(std::string(kMinimal) + "  port: 9000\n"),
      {{"CXGW_SERVER__PORT", "9555"}, {"CXGW_LOGGING__LEVEL", "warn"}, {"UNRELATED", "ignored"}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded.value().config->server.port, 9555);
  EXPECT_EQ(loaded.value().config->logging.level, LogLevel::kWarn);
  const ConfigValueOrigin& origin = loaded.value().origins.at("server.port");
  EXPECT_EQ(origin.kind, ConfigValueOrigin::Kind::kEnvironment);
  EXPECT_EQ(origin.env_variable, "CXGW_SERVER__PORT");
}

TEST(GatewayConfig, EnvironmentCanSupplyARequiredKey) {
  ConfigFile files;
  auto loaded = loadGatewayConfig(
      files.write("server:\n  tls:\n    private_key: certs/server.key\n"),
      {{"CXGW_SERVER__TLS__CERTIFICATE_CHAIN", (files.dir() / "certs/server.crt").string()}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
}

TEST(GatewayConfig, UnknownEnvironmentVariableIsNamed) {
  ConfigFile files;
  const Error error = loadError(files.write(kMinimal), {{"CXGW_SERVER__PROT", "1"}});
  EXPECT_EQ(error.code, ErrorCode::kUnknownKey);
  EXPECT_EQ(error.key, "CXGW_SERVER__PROT");
}

TEST(GatewayConfig, BadEnvironmentValueNamesKeyAndVariable) {
  ConfigFile files;
  const Error error =
      loadError(files.write(kMinimal), {{"CXGW_SERVER__LIMITS__BODY_TIMEOUT", "soon"}});
  EXPECT_EQ(error.key, "server.limits.body_timeout");
  EXPECT_NE(error.message.find("CXGW_SERVER__LIMITS__BODY_TIMEOUT"), std::string::npos);
}

TEST(GatewayConfig, EnvironmentVariableRule) {
  EXPECT_EQ(environmentVariableFor("server.port"), "CXGW_SERVER__PORT");
  EXPECT_EQ(environmentVariableFor("server.limits.max_body_bytes"),
            "CXGW_SERVER__LIMITS__MAX_BODY_BYTES");
  for (const ConfigKeyInfo& key : configKeys()) {
    EXPECT_EQ(key.env_variable, environmentVariableFor(key.key));
  }
}

TEST(GatewayConfig, EffectiveConfigMasksSecretsAndShowsOrigins) {
  ConfigFile files;
  auto loaded = loadGatewayConfig(
      files.write(std::string(kMinimal) + "    private_key_password: hunter2-secret\n"),
      {{"CXGW_SERVER__PORT", "9444"}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  const std::string text = renderEffectiveConfig(loaded.value());
  EXPECT_EQ(text.find("hunter2-secret"), std::string::npos) << text;
  EXPECT_NE(text.find("server.tls.private_key_password = ********"), std::string::npos) << text;
  EXPECT_NE(text.find("9444  # env CXGW_SERVER__PORT"), std::string::npos) << text;
  EXPECT_NE(text.find("# file line 3"), std::string::npos) << text;
  for (const ConfigKeyInfo& key : configKeys()) {
    EXPECT_NE(text.find(key.key), std::string::npos) << key.key << " missing from\n" << text;
  }
}

TEST(GatewayConfig, ListsComeFromYamlSequencesOrCommaSeparatedEnvironment) {
  ConfigFile files;
  const auto path = files.write(std::string(kMinimal) +
                                "supplier:\n  bpnl: BPNL00000000SUPP\n"
                                "sync:\n  mappings:\n    - certs/ca.crt\n    - certs/server.key\n");
  auto loaded = loadGatewayConfig(path, {});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  ASSERT_EQ(loaded.value().config->sync.mappings.size(), 2U);
  EXPECT_EQ(loaded.value().config->sync.mappings[1],
            (files.dir() / "certs/server.key").lexically_normal());
  loaded =
      loadGatewayConfig(path, {{"CXGW_SYNC__MAPPINGS", (files.dir() / "certs/ca.crt").string()}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded.value().config->sync.mappings.size(), 1U);
}

TEST(GatewayConfig, SupplierBpnlMustBeABpnl) {
  ConfigFile files;
  const Error error =
      loadError(files.write(std::string(kMinimal) + "supplier:\n  bpnl: BPNL123\n"));
  EXPECT_EQ(error.key, "supplier.bpnl");
  EXPECT_EQ(error.line, 6);
}

TEST(GatewayConfig, MappingsNeedTheSupplierBpnl) {
  ConfigFile files;
  const Error error =
      loadError(files.write(std::string(kMinimal) + "sync:\n  mappings: [certs/ca.crt]\n"));
  EXPECT_EQ(error.code, ErrorCode::kMissingKey);
  EXPECT_EQ(error.key, "supplier.bpnl");
}

TEST(GatewayConfig, MissingMappingFileIsNamed) {
  ConfigFile files;
  const Error error =
      loadError(files.write(std::string(kMinimal) + "supplier:\n  bpnl: BPNL00000000SUPP\n"
                                                    "sync:\n  mappings: [nope.yaml]\n"));
  EXPECT_EQ(error.key, "sync.mappings");
  EXPECT_NE(error.message.find("nope.yaml"), std::string::npos);
}

TEST(GatewayConfig, PostgresStoreNeedsAConnection) {
  ConfigFile files;
  const Error error =
      loadError(files.write(std::string(kMinimal) + "store:\n  backend: postgres\n"));
  EXPECT_EQ(error.key, "store.postgres_connection");
}

}  // namespace
}  // namespace cxgw

namespace cxgw {
namespace {

TEST(GatewayConfigEnvironment, VariablesWithoutDoubleUnderscoreAreNotOverrides) {
  testing::TempDirectory dir;
  dir.write("certs/server.crt", "x");
  dir.write("certs/server.key", "x");
  const auto file = dir.write("gateway.yaml",
                              "server:\n  tls:\n    certificate_chain: certs/server.crt\n"
                              "    private_key: certs/server.key\n");
  auto loaded = loadGatewayConfig(file, {{"CXGW_DEMO_ERP_PASSWORD", "secret"}});
  EXPECT_TRUE(loaded.ok()) << loaded.error().describe();
}

}  // namespace
}  // namespace cxgw
