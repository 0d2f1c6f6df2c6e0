#include "support/postgres_cluster.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <sstream>

#include "support/child_process.hpp"

namespace cxgw::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSuperuser = "postgres";
constexpr const char* kSystemUser = "postgres";
constexpr int kStartAttempts = 4;
constexpr size_t kLogTailLines = 25;

Error clusterError(ErrorCode code, std::string message, std::string key = {}) {
  return Error{code, std::move(message), std::move(key), {}, 0};
}

bool hasServerTools(const fs::path& bin_directory) {
  return ::access((bin_directory / "initdb").c_str(), X_OK) == 0 &&
         ::access((bin_directory / "pg_ctl").c_str(), X_OK) == 0;
}

Result<std::string> locateBinDirectory() {
  if (const char* configured = std::getenv("PG_BINDIR"); configured && *configured) {
    if (hasServerTools(configured)) return std::string(configured);
    return clusterError(ErrorCode::kUnavailable, "PG_BINDIR=" + std::string(configured) +
                                                     " has no executable initdb and pg_ctl");
  }
  const fs::path preferred = "/usr/lib/postgresql/15/bin";
  if (hasServerTools(preferred)) return preferred.string();

  int best_version = -1;
  fs::path best;
  std::error_code error;
  for (fs::directory_iterator it("/usr/lib/postgresql", error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    int version = 0;
    const auto [rest, parse_error] =
        std::from_chars(name.data(), name.data() + name.size(), version);
    if (parse_error != std::errc() || rest != name.data() + name.size()) continue;
    if (version > best_version && hasServerTools(it->path() / "bin")) {
      best_version = version;
      best = it->path() / "bin";
    }
  }
  if (best_version >= 0) return best.string();
  return clusterError(
      ErrorCode::kUnavailable,
      "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin; "
      "install postgresql-15 or set PG_BINDIR");
}

bool runningAsRoot() {
  return ::geteuid() == 0;
}

const passwd* systemUser() {
  return ::getpwnam(kSystemUser);
}

std::string readFrom(const std::string& path, std::streamoff offset) {
  std::ifstream file(path);
  if (!file) return {};
  file.seekg(offset);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The last lines of what `path` gained after `offset`, for error messages.
std::string tailOfFile(const std::string& path, std::streamoff offset) {
  std::istringstream text(readFrom(path, offset));
  std::deque<std::string> lines;
  for (std::string line; std::getline(text, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > kLogTailLines) lines.pop_front();
  }
  std::string tail = "last lines of " + path + ":";
  for (const std::string& line : lines) tail += "\n  " + line;
  return tail;
}

std::streamoff fileSize(const std::string& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : static_cast<std::streamoff>(size);
}

Result<int> findFreePort() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0)
    return clusterError(ErrorCode::kIoError, std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool bound =
      ::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int saved_errno = errno;
  ::close(socket_fd);
  if (!bound) {
    return clusterError(ErrorCode::kIoError,
                        std::string("binding 127.0.0.1:0: ") + std::strerror(saved_errno));
  }
  return static_cast<int>(ntohs(address.sin_port));
}

// A single-quoted postgresql.conf string.
std::string configString(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) quoted += (c == '\'') ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

// A libpq connection-string value, quoted only when it has to be.
std::string connectionValue(const std::string& value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
  if (plain) return value;
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

Status giveToSystemUser(const std::string& path) {
  if (!runningAsRoot()) return {};
  const passwd* user = systemUser();
  if (user == nullptr || ::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    return clusterError(ErrorCode::kIoError, "cannot chown " + path + " to " + kSystemUser + ": " +
                                                 std::strerror(user == nullptr ? ENOENT : errno));
  }
  return {};
}

}  // namespace

std::optional<std::string> PostgresCluster::unavailableReason() {
  const Result<std::string> bin_directory = locateBinDirectory();
  if (!bin_directory.ok()) return bin_directory.error().message;
  if (runningAsRoot() && systemUser() == nullptr) {
    return std::string("running as root, and there is no `") + kSystemUser +
           "` user for initdb to run as";
  }
  return std::nullopt;
}

PostgresCluster::~PostgresCluster() {
  stop();
}

Status PostgresCluster::start() {
  if (!temp_directory_.empty()) {
    return clusterError(ErrorCode::kInvalidArgument,
                        "cluster in " + temp_directory_ + " already started");
  }
  if (const auto reason = unavailableReason()) {
    return clusterError(ErrorCode::kUnavailable, *reason);
  }
  Status started = initialize();
  if (started.ok()) started = startServer();
  if (!started.ok()) stop();
  return started;
}

Status PostgresCluster::initialize() {
  Result<std::string> bin_directory = locateBinDirectory();
  if (!bin_directory.ok()) return bin_directory.error();
  bin_directory_ = std::move(bin_directory).value();

  std::string path_template = "/tmp/cxgw-pg-XXXXXX";
  if (::mkdtemp(path_template.data()) == nullptr) {
    return clusterError(ErrorCode::kIoError, std::string("mkdtemp: ") + std::strerror(errno));
  }
  temp_directory_ = path_template;
  data_directory_ = temp_directory_ + "/data";
  command_log_ = temp_directory_ + "/commands.log";
  server_log_ = temp_directory_ + "/server.log";
  if (Status owned = giveToSystemUser(temp_directory_); !owned.ok()) return owned;

  Status initialized = runTool("initdb", {"-D", data_directory_, "-A", "trust", "-U", kSuperuser,
                                          "--no-sync", "-E", "UTF8", "--locale=C"});
  if (!initialized.ok()) return initialized;

  // The settings live in their own file so that each start attempt can rewrite the port.
  std::ofstream main_config(data_directory_ + "/postgresql.conf", std::ios::app);
  main_config << "\ninclude 'cxgw_test.conf'\n";
  if (!main_config.flush()) {
    return clusterError(ErrorCode::kIoError,
                        "cannot append to " + data_directory_ + "/postgresql.conf");
  }
  return {};
}

Status PostgresCluster::startServer() {
  const std::string settings_path = data_directory_ + "/cxgw_test.conf";
  for (int attempt = 1;; ++attempt) {
    Result<int> port = findFreePort();
    if (!port.ok()) return port.error();
    port_ = port.value();

    {
      std::ofstream settings(settings_path, std::ios::trunc);
      settings << "port = " << port_ << "\n"
               << "listen_addresses = '127.0.0.1'\n"
               << "unix_socket_directories = " << configString(temp_directory_) << "\n"
               << "max_connections = 100\n"
               << "fsync = off\n"
               << "synchronous_commit = off\n"
               << "full_page_writes = off\n"
               << "logging_collector = off\n"
               << "log_destination = 'stderr'\n";
      if (!settings.flush()) {
        return clusterError(ErrorCode::kIoError, "cannot write " + settings_path);
      }
    }
    if (Status owned = giveToSystemUser(settings_path); !owned.ok()) return owned;

    const std::streamoff log_offset = fileSize(server_log_);
    const Status started =
        runTool("pg_ctl", {"-D", data_directory_, "-l", server_log_, "-w", "-t", "60", "start"});
    if (started.ok()) {
      running_ = true;
      return {};
    }
    const bool port_taken =
        readFrom(server_log_, log_offset).find("Address already in use") != std::string::npos;
    if (!port_taken || attempt == kStartAttempts) {
      Error error = started.error();
      error.message += "\n" + tailOfFile(server_log_, log_offset);
      return error;
    }
  }
}

Status PostgresCluster::runTool(const std::string& tool,
                                const std::vector<std::string>& arguments) {
  std::vector<std::string> argv;
  if (runningAsRoot()) argv = {"runuser", "-u", kSystemUser, "--"};
  argv.push_back(bin_directory_ + "/" + tool);
  argv.insert(argv.end(), arguments.begin(), arguments.end());

  const std::streamoff log_offset = fileSize(command_log_);
  SpawnOptions options;
  options.argv = argv;
  options.working_directory = temp_directory_;
  options.output = SpawnOptions::Output::kAppendToFile;
  options.output_file = command_log_;
  const Result<int> exit_status = ChildProcess::run(options);
  if (!exit_status.ok()) return exit_status.error();
  if (exit_status.value() != 0) {
    return clusterError(ErrorCode::kUnavailable, tool + " exited with status " +
                                                     std::to_string(exit_status.value()) + "; " +
                                                     tailOfFile(command_log_, log_offset));
  }
  return {};
}

void PostgresCluster::stop() noexcept {
  if (temp_directory_.empty()) return;
  try {
    std::error_code error;
    if (fs::exists(data_directory_ + "/postmaster.pid", error)) {
      const Status fast = runTool("pg_ctl", {"-D", data_directory_, "-m", "fast", "-w", "stop"});
      if (!fast.ok()) {
        (void)runTool("pg_ctl", {"-D", data_directory_, "-m", "immediate", "-w", "stop"});
      }
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): removal below must still happen
  }
  std::error_code error;
  fs::remove_all(temp_directory_, error);
  if (error) {
    std::cerr << "PostgresCluster: cannot remove " << temp_directory_ << ": " << error.message()
              << "\n";
  }
  temp_directory_.clear();
  data_directory_.clear();
  command_log_.clear();
  server_log_.clear();
  port_ = 0;
  running_ = false;
}

namespace {

// Runs one statement that may not run inside a transaction block, on the `postgres` database.
Status executeOutsideTransaction(const std::string& connection_string,
                                 const std::string& statement_prefix, const std::string& name,
                                 const std::string& statement_suffix) {
  try {
    pqxx::connection connection(connection_string);
    pqxx::nontransaction work(connection);
    work.exec0(statement_prefix + connection.quote_name(name) + statement_suffix);
    return {};
  } catch (const pqxx::broken_connection& e) {
    return clusterError(ErrorCode::kUnavailable, e.what(), name);
  } catch (const std::exception& e) {
    return clusterError(ErrorCode::kInvalidArgument, e.what(), name);
  }
}

}  // namespace

Status PostgresCluster::createDatabase(const std::string& name) {
  if (!running_) return clusterError(ErrorCode::kUnavailable, "cluster is not running", name);
  return executeOutsideTransaction(connectionString(), "CREATE DATABASE ", name, "");
}

Status PostgresCluster::dropDatabase(const std::string& name) {
  if (!running_) return clusterError(ErrorCode::kUnavailable, "cluster is not running", name);
  return executeOutsideTransaction(connectionString(), "DROP DATABASE IF EXISTS ", name,
                                   " WITH (FORCE)");
}

std::string PostgresCluster::connectionString(const std::string& database) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + kSuperuser +
         " dbname=" + connectionValue(database);
}

