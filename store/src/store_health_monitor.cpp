#include "cxgw/store/store_health_monitor.hpp"

namespace cxgw::store {

StoreHealthMonitor::StoreHealthMonitor(StateStore& store, std::string backend_name,
                                       MetricsRegistry& metrics, std::chrono::milliseconds interval)
    : store_(store),
      backend_name_(std::move(backend_name)),
      interval_(interval),
      twins_(metrics.gauge("cxgw_store_twins", "Twins in the store, not withdrawn")),
      aspects_(metrics.gauge("cxgw_store_aspects", "Aspect payloads in the store, not withdrawn")),
      last_change_(
          metrics.gauge("cxgw_store_last_change_sequence", "Highest change sequence in the store")),
      quarantined_(metrics.gauge("cxgw_store_quarantined_rows", "Rows in the store's quarantine")) {
  status_ = DependencyStatus{"store", false, backend_name_ + ": not checked yet"};
  probe();
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      probe();
      lock.lock();
    }
  });
}

StoreHealthMonitor::~StoreHealthMonitor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StoreHealthMonitor::probe() {
  auto counts = store_.counts();
  DependencyStatus status{"store", counts.ok(), ""};
  if (counts) {
    twins_.set(static_cast<int64_t>(counts.value().twins));
    aspects_.set(static_cast<int64_t>(counts.value().aspects));
    last_change_.set(counts.value().last_change_sequence);
    quarantined_.set(static_cast<int64_t>(counts.value().quarantined_rows));
    status.detail = backend_name_ + ": " + std::to_string(counts.value().twins) + " twins, " +
                    std::to_string(counts.value().aspects) + " aspects, " +
                    std::to_string(counts.value().quarantined_rows) + " quarantined rows";
  } else {
    status.detail = backend_name_ + ": " + counts.error().message;
  }
  std::lock_guard lock(mutex_);
  status_ = std::move(status);
}

ReadinessCheck StoreHealthMonitor::readinessCheck() const {
  return [this] {
    std::lock_guard lock(mutex_);
    return status_;
  };
}

}  // namespace cxgw::store
