// `cxgw audit query` and `cxgw audit verify` as a compliance officer runs them, against records
// the library appended to a real PostgreSQL store.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <pqxx/pqxx>

#include "cxgw/core/timestamp.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"
#include "cxgw/store/postgres_audit_trail.hpp"
#include "support/child_process.hpp"
#include "support/cxgw_process.hpp"
#include "support/postgres_cluster.hpp"
#include "support/temp_directory.hpp"

namespace cxgw {
namespace {

using namespace std::chrono_literals;

using Outcome = testing::CxgwRun;

store::AuditEntry entryAt(const char* time, store::AuditDecision decision, std::string bpn,
                          std::string asset, std::string reason) {
  store::AuditEntry entry;
  entry.time = parseIsoTimestampStrict(time).value();
  entry.decision = decision;
  entry.scope = "data_access";
  entry.partner_bpn = std::move(bpn);
  entry.partner_did = "did:web:" + entry.partner_bpn + ".example";
  entry.asset_id = std::move(asset);
  entry.twin_id = "urn:uuid:5f0e4c1a-0000-4000-8000-000000000001";
  entry.policy_id = "membership-policy";
  entry.policy_hash = "9f86d081884c7d65";
  entry.agreement_id = "agreement-1";
  entry.reason = std::move(reason);
  return entry;
}

class AuditCommand : public testing::PostgresTestSuite {
 protected:
  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    {
      pqxx::connection connection(connectionString());
      pqxx::work tx(connection);
      tx.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
      tx.commit();
    }
    auto certs = gateway::writeDevCertificates({dir_.path() / "certs", {}});
    ASSERT_TRUE(certs.ok()) << certs.error().describe();
    const std::string common =
        "server:\n  tls:\n    certificate_chain: certs/server.crt\n"
        "    private_key: certs/server.key\n"
        "supplier:\n  bpnl: BPNL00000000SUPP\n";
    config_ = dir_.write("gateway.yaml", common +
                                             "store:\n  backend: postgres\n"
                                             "  postgres_connection: \"" +
                                             connectionString() + "\"\n")
                  .string();
    memory_config_ = dir_.write("memory.yaml", common + "store:\n  backend: memory\n").string();

    auto trail = store::openPostgresAuditTrail({connectionString()});
    ASSERT_TRUE(trail.ok()) << trail.error().describe();
    auto records = trail.value()->append({
        entryAt("2026-03-01T09:00:00Z", store::AuditDecision::kAllow, "BPNL000000000OEM",
                "asset-serial-part", "membership and framework agreement present"),
        entryAt("2026-03-01T09:30:00.25Z", store::AuditDecision::kDeny, "BPNL00000000OEM2",
                "asset-serial-part", "no \"FrameworkAgreement.traceability\", needed\nfor this"),
        entryAt("2026-03-02T08:00:00Z", store::AuditDecision::kAllow, "BPNL000000000OEM",
                "asset-bom", "membership and framework agreement present"),
    });
    ASSERT_TRUE(records.ok()) << records.error().describe();
    records_ = records.value();
  }

  static Outcome run(std::vector<std::string> arguments) {
    return testing::runCxgw(std::move(arguments), {}, 60s);
  }

  static void tamper(const std::string& statement) {
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec0(statement);
    tx.commit();
  }

