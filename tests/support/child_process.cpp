#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace cxgw::testing {
namespace {

Error spawnError(const std::string& message) {
  Error error;
  error.code = ErrorCode::kIoError;
  error.message = message;
  return error;
}

int decodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::vector<std::string> mergedEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::string name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& [key, value] : overrides) replaced = replaced || key == name;
    if (!replaced) merged.push_back(text);
  }
  for (const auto& [key, value] : overrides) merged.push_back(key + "=" + value);
  return merged;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(const SpawnOptions& options) {
  int pipe_fds[2] = {-1, -1};
  if (options.output == SpawnOptions::Output::kPipe && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return spawnError(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (options.output == SpawnOptions::Output::kPipe) {
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.output_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  if (!options.working_directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);

  std::vector<char*> arguments;
  for (const std::string& argument : options.argv) {
    arguments.push_back(const_cast<char*>(argument.c_str()));
  }
  arguments.push_back(nullptr);
  std::vector<std::string> environment = mergedEnvironment(options.environment);
  std::vector<char*> env_pointers;
  for (std::string& entry : environment) env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_result =
      posix_spawnp(&pid, arguments[0], &actions, nullptr, arguments.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  if (spawn_result != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    return spawnError("cannot run " + options.argv.at(0) + ": " + std::strerror(spawn_result));
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, pipe_fds[0]));
}

Result<int> ChildProcess::run(const SpawnOptions& options) {
  auto child = spawn(options);
  if (!child) return child.error();
  if (child.value()->output_fd_ >= 0) child.value()->readAll(std::chrono::hours(24));
  return *child.value()->waitFor(std::chrono::hours(24));
}

ChildProcess::~ChildProcess() {
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (output_fd_ >= 0) ::close(output_fd_);
}

bool ChildProcess::fillBuffer(std::chrono::steady_clock::time_point deadline) {
  if (output_fd_ < 0) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd descriptor{output_fd_, POLLIN, 0};
  const int ready = ::poll(&descriptor, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
  if (ready <= 0) return false;
  char chunk[4096];
  const ssize_t n = ::read(output_fd_, chunk, sizeof chunk);
  if (n <= 0) {
    ::close(output_fd_);
    output_fd_ = -1;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  all_output_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> ChildProcess::readLine(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    if (!fillBuffer(deadline)) {
      if (output_fd_ < 0 && !buffer_.empty()) return std::exchange(buffer_, {});
      return std::nullopt;
    }
  }
}

const std::string& ChildProcess::readAll(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fillBuffer(deadline)) {
  }
  buffer_.clear();
  return all_output_;
}

void ChildProcess::sendSignal(int signal_number) {
  if (!exit_status_) ::kill(pid_, signal_number);
}

std::optional<int> ChildProcess::waitFor(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_status_ = decodeWaitStatus(status);
      return exit_status_;
    }
    if (done < 0 && errno != EINTR) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace cxgw::testing
