#pragma once
// Watches a StateStore from a thread of its own, so that /readyz and /metrics report on the
// store without touching it from an I/O thread: every interval it reads the counts and keeps
// the outcome. Gauges: cxgw_store_twins, cxgw_store_aspects, cxgw_store_last_change_sequence,
// cxgw_store_quarantined_rows.
//
// Thread-safe; the destructor stops and joins the thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "cxgw/core/metrics.hpp"
#include "cxgw/core/readiness.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::store {

class StoreHealthMonitor {
 public:
  StoreHealthMonitor(StateStore& store, std::string backend_name, MetricsRegistry& metrics,
                     std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~StoreHealthMonitor();
  StoreHealthMonitor(const StoreHealthMonitor&) = delete;
  StoreHealthMonitor& operator=(const StoreHealthMonitor&) = delete;

  // Not ready while the store cannot be read; the detail names the backend and the counts or
  // the error.
  ReadinessCheck readinessCheck() const;

 private:
  void probe();

  StateStore& store_;
  const std::string backend_name_;
  const std::chrono::milliseconds interval_;
  Gauge& twins_;
  Gauge& aspects_;
  Gauge& last_change_;
  Gauge& quarantined_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  DependencyStatus status_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cxgw::store
