#include "cxgw/adapters/sync_scheduler.hpp"

#include <algorithm>

#include "cxgw/core/logging.hpp"

namespace cxgw::adapters {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kMaxBackoff{300'000};
constexpr std::chrono::milliseconds kWaitSlice{250};  // how quickly stop() is noticed

std::string ago(std::chrono::system_clock::time_point when) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - when)
          .count();
  return std::to_string(std::max<int64_t>(0, seconds)) + " s ago";
}

}  // namespace

SyncScheduler::SyncScheduler(Mapping mapping, store::StateStore& store,
                             const schemas::SchemaRegistry& schemas, std::string supplier_bpnl,
                             Environment environment, MetricsRegistry& metrics)
    : mapping_(std::move(mapping)),
      store_(store),
      schemas_(schemas),
      supplier_bpnl_(std::move(supplier_bpnl)),
      environment_(std::move(environment)),
      metrics_(metrics),
      runs_(metrics.counterFamily("cxgw_sync_runs_total", "Sync runs, by source and outcome",
                                  {"source", "outcome"})),
      rows_(metrics.counterFamily("cxgw_sync_rows_total", "ERP rows read, by source and stream",
                                  {"source", "stream"})),
      quarantined_(metrics.counterFamily("cxgw_sync_quarantined_total",
                                         "Rows quarantined (not served), by source and stream",
                                         {"source", "stream"})),
      last_success_(metrics
                        .gaugeFamily("cxgw_sync_last_success_timestamp_seconds",
                                     "Unix time of the last successful sync, by source", {"source"})
                        .withLabels({mapping_.source.name})) {
  health_.source = mapping_.source.name;
}

SyncScheduler::~SyncScheduler() {
  stop();
}

void SyncScheduler::start() {
  thread_ = std::thread([this] { loop(); });
}

void SyncScheduler::stop() {
  stopping_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SourceHealth SyncScheduler::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

ReadinessCheck SyncScheduler::readinessCheck() const {
  return [this] {
    const SourceHealth h = health();
    std::string detail;
    if (!h.ever_synced) {
      detail = h.last_error.empty() ? "first sync in progress"
                                    : "never synced; last error: " + h.last_error;
    } else if (h.last_error.empty()) {
      detail = "last successful sync " + ago(h.last_success);
    } else {
      detail = "stale: last successful sync " + ago(h.last_success) + "; " +
               std::to_string(h.consecutive_failures) +
               " failures since; last error: " + h.last_error;
    }
    return DependencyStatus{"source:" + h.source, true, detail};
  };
}

void SyncScheduler::sleepFor(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return stopping_.load(); });
}

void SyncScheduler::loop() {
  const std::string& name = mapping_.source.name;
  std::unique_ptr<SourceConnector> source;
  std::chrono::milliseconds backoff = kFirstBackoff;
  while (!stopping_) {
    Status outcome;
    if (!source) {
      auto connected = connectPostgresSource(mapping_.source, environment_);
      if (connected) {
        source = std::move(connected).value();
      } else {
        outcome = connected.error();
      }
    }
    if (source) {
      // Until a sync has succeeded (the initial load, which may be large), the run reads
      // ahead on connections of its own; the small incremental runs after it do without.
      bool initial = false;
      {
        std::lock_guard lock(mutex_);
        initial = !health_.ever_synced;
      }
      const auto lookahead =
          initial ? connectReadAhead(mapping_.source, environment_, kReadAheadConnections)
                  : std::vector<std::unique_ptr<SourceConnector>>{};
      SyncEngine engine(mapping_, *source, store_, schemas_, supplier_bpnl_, lookahead);
      auto report = engine.run(SyncOptions{});
      if (report) {
        for (const auto& stream : report.value().streams) {
          rows_.withLabels({name, stream.stream}).increment(stream.rows);
          quarantined_.withLabels({name, stream.stream}).increment(stream.quarantined);
          if (stream.rows > 0) {
            logInfo("synced", {{"source", name},
                               {"stream", stream.stream},
                               {"rows", stream.rows},
                               {"aspects_changed", stream.aspects_changed},
                               {"withdrawn", stream.withdrawn},
                               {"quarantined", stream.quarantined}});
          }
        }
      } else {
        outcome = report.error();
        source.reset();  // reconnect next time; the connection may be what failed
      }
    }
    {
      std::lock_guard lock(mutex_);
      if (outcome) {
        health_.ever_synced = true;
        health_.last_success = std::chrono::system_clock::now();
        health_.last_error.clear();
        health_.consecutive_failures = 0;
      } else {
        health_.last_error = outcome.error().describe();
        ++health_.consecutive_failures;
      }
    }
    if (outcome) {
      runs_.withLabels({name, "ok"}).increment();
      last_success_.set(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
      backoff = kFirstBackoff;
      // Wait for a change: a notification ends the wait early.
      const auto deadline = std::chrono::steady_clock::now() + mapping_.source.poll_interval;
      while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
        const auto slice = std::min<std::chrono::milliseconds>(
            kWaitSlice, std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now()));
        auto notified = source->awaitNotification(std::max(slice, std::chrono::milliseconds(1)));
        if (!notified) {
          source.reset();
          break;
        }
        if (notified.value()) break;
      }
    } else {
      runs_.withLabels({name, "failed"}).increment();
      logWarn("sync failed", {{"source", name},
                              {"error", outcome.error().describe()},
                              {"retry_in_ms", static_cast<int64_t>(backoff.count())}});
      sleepFor(backoff);
      backoff = std::min(
          {backoff * 2, std::max(mapping_.source.poll_interval, kFirstBackoff), kMaxBackoff});
    }
  }
}

}  // namespace cxgw::adapters
