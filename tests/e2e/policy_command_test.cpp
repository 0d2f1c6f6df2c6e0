// `cxgw policy lint | explain | test | diff` and the policy library of `cxgw serve`, as a
// compliance officer and an operator use them: real processes, the shipped example library.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/child_process.hpp"
#include "support/cxgw_process.hpp"
#include "support/temp_directory.hpp"

namespace cxgw {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

constexpr auto kWait = 30s;  // bounds a hang; measures nothing

const std::filesystem::path kExamples =
    std::filesystem::path(CXGW_SOURCE_DIR) / "policies/examples";

testing::CxgwRun cxgw(std::vector<std::string> arguments) {
  return testing::runCxgw(std::move(arguments), {}, kWait);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void copyExamples(const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    std::filesystem::copy_file(entry.path(), to / entry.path().filename());
  }
}

const char* kSaturnContext = R"("@context": ["https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
  "https://w3id.org/catenax/2025/9/policy/context.jsonld", {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}])";

std::string policyWithConstraint(const std::string& id, const std::string& constraint) {
  return "{" + std::string(kSaturnContext) + R"(, "@type": "PolicyDefinition", "@id": ")" + id +
         R"(", "policy": {"@type": "Set", "permission": [{"action": "use", "constraint": [)" +
         constraint + "]}]}}";
}

TEST(PolicyCommand, LintAcceptsTheExampleLibrary) {
  const testing::CxgwRun run = cxgw({"policy", "lint", kExamples.string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(contains(run.output, ": OK: ")) << run.output;
}

TEST(PolicyCommand, LintNamesFileAndLocationOfAConstraintItCannotEvaluate) {
  testing::TempDirectory dir("cxgw-policy");
  copyExamples(dir.path() / "lib");
  dir.write(
      "lib/zz-bad.jsonld",
      policyWithConstraint(
          "bad",
          R"({"leftOperand": "https://example.com/Shoesize", "operator": "eq", "rightOperand": "42"})"));
  const testing::CxgwRun run = cxgw({"policy", "lint", (dir.path() / "lib").string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "zz-bad.jsonld")) << run.output;
  EXPECT_TRUE(contains(run.output, "permission[0].constraint[0]")) << run.output;
  EXPECT_TRUE(contains(run.output, "unknown left operand 'https://example.com/Shoesize'"))
      << run.output;
}

TEST(PolicyCommand, LintNamesAnUnknownRemoteContext) {
  testing::TempDirectory dir("cxgw-policy");
  dir.write("lib/remote.jsonld",
            R"({"@context": "https://example.com/private-context.jsonld", "@id": "x"})");
  const testing::CxgwRun run = cxgw({"policy", "lint", (dir.path() / "lib").string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "https://example.com/private-context.jsonld")) << run.output;
}

TEST(PolicyCommand, ExplainRendersAPolicyAsASentence) {
  const testing::CxgwRun run =
      cxgw({"policy", "explain", (kExamples / "usage-time-limited.jsonld").string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(contains(
      run.output,
      "Partners with an active Catena-X membership that have signed the Data Exchange Governance "
      "framework 1.0 may use this data for quality analysis until 31 Dec 2027."))
      << run.output;
}

TEST(PolicyCommand, ExplainByIdNamesTheContractDefinitionsUsingIt) {
  const testing::CxgwRun run =
      cxgw({"policy", "explain", "access-bpn-group", "--policies", kExamples.string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(contains(
      run.output, "Partners in the business partner group \"quality-partners\" may see this offer"))
      << run.output;
  EXPECT_TRUE(contains(run.output, "access policy of contract definition quality-for-partners"))
      << run.output;
}

TEST(PolicyCommand, TestShowsWhatAPartnerMaySeeAndAgreeToAndWhy) {
  testing::TempDirectory dir("cxgw-policy");
  const auto profile =
      dir.write("oem2.yaml",
                "bpn: BPNL00000000OEM2\nmembership: true\nframework_agreements: []\n"
                "purposes: [cx.quality.base:1]\n");
  const testing::CxgwRun run = cxgw({"policy", "test", "--partner", profile.string(), "--policies",
                                     kExamples.string(), "--at", "2026-12-01"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  // OEM2 is in the group and on the allow-list, but has not signed Data Exchange Governance.
  EXPECT_TRUE(contains(run.output, "Contract definition quality-for-partners")) << run.output;
  EXPECT_TRUE(contains(run.output, "sees the offer in the catalog: yes")) << run.output;
  EXPECT_TRUE(contains(run.output, "may agree to the contract: no")) << run.output;
  EXPECT_TRUE(
      contains(run.output,
               "FrameworkAgreement requires DataExchangeGovernance:1.0; partner BPNL00000000OEM2 "
               "presented none"))
      << run.output;
}

TEST(PolicyCommand, TestRejectsAProfileWithAnUnknownKeyNamingIt) {
  testing::TempDirectory dir("cxgw-policy");
  const auto profile = dir.write("p.yaml", "bpn: BPNL00000000OEM2\nmembershp: true\n");
  const testing::CxgwRun run =
      cxgw({"policy", "test", "--partner", profile.string(), "--policies", kExamples.string()});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "p.yaml:2: membershp")) << run.output;
}

TEST(PolicyCommand, DiffShowsChangedRulesAndDefinitionsInWords) {
  testing::TempDirectory dir("cxgw-policy");
  copyExamples(dir.path() / "a");
  copyExamples(dir.path() / "b");
  const auto limited = dir.path() / "b/usage-time-limited.jsonld";
  std::string text = readFile(limited);
  text.replace(text.find("2027-12-31"), 10, "2028-06-30");
  dir.write("b/usage-time-limited.jsonld", text);
  std::filesystem::remove(dir.path() / "b/usage-jupiter-traceability.jsonld");
  const testing::CxgwRun run =
      cxgw({"policy", "diff", (dir.path() / "a").string(), (dir.path() / "b").string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "changed: policy usage-time-limited")) << run.output;
  EXPECT_TRUE(contains(
      run.output,
      "- Partners with an active Catena-X membership that have signed the Data Exchange "
      "Governance framework 1.0 may use this data for quality analysis until 31 Dec 2027."))
      << run.output;
  EXPECT_TRUE(contains(run.output, "until 30 Jun 2028.")) << run.output;
  EXPECT_TRUE(contains(run.output, "removed: policy usage-jupiter-traceability")) << run.output;
  const testing::CxgwRun same =
      cxgw({"policy", "diff", (dir.path() / "a").string(), (dir.path() / "a").string()});
  EXPECT_EQ(same.output, "no changes\n");
}

TEST(PolicyLibraryInServe, AnInvalidChangeNeverReplacesTheWorkingLibraryAndSighupReloads) {
  testing::TempDirectory dir("cxgw-policy");
  auto certs = cxgw({"dev-certs", (dir.path() / "certs").string()});
  ASSERT_EQ(certs.exit_code, 0) << certs.output;
  copyExamples(dir.path() / "lib");
  const auto config =
      dir.write("gateway.yaml",
                "server:\n  bind_address: 127.0.0.1\n  port: 0\n  tls:\n"
                "    certificate_chain: certs/server.crt\n    private_key: certs/server.key\n"
                "    client_certificates: optional\n    client_ca: certs/ca.crt\n"
                "policies:\n  directory: lib\n");
  auto spawned = testing::startCxgw({"serve", "--config", config.string()});
  ASSERT_TRUE(spawned);
  ChildProcess& server = *spawned;

  const auto first = testing::awaitLogLine(server, "policy library loaded");
  ASSERT_TRUE(first.IsObject());
  EXPECT_STREQ(first["trigger"].GetString(), "start");
  const uint64_t policies = first["policies"].GetUint64();

  // A broken file appears: rejected with file and location, the old library stays.
  dir.write("lib/zz-broken.jsonld",
            policyWithConstraint("broken", R"({"leftOperand": "Membership", "operator": "eq"})"));
  const auto rejected =
      testing::awaitLogLine(server, "policy library rejected; the previous one stays in force");
  ASSERT_TRUE(rejected.IsObject());
  EXPECT_TRUE(contains(rejected["file"].GetString(), "zz-broken.jsonld"));
  EXPECT_TRUE(contains(rejected["error"].GetString(), "rightOperand"))
      << rejected["error"].GetString();

  // Fixed by the operator, then SIGHUP: the new library (one policy more) is loaded.
  dir.write("lib/zz-broken.jsonld",
            policyWithConstraint(
                "broken",
                R"({"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"})"));
  server.sendSignal(SIGHUP);
  const auto reloaded = testing::awaitLogLine(server, "policy library loaded");
  ASSERT_TRUE(reloaded.IsObject());
  EXPECT_EQ(reloaded["policies"].GetUint64(), policies + 1);

  server.sendSignal(SIGTERM);
  EXPECT_EQ(server.waitFor(kWait), 0);
}

TEST(PolicyLibraryInServe, AnInvalidLibraryAtStartIsAConfigurationError) {
  testing::TempDirectory dir("cxgw-policy");
  auto certs = cxgw({"dev-certs", (dir.path() / "certs").string()});
  ASSERT_EQ(certs.exit_code, 0) << certs.output;
  dir.write("lib/p.jsonld",
            policyWithConstraint("p", R"({"leftOperand": "Membership", "operator": "eq"})"));
  const auto config =
      dir.write("gateway.yaml",
                "server:\n  bind_address: 127.0.0.1\n  port: 0\n  tls:\n"
                "    certificate_chain: certs/server.crt\n    private_key: certs/server.key\n"
                "    client_certificates: optional\n    client_ca: certs/ca.crt\n"
                "policies:\n  directory: lib\n");
  const testing::CxgwRun run = cxgw({"serve", "--config", config.string()});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "p.jsonld")) << run.output;
}

}  // namespace
}  // namespace cxgw
