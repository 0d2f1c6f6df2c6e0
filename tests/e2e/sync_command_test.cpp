// `cxgw mapping check` and `cxgw sync` as operators run them, against a real PostgreSQL ERP.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "cxgw/gateway/tls/dev_certificates.hpp"
#include "integration/test_erp.hpp"
#include "support/child_process.hpp"
#include "support/cxgw_process.hpp"
#include "support/postgres_cluster.hpp"
#include "support/temp_directory.hpp"

namespace cxgw {
namespace {

using namespace std::chrono_literals;

using Outcome = testing::CxgwRun;

class SyncCommand : public testing::PostgresTestSuite {
 protected:
  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    tx.exec(adapters::kErp);
    tx.commit();
    auto certs = gateway::writeDevCertificates({dir_.path() / "certs", {}});
    ASSERT_TRUE(certs.ok()) << certs.error().describe();
    dir_.write("erp.yaml", adapters::mappingYaml(connectionString(), 10));
    config_ = dir_.write("gateway.yaml",
                         "server:\n  tls:\n    certificate_chain: certs/server.crt\n"
                         "    private_key: certs/server.key\n"
                         "supplier:\n  bpnl: BPNL00000000SUPP\n"
                         "store:\n  backend: postgres\n  postgres_connection: \"" +
                             connectionString() +
                             "\"\n"
                             "sync:\n  mappings: [erp.yaml]\n")
                  .string();
  }

  static Outcome run(std::vector<std::string> arguments) {
    return testing::runCxgw(std::move(arguments), {}, 120s);
  }

  testing::TempDirectory dir_{"cxgw-sync-e2e"};
  std::string config_;
};

TEST_F(SyncCommand, MappingCheckPassesAValidMappingAgainstTheLiveErp) {
  const Outcome check =
      run({"mapping", "check", (dir_.path() / "erp.yaml").string(), "--config", config_});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("mapping OK"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("twin:serial: 6 columns"), std::string::npos) << check.output;
}

TEST_F(SyncCommand, MappingCheckReportsAColumnTheQueryDoesNotReturn) {
  std::string broken = adapters::mappingYaml(connectionString(), 10);
  const std::string from = "{column: customer_part_name}";
  broken.replace(broken.find(from), from.size(), "{column: customer_part_title}");
  const auto file = dir_.write("broken.yaml", broken);
  const Outcome check = run({"mapping", "check", file.string(), "--config", config_});
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_NE(check.output.find("broken.yaml:"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("column 'customer_part_title' is not returned by the query"),
            std::string::npos)
      << check.output;
}

TEST_F(SyncCommand, SyncFillsTheStoreAndReportsTheQuarantine) {
  const Outcome sync = run({"sync", "--config", config_, "--report"});
  ASSERT_EQ(sync.exit_code, 0) << sync.output;
  EXPECT_NE(sync.output.find("serial_parts: "), std::string::npos) << sync.output;
  EXPECT_NE(sync.output.find("quarantine: "), std::string::npos) << sync.output;
  EXPECT_NE(sync.output.find("partner BPN 'BPNL12345' is not a valid BPNL"), std::string::npos)
      << sync.output;
  pqxx::connection connection(connectionString());
  pqxx::read_transaction tx(connection);
  EXPECT_GT(tx.exec1("SELECT count(*) FROM cxgw_aspects")[0].as<int>(), 40);

  const Outcome again = run({"sync", "--config", config_});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("serial_parts           0 rows"), std::string::npos)
      << "an incremental sync with nothing new reads nothing:\n"
      << again.output;
}

TEST_F(SyncCommand, UnreachableErpExitsWithOne) {
  dir_.write("erp.yaml",
             adapters::mappingYaml("host=127.0.0.1 port=1 dbname=erp connect_timeout=2", 10));
  const Outcome sync = run({"sync", "--config", config_});
  EXPECT_EQ(sync.exit_code, 1) << sync.output;
  EXPECT_NE(sync.output.find("test-erp"), std::string::npos) << sync.output;
}

}  // namespace
}  // namespace cxgw
