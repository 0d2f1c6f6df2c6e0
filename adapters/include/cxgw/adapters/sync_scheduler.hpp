#pragma once
// Keeps one ERP source in sync while `cxgw serve` runs, on a thread of its own.
//
// Loop: an incremental sync; then wait for a NOTIFY on the mapping's channel (a change is then
// synced at once) or for the poll interval. When the source cannot be reached or a sync
// fails, it reconnects and retries with exponential backoff (1 s doubling up to the poll
// interval, at most 5 min). The store keeps serving the last-known data meanwhile; staleness
// shows in health(), the readiness detail and the metrics:
//   cxgw_sync_runs_total{source,outcome}, cxgw_sync_rows_total{source,stream},
//   cxgw_sync_quarantined_total{source,stream}, cxgw_sync_last_success_timestamp_seconds{source}
//   (the store's own gauges, quarantined rows among them, are store::StoreHealthMonitor's).
//
// Thread-safe: health() from any thread. The destructor stops the loop and joins the thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/adapters/sync_engine.hpp"
#include "cxgw/core/config.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/core/readiness.hpp"

namespace cxgw::adapters {

struct SourceHealth {
  std::string source;
  bool ever_synced = false;
  std::chrono::system_clock::time_point last_success;
  std::string last_error;  // of the latest attempt; empty when it succeeded
  uint64_t consecutive_failures = 0;
};

class SyncScheduler {
 public:
  // References must outlive the scheduler.
  SyncScheduler(Mapping mapping, store::StateStore& store, const schemas::SchemaRegistry& schemas,
                std::string supplier_bpnl, Environment environment, MetricsRegistry& metrics);
  ~SyncScheduler();
  SyncScheduler(const SyncScheduler&) = delete;
  SyncScheduler& operator=(const SyncScheduler&) = delete;

  void start();
  void stop();
  SourceHealth health() const;

  // Ready whatever the source's state (the last-known data is served); the detail says how
  // fresh the data is, or why it is stale.
  ReadinessCheck readinessCheck() const;

 private:
  void loop();
  void sleepFor(std::chrono::milliseconds duration);

  const Mapping mapping_;
  store::StateStore& store_;
  const schemas::SchemaRegistry& schemas_;
  const std::string supplier_bpnl_;
  const Environment environment_;
  MetricsRegistry& metrics_;
  MetricFamily<Counter>& runs_;
  MetricFamily<Counter>& rows_;
  MetricFamily<Counter>& quarantined_;
  Gauge& last_success_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  SourceHealth health_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cxgw::adapters