std::string databaseNameForSuite(const std::string& suite_name) {
  constexpr size_t kMaxIdentifierBytes = 63;
  std::string name;
  for (const char c : suite_name) {
    const auto byte = static_cast<unsigned char>(c);
    name += std::isalnum(byte) ? static_cast<char>(std::tolower(byte)) : '_';
  }
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) {
    name = "suite_" + name;
  }
  if (name.size() > kMaxIdentifierBytes) name.resize(kMaxIdentifierBytes);
  return name;
}

namespace {

struct SharedCluster {
  PostgresCluster cluster;
  bool attempted = false;
  std::optional<std::string> skip_reason;
  std::optional<std::string> failure;
};

SharedCluster& sharedState() {
  static SharedCluster shared;
  return shared;
}

struct CurrentSuite {
  std::string database;
  std::optional<std::string> failure;
};

CurrentSuite& currentSuite() {
  static CurrentSuite suite;
  return suite;
}

// Runs after the last test of every iteration, failed or not.
class SharedClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    SharedCluster& shared = sharedState();
    shared.cluster.stop();
    shared.attempted = false;
    shared.skip_reason.reset();
    shared.failure.reset();
  }
};

// Registration at static initialisation is how GoogleTest lets a library add an environment.
// The environment does nothing unless a suite started the cluster.
[[maybe_unused]] ::testing::Environment* const kSharedClusterEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedClusterEnvironment);

}  // namespace

