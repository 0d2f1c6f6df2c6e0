#pragma once
// Child processes for tests: PostgreSQL tools, and cxgw itself in end-to-end tests.
//
// The child gets stdin from /dev/null, its stdout and stderr either in a pipe the test reads
// (Output::kPipe) or appended to a file (Output::kAppendToFile), and no other descriptor of the
// test process, so that a daemon it leaves behind cannot hold the test runner's pipes open.
// Not thread-safe. The destructor kills (SIGKILL) and reaps a child that is still running.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::testing {

struct SpawnOptions {
  enum class Output { kPipe, kAppendToFile };

  std::vector<std::string> argv;                                 // argv[0] is looked up in PATH
  std::filesystem::path working_directory;                       // empty: the test's own
  std::vector<std::pair<std::string, std::string>> environment;  // added to, or replacing, ours
  Output output = Output::kPipe;
  std::filesystem::path output_file;  // for kAppendToFile
};

class ChildProcess {
 public:
  static Result<std::unique_ptr<ChildProcess>> spawn(const SpawnOptions& options);
  // Spawns and waits; the exit code, or 128 + the signal that ended the child.
  static Result<int> run(const SpawnOptions& options);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The next line of output (without '\n'); nullopt at end of output or after `timeout`.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  // Reads output until the child closes it or `timeout` passes; returns all output so far.
  const std::string& readAll(std::chrono::milliseconds timeout);

  void sendSignal(int signal_number);
  // The exit code (128 + signal when killed) once the child has ended; nullopt after `timeout`.
  std::optional<int> waitFor(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int output_fd) : pid_(pid), output_fd_(output_fd) {}
  bool fillBuffer(std::chrono::steady_clock::time_point deadline);

  pid_t pid_;
  int output_fd_;  // -1 without a pipe
  std::optional<int> exit_status_;
  std::string buffer_;      // output not yet returned by readLine
  std::string all_output_;  // everything read
};

}  // namespace cxgw::testing
