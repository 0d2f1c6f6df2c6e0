#include "policy_library_watcher.hpp"

#include <signal.h>

#include "cxgw/core/logging.hpp"
#include "policy_library_files.hpp"

namespace cxgw::app {
namespace {

std::atomic<bool> g_reload_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void requestPolicyReload(int) {
  g_reload_requested.store(true);
}

}  // namespace

PolicyLibraryWatcher::PolicyLibraryWatcher(std::filesystem::path directory,
                                           MetricsRegistry& metrics,
                                           std::chrono::milliseconds poll_interval)
    : directory_(std::move(directory)),
      poll_interval_(poll_interval),
      loaded_(metrics
                  .counterFamily("cxgw_policy_library_reloads_total",
                                 "Policy library loads, by result (loaded or rejected)", {"result"})
                  .withLabels({"loaded"})),
      rejected_(metrics
                    .counterFamily("cxgw_policy_library_reloads_total",
                                   "Policy library loads, by result (loaded or rejected)",
                                   {"result"})
                    .withLabels({"rejected"})) {}

Result<std::unique_ptr<PolicyLibraryWatcher>> PolicyLibraryWatcher::start(
    std::filesystem::path directory, MetricsRegistry& metrics,
    std::chrono::milliseconds poll_interval) {
  std::unique_ptr<PolicyLibraryWatcher> watcher(
      new PolicyLibraryWatcher(std::move(directory), metrics, poll_interval));
  if (Status status = watcher->reload("start"); !status) return status.error();
  struct sigaction action {};
  action.sa_handler = requestPolicyReload;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, nullptr);
  watcher->thread_ = std::thread([w = watcher.get()] { w->run(); });
  return watcher;
}

PolicyLibraryWatcher::~PolicyLibraryWatcher() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  signal(SIGHUP, SIG_DFL);
}

std::shared_ptr<const policies::PolicyLibrary> PolicyLibraryWatcher::current() const {
  return library_.load();
}

Status PolicyLibraryWatcher::reload(const char* trigger) {
  const std::string fingerprint = policyDirectoryFingerprint(directory_);
  const policies::PolicyLibraryBuilder builder = readPolicyDirectory(directory_);
  auto library = builder.build();
  fingerprint_ = fingerprint;
  if (!library) {
    const Error& error = library.error();
    rejected_.increment();
    {
      std::lock_guard lock(status_mutex_);
      last_error_ = error.describe();
    }
    logError("policy library rejected; the previous one stays in force",
             {{"trigger", trigger},
              {"directory", directory_.string()},
              {"file", error.file},
              {"location", error.key},
              {"error", error.message}});
    return error;
  }
  const auto& value = library.value();
  logInfo("policy library loaded", {{"trigger", trigger},
                                    {"directory", directory_.string()},
                                    {"policies", value->policies().size()},
                                    {"contract_definitions", value->contractDefinitions().size()},
                                    {"warnings", value->warnings().size()}});
  for (const policies::LintFinding& warning : value->warnings()) {
    logWarn("policy library warning", {{"finding", warning.describe()}});
  }
  library_.store(value);
  loaded_.increment();
  std::lock_guard lock(status_mutex_);
  last_error_.clear();
  return {};
}

void PolicyLibraryWatcher::run() {
  auto next_poll = std::chrono::steady_clock::now() + poll_interval_;
  while (!stop_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_reload_requested.exchange(false)) {
      (void)reload("SIGHUP");
      next_poll = std::chrono::steady_clock::now() + poll_interval_;
      continue;
    }
    if (std::chrono::steady_clock::now() < next_poll) continue;
    next_poll = std::chrono::steady_clock::now() + poll_interval_;
    if (policyDirectoryFingerprint(directory_) != fingerprint_) (void)reload("file change");
  }
}

ReadinessCheck PolicyLibraryWatcher::readinessCheck() const {
  return [this] {
    const auto library = current();
    std::string detail = std::to_string(library->policies().size()) + " policies, " +
                         std::to_string(library->contractDefinitions().size()) +
                         " contract definitions from " + directory_.string();
    std::lock_guard lock(status_mutex_);
    if (!last_error_.empty()) detail += "; the newest change was rejected: " + last_error_;
    return DependencyStatus{"policies", true, detail};
  };
}

}  // namespace cxgw::app