void PostgresTestSuite::SetUpTestSuite() {
  CurrentSuite& suite = currentSuite();
  suite = {};
  const ::testing::TestSuite* test_suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  suite.database = databaseNameForSuite(test_suite != nullptr ? test_suite->name() : "");

  SharedCluster& shared = sharedState();
  if (!shared.attempted) {
    shared.attempted = true;
    shared.skip_reason = PostgresCluster::unavailableReason();
    if (!shared.skip_reason) {
      if (const Status started = shared.cluster.start(); !started.ok()) {
        shared.failure = started.error().describe();
      }
    }
  }
  if (shared.skip_reason || shared.failure) return;
  if (const Status created = shared.cluster.createDatabase(suite.database); !created.ok()) {
    suite.failure = "cannot create test database: " + created.error().describe();
  }
}

void PostgresTestSuite::TearDownTestSuite() {
  CurrentSuite& suite = currentSuite();
  PostgresCluster& cluster = sharedState().cluster;
  if (cluster.running() && !suite.failure) {
    if (const Status dropped = cluster.dropDatabase(suite.database); !dropped.ok()) {
      ADD_FAILURE() << "cannot drop test database: " << dropped.error().describe();
    }
  }
  suite = {};
}

void PostgresTestSuite::SetUp() {
  const SharedCluster& shared = sharedState();
  if (shared.skip_reason) {
    std::cout << "SKIPPED: " << *shared.skip_reason << std::endl;
    GTEST_SKIP() << *shared.skip_reason;
  }
  if (shared.failure) FAIL() << "PostgreSQL test cluster did not start: " << *shared.failure;
  if (currentSuite().failure) FAIL() << *currentSuite().failure;
}

std::string PostgresTestSuite::connectionString() {
  return sharedState().cluster.connectionString(currentSuite().database);
}

const std::string& PostgresTestSuite::databaseName() {
  return currentSuite().database;
}

PostgresCluster& PostgresTestSuite::sharedCluster() {
  return sharedState().cluster;
}

}  // namespace cxgw::testing
