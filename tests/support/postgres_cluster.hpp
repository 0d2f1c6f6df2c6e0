#pragma once
// A throwaway PostgreSQL cluster for tests, and a GoogleTest base class that shares one per
// test process.
//
// PostgresCluster owns a fresh directory under /tmp holding the data directory, the unix
// socket and the logs, and a server listening on a free TCP port of 127.0.0.1 with trust
// authentication for the superuser `postgres`. stop() (also run by the destructor) shuts the
// server down and removes the directory. When the process runs as root, initdb and pg_ctl run
// as the `postgres` system user through runuser, because initdb refuses to run as root.
//
// Binaries come from $PG_BINDIR, else /usr/lib/postgresql/15/bin, else the highest
// /usr/lib/postgresql/*/bin. Failures are returned as Status, with the tail of the relevant log
// in the message. Not thread-safe: one thread drives a cluster.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::testing {

class PostgresCluster {
 public:
  // Why no cluster can be started on this machine (no PostgreSQL binaries, or running as root
  // without a `postgres` user); nullopt when one can. Tests skip rather than fail on this.
  static std::optional<std::string> unavailableReason();

  PostgresCluster() = default;
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // Runs initdb and starts the server. Fails with kUnavailable when unavailableReason() is set;
  // calling it again while running fails with kInvalidArgument. Whatever a failed start leaves
  // behind is removed before it returns.
  Status start();

  // Stops the server (fast shutdown, falling back to immediate) and removes the temp directory.
  // Idempotent; never throws.
  void stop() noexcept;

  bool running() const { return running_; }

  // CREATE DATABASE / DROP DATABASE IF EXISTS ... WITH (FORCE), as `postgres`.
  Status createDatabase(const std::string& name);
  Status dropDatabase(const std::string& name);

  // libpq key=value form: "host=127.0.0.1 port=N user=postgres dbname=database".
  std::string connectionString(const std::string& database = "postgres") const;

  int port() const { return port_; }
  // Empty until start() succeeds, and again after stop().
  const std::string& dataDirectory() const { return data_directory_; }

 private:
  Status initialize();
  Status startServer();
  Status runTool(const std::string& tool, const std::vector<std::string>& arguments);

  std::string bin_directory_;
  std::string temp_directory_;
  std::string data_directory_;
  std::string command_log_;
  std::string server_log_;
  int port_ = 0;
  bool running_ = false;
};

// Base for suites that need a database. The first suite to set up starts one cluster for the
// whole test process; a ::testing::Environment registered by this library stops and removes it
// after the last test, also when tests failed. Each suite gets its own database, named after
// the suite (lower-case, [a-z0-9_]), created in SetUpTestSuite and dropped in TearDownTestSuite.
//
// Without PostgreSQL binaries every test prints "SKIPPED: <reason>" and is skipped; when the
// cluster or the database cannot be set up, every test fails with the reason. A subclass that
// overrides SetUp() must call PostgresTestSuite::SetUp() first and return if IsSkipped() or
// HasFatalFailure().
class PostgresTestSuite : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // The current suite's database.
  static std::string connectionString();
  static const std::string& databaseName();
  // The process-wide cluster; running() is false when setup failed or was skipped.
  static PostgresCluster& sharedCluster();

 protected:
  void SetUp() override;
};

// "Prefix/My.Suite/0" -> "prefix_my_suite_0": a valid unquoted identifier of at most 63 bytes.
std::string databaseNameForSuite(const std::string& suite_name);

}  // namespace cxgw::testing
