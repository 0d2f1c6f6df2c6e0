// The cxgw executable as operators run it: a real process, a real config file, certificates
// from `cxgw dev-certs`, HTTPS over loopback and POSIX signals.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include "support/child_process.hpp"
#include "support/cxgw_process.hpp"
#include "support/https_test_client.hpp"
#include "support/temp_directory.hpp"

namespace cxgw {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::SpawnOptions;

// Bounds on waiting for the child; they stop a hang, they do not measure speed.
constexpr auto kStartupWait = 30s;
constexpr auto kExitWait = 30s;

using testing::awaitLogLine;

// The process, running; the tests drive it with signals and requests.
std::unique_ptr<ChildProcess> runCxgw(std::vector<std::string> arguments,
                                      std::vector<std::pair<std::string, std::string>> env = {}) {
  return testing::startCxgw(std::move(arguments), std::move(env));
}

class ServeProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    auto certs = runCxgw(
        {"dev-certs", (dir_.path() / "certs").string(), "--client-bpn", "BPNL000000000OEM"});
    ASSERT_TRUE(certs);
    ASSERT_EQ(certs->waitFor(kExitWait), 0) << certs->readAll(1s);
  }

  std::string writeConfig(const std::string& extra = "") {
    return dir_
        .write("gateway.yaml",
               "server:\n"
               "  bind_address: 127.0.0.1\n"
               "  port: 0\n"
               "  shutdown_grace: 20s\n"
               "  tls:\n"
               "    certificate_chain: certs/server.crt\n"
               "    private_key: certs/server.key\n"
               "    client_certificates: optional\n"
               "    client_ca: certs/ca.crt\n" +
                   extra + "logging:\n  level: debug\n")
        .string();
  }

  testing::TlsClientOptions client() const {
    testing::TlsClientOptions options;
    options.ca_file = dir_.path() / "certs/ca.crt";
    return options;
  }

  testing::TempDirectory dir_{"cxgw-e2e"};
};

TEST_F(ServeProcess, ServesHealthzOverHttpsAndStopsOnSigterm) {
  auto server = runCxgw({"serve", "--config", writeConfig()});
  ASSERT_TRUE(server);
  const auto listening = awaitLogLine(*server, "listening");
  ASSERT_TRUE(listening.IsObject());
  const auto port = static_cast<uint16_t>(listening["port"].GetUint());

  const testing::HttpReply reply = testing::httpsGet(port, client(), "/healthz");
  EXPECT_EQ(reply.status, 200U);
  server->sendSignal(SIGTERM);
  EXPECT_EQ(server->waitFor(kExitWait), 0);
}

TEST_F(ServeProcess, SigtermDuringAnInFlightRequestLetsItComplete) {
  auto server = runCxgw({"serve", "--config", writeConfig()});
  ASSERT_TRUE(server);
  const auto listening = awaitLogLine(*server, "listening");
  ASSERT_TRUE(listening.IsObject());
  const auto port = static_cast<uint16_t>(listening["port"].GetUint());

  testing::HttpsTestClient connection(port, client());
  connection.connect();
  // Header complete, body half sent: the request is in flight when the signal arrives.
  connection.writeRaw(
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: inflight-1\r\n"
      "Content-Length: 10\r\n\r\n12345");
  const auto started = awaitLogLine(*server, "request header received");
  ASSERT_TRUE(started.IsObject());
  EXPECT_STREQ(started["request_id"].GetString(), "inflight-1");

  server->sendSignal(SIGTERM);
  ASSERT_TRUE(awaitLogLine(*server, "shutdown started").IsObject());
  connection.writeRaw("67890");
  const testing::HttpReply reply = connection.readReply();
  EXPECT_EQ(reply.status, 200U);
  EXPECT_EQ(reply.headers.at("x-request-id"), "inflight-1");
  EXPECT_EQ(reply.headers.at("connection"), "close");
  EXPECT_EQ(server->waitFor(kExitWait), 0);
}

TEST_F(ServeProcess, ConfigErrorExitsWithTwoNamingFileLineAndKey) {
  auto server = runCxgw({"serve", "--config", writeConfig("  limits:\n    max_body: 1MiB\n")});
  ASSERT_TRUE(server);
  const std::string output = server->readAll(kExitWait);
  EXPECT_EQ(server->waitFor(kExitWait), 2);
  EXPECT_NE(output.find("gateway.yaml:11: server.limits.max_body: unknown key"), std::string::npos)
      << output;
}

TEST_F(ServeProcess, UnknownEnvironmentOverrideIsRefused) {
  auto server = runCxgw({"serve", "--config", writeConfig()}, {{"CXGW_SERVER__PORTT", "1"}});
  ASSERT_TRUE(server);
  const std::string output = server->readAll(kExitWait);
  EXPECT_EQ(server->waitFor(kExitWait), 2);
  EXPECT_NE(output.find("CXGW_SERVER__PORTT"), std::string::npos) << output;
}

TEST_F(ServeProcess, ConfigCheckPrintsEffectiveConfigWithSecretsMasked) {
  auto check = runCxgw({"config", "check", writeConfig("    private_key_password: s3cret-pw\n")},
                       {{"CXGW_SERVER__LIMITS__MAX_BODY_BYTES", "2MiB"}});
  ASSERT_TRUE(check);
  const std::string output = check->readAll(kExitWait);
  EXPECT_EQ(check->waitFor(kExitWait), 0) << output;
  EXPECT_EQ(output.find("s3cret-pw"), std::string::npos) << output;
  EXPECT_NE(output.find("server.tls.private_key_password = ********"), std::string::npos) << output;
  EXPECT_NE(output.find("server.limits.max_body_bytes    = 2MiB  # env "
                        "CXGW_SERVER__LIMITS__MAX_BODY_BYTES"),
            std::string::npos)
      << output;
}

TEST(CxgwCli, UnknownSubcommandIsAUsageError) {
  auto child = runCxgw({"frobnicate"});
  ASSERT_TRUE(child);
  child->readAll(kExitWait);
  EXPECT_EQ(child->waitFor(kExitWait), 2);
}

TEST(CxgwCli, VersionPrintsTheVersion) {
  auto child = runCxgw({"version"});
  ASSERT_TRUE(child);
  const std::string output = child->readAll(kExitWait);
  EXPECT_EQ(child->waitFor(kExitWait), 0);
  EXPECT_EQ(output.rfind("cxgw ", 0), 0U) << output;
}

TEST(CxgwCli, DevCertsRejectsABpnThatIsNotAToken) {
  testing::TempDirectory dir;
  auto child = runCxgw({"dev-certs", dir.path().string(), "--client-bpn", "../../etc/x"});
  ASSERT_TRUE(child);
  const std::string output = child->readAll(kExitWait);
  EXPECT_EQ(child->waitFor(kExitWait), 2);
  EXPECT_NE(output.find("is not a BPN"), std::string::npos) << output;
}

}  // namespace
}  // namespace cxgw