  testing::TempDirectory dir_{"cxgw-audit-e2e"};
  std::string config_;
  std::string memory_config_;
  std::vector<store::AuditRecord> records_;
};

TEST_F(AuditCommand, QueryPrintsATableByDefault) {
  const Outcome query = run({"audit", "query", "--config", config_});
  ASSERT_EQ(query.exit_code, 0) << query.output;
  EXPECT_EQ(query.output.rfind("SEQ", 0), 0U) << query.output;
  EXPECT_NE(query.output.find("2026-03-01T09:30:00.250000Z  deny      data_access  "
                              "BPNL00000000OEM2  asset-serial-part         no "
                              "\"FrameworkAgreement.traceability\", needed for this\n"),
            std::string::npos)
      << query.output;
  EXPECT_NE(query.output.find("(3 records)\n"), std::string::npos) << query.output;
}

TEST_F(AuditCommand, QueryFiltersByPartnerAndPrintsJson) {
  const Outcome query = run(
      {"audit", "query", "--config", config_, "--partner", "BPNL000000000OEM", "--format", "json"});
  ASSERT_EQ(query.exit_code, 0) << query.output;
  rapidjson::Document json;
  json.Parse(query.output.c_str());
  ASSERT_FALSE(json.HasParseError()) << query.output;
  ASSERT_TRUE(json.IsArray());
  ASSERT_EQ(json.Size(), 2U) << query.output;
  EXPECT_EQ(json[0]["sequence"].GetInt64(), 1);
  EXPECT_EQ(json[1]["sequence"].GetInt64(), 3);
  EXPECT_STREQ(json[1]["time"].GetString(), "2026-03-02T08:00:00.000000Z");
  EXPECT_STREQ(json[1]["asset_id"].GetString(), "asset-bom");
  EXPECT_STREQ(json[1]["previous_hash"].GetString(), records_[1].hash.c_str());
  EXPECT_STREQ(json[1]["hash"].GetString(), records_[2].hash.c_str());

  const Outcome by_did = run({"audit", "query", "--config", config_, "--partner",
                              "did:web:BPNL00000000OEM2.example", "--format", "json"});
  ASSERT_EQ(by_did.exit_code, 0) << by_did.output;
  json.Parse(by_did.output.c_str());
  ASSERT_TRUE(!json.HasParseError() && json.IsArray()) << by_did.output;
  ASSERT_EQ(json.Size(), 1U);
  EXPECT_STREQ(json[0]["reason"].GetString(),
               "no \"FrameworkAgreement.traceability\", needed\nfor this");

  const Outcome none = run(
      {"audit", "query", "--config", config_, "--partner", "BPNL0000000NOONE", "--format", "json"});
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_EQ(none.output, "[]\n");
}

TEST_F(AuditCommand, QueryPrintsCsvWithQuotedFields) {
  const Outcome query =
      run({"audit", "query", "--config", config_, "--decision", "deny", "--format", "csv"});
  ASSERT_EQ(query.exit_code, 0) << query.output;
  EXPECT_EQ(query.output,
            "sequence,time,decision,scope,partner_bpn,partner_did,asset_id,twin_id,policy_id,"
            "policy_hash,agreement_id,reason,previous_hash,hash\n"
            "2,2026-03-01T09:30:00.250000Z,deny,data_access,BPNL00000000OEM2,"
            "did:web:BPNL00000000OEM2.example,asset-serial-part,"
            "urn:uuid:5f0e4c1a-0000-4000-8000-000000000001,membership-policy,9f86d081884c7d65,"
            "agreement-1,\"no \"\"FrameworkAgreement.traceability\"\", needed\nfor this\"," +
                records_[0].hash + "," + records_[1].hash + "\n");
}

TEST_F(AuditCommand, QueryFiltersByAssetAndTime) {
  const Outcome since =
      run({"audit", "query", "--config", config_, "--asset", "asset-serial-part", "--since",
           "2026-03-01T09:15:00+00:00", "--until", "2026-03-02", "--format", "csv"});
  ASSERT_EQ(since.exit_code, 0) << since.output;
  EXPECT_EQ(since.output.find("\n1,"), std::string::npos) << since.output;
  EXPECT_NE(since.output.find("\n2,"), std::string::npos) << since.output;
  EXPECT_EQ(since.output.find("\n3,"), std::string::npos) << since.output;

  const Outcome limited =
      run({"audit", "query", "--config", config_, "--limit", "1", "--format", "csv"});
  ASSERT_EQ(limited.exit_code, 0) << limited.output;
  EXPECT_NE(limited.output.find("\n1,"), std::string::npos) << limited.output;
  EXPECT_EQ(limited.output.find("\n2,"), std::string::npos) << limited.output;
}

TEST_F(AuditCommand, BadOptionValuesExitTwoNamingTheOption) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--since", "yesterday"}, "--since: 'yesterday' is not an RFC 3339"},
      {{"--until", "2026-02-30"}, "--until: '2026-02-30' is not an RFC 3339"},
      {{"--decision", "maybe"}, "--decision: 'maybe' is neither allow nor deny"},
      {{"--format", "xml"}, "--format: 'xml' is none of table, json, csv"},
      {{"--limit", "0"}, "--limit: '0' is not a whole number"},
      {{"--limit", "ten"}, "--limit: 'ten' is not a whole number"},
      {{"--since", "2026-03-02", "--until", "2026-03-01"}, "--until: '2026-03-01' is not after"},
  };
  for (const auto& [options, message] : cases) {
    std::vector<std::string> arguments = {"audit", "query", "--config", config_};
    arguments.insert(arguments.end(), options.begin(), options.end());
    const Outcome query = run(arguments);
    EXPECT_EQ(query.exit_code, 2) << options[0] << ": " << query.output;
    EXPECT_NE(query.output.find(message), std::string::npos) << query.output;
  }
}

TEST_F(AuditCommand, VerifyReportsAnIntactTrailWithItsHead) {
  const Outcome verify = run({"audit", "verify", "--config", config_});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(verify.output, "audit trail intact: 3 records, head 3 " + records_[2].hash + "\n");
}

TEST_F(AuditCommand, VerifyNamesTheTamperedRecord) {
  tamper("UPDATE cxgw_audit_records SET decision = 'allow' WHERE sequence = 2");
  const Outcome edited = run({"audit", "verify", "--config", config_});
  EXPECT_EQ(edited.exit_code, 1) << edited.output;
  EXPECT_NE(edited.output.find("audit trail BROKEN: record 2: hash does not match its content "
                               "(edited)"),
            std::string::npos)
      << edited.output;

  tamper("DELETE FROM cxgw_audit_records WHERE sequence = 2");
  const Outcome deleted = run({"audit", "verify", "--config", config_});
  EXPECT_EQ(deleted.exit_code, 1) << deleted.output;
  EXPECT_NE(deleted.output.find("record 2 missing: sequence jumps from 1 to 3 (deleted)"),
            std::string::npos)
      << deleted.output;
}

TEST_F(AuditCommand, MemoryStoreKeepsNoAuditTrail) {
  for (const char* command : {"verify", "query"}) {
    const Outcome outcome = run({"audit", command, "--config", memory_config_});
    EXPECT_EQ(outcome.exit_code, 2) << command << ": " << outcome.output;
    EXPECT_NE(outcome.output.find("the memory store keeps no audit trail across processes"),
              std::string::npos)
        << outcome.output;
  }
}

TEST_F(AuditCommand, HelpListsBothCommands) {
  const Outcome help = run({"audit", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("verify"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("query"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace cxgw
