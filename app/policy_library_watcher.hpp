#pragma once
// The policy library of a running gateway: loaded from policies.directory at start, reloaded
// on SIGHUP and when a policy file changes (polled). A library that fails validation never
// replaces the working one; the failure is logged with file and location, counted in
// cxgw_policy_library_reloads_total{result="rejected"} and shown in the /readyz detail.
//
// Thread-safety: current() and readinessCheck() may be called from any thread; the watcher's
// own thread swaps the snapshot atomically. Destruction stops the thread.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cxgw/core/metrics.hpp"
#include "cxgw/core/readiness.hpp"
#include "cxgw/core/result.hpp"
#include "cxgw/policies/policy_library.hpp"

namespace cxgw::app {

class PolicyLibraryWatcher {
 public:
  // Loads the library; fails with the first error (file, location) when it is invalid. Installs
  // the SIGHUP handler that requests a reload.
  static Result<std::unique_ptr<PolicyLibraryWatcher>> start(
      std::filesystem::path directory, MetricsRegistry& metrics,
      std::chrono::milliseconds poll_interval);
  ~PolicyLibraryWatcher();
  PolicyLibraryWatcher(const PolicyLibraryWatcher&) = delete;
  PolicyLibraryWatcher& operator=(const PolicyLibraryWatcher&) = delete;

  std::shared_ptr<const policies::PolicyLibrary> current() const;
  ReadinessCheck readinessCheck() const;

 private:
  PolicyLibraryWatcher(std::filesystem::path directory, MetricsRegistry& metrics,
                       std::chrono::milliseconds poll_interval);
  // Loads and swaps in a valid library; returns the first error otherwise.
  Status reload(const char* trigger);
  void run();

  const std::filesystem::path directory_;
  const std::chrono::milliseconds poll_interval_;
  Counter& loaded_;
  Counter& rejected_;
  std::atomic<std::shared_ptr<const policies::PolicyLibrary>> library_;
  mutable std::mutex status_mutex_;
  std::string last_error_;   // of the newest rejected reload, cleared by a successful one
  std::string fingerprint_;  // watcher thread only
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cxgw::app
