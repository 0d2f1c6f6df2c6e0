#include "support/postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <pqxx/pqxx>
#include <string>

namespace cxgw::testing {
namespace {

std::string queryValue(const std::string& connection_string, const std::string& query) {
  pqxx::connection connection(connection_string);
  pqxx::nontransaction work(connection);
  return work.exec1(query)[0].as<std::string>();
}

// Starts `cluster`, failing the calling test (it returns) when that is impossible.
void startOrFail(PostgresCluster& cluster) {
  const Status started = cluster.start();
  ASSERT_TRUE(started.ok()) << started.error().describe();
}

class PostgresClusterSuite : public PostgresTestSuite {};

TEST_F(PostgresClusterSuite, ServesSuiteDatabaseWithPostgres15OrNewer) {
  const std::string version = queryValue(connectionString(), "SHOW server_version_num");
  EXPECT_GE(std::stoi(version), 150000) << "server_version_num " << version;
}

TEST_F(PostgresClusterSuite, SuiteDatabaseIsNamedAfterSuiteAndDistinctFromPostgres) {
  EXPECT_EQ(databaseName(), "postgresclustersuite");
  const std::string current = queryValue(connectionString(), "SELECT current_database()");
  EXPECT_EQ(current, databaseName());
  EXPECT_NE(current, "postgres");
  const std::string known =
      queryValue(sharedCluster().connectionString(),
                 "SELECT count(*) FROM pg_database WHERE datname = '" + databaseName() + "'");
  EXPECT_EQ(known, "1");
}

TEST_F(PostgresClusterSuite, StopRemovesDataDirectoryAndRefusesConnections) {
  PostgresCluster cluster;
  ASSERT_NO_FATAL_FAILURE(startOrFail(cluster));
  const std::string data_directory = cluster.dataDirectory();
  const std::string connection_string = cluster.connectionString();
  ASSERT_TRUE(std::filesystem::exists(data_directory + "/PG_VERSION"));
  ASSERT_EQ(queryValue(connection_string, "SELECT 1"), "1");

  cluster.stop();

  EXPECT_FALSE(cluster.running());
  EXPECT_FALSE(std::filesystem::exists(data_directory)) << data_directory;
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(data_directory).parent_path()));
  EXPECT_THROW(pqxx::connection{connection_string}, pqxx::broken_connection);
  cluster.stop();
  EXPECT_TRUE(cluster.dataDirectory().empty());
}

TEST_F(PostgresClusterSuite, TwoClustersRunAtOnceOnDifferentPorts) {
  PostgresCluster second;
  ASSERT_NO_FATAL_FAILURE(startOrFail(second));
  ASSERT_TRUE(sharedCluster().running());
  EXPECT_NE(second.port(), sharedCluster().port());
  EXPECT_NE(second.dataDirectory(), sharedCluster().dataDirectory());

  const Status created = second.createDatabase("only_on_second");
  ASSERT_TRUE(created.ok()) << created.error().describe();
  const std::string query = "SELECT count(*) FROM pg_database WHERE datname = 'only_on_second'";
  EXPECT_EQ(queryValue(second.connectionString(), query), "1");
  EXPECT_EQ(queryValue(sharedCluster().connectionString(), query), "0");
  EXPECT_EQ(queryValue(second.connectionString("only_on_second"), "SELECT 1"), "1");
}

TEST(DatabaseNameForSuite, LowerCasesAndReplacesWhatIsNotAnIdentifierCharacter) {
  EXPECT_EQ(databaseNameForSuite("Prefix/My.Suite/0"), "prefix_my_suite_0");
  EXPECT_EQ(databaseNameForSuite("9Lives"), "suite_9lives");
  EXPECT_EQ(databaseNameForSuite(std::string(100, 'A')).size(), 63U);
}

}  // namespace
}  // namespace cxgw::testing
