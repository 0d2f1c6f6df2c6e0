#pragma once
// Process metrics in the Prometheus text exposition format (version 0.0.4).
//
// A MetricsRegistry owns metric families; a family owns one series per label-value tuple.
// References returned by the registry and by withLabels() stay valid for the registry's
// lifetime, so hot paths may look a series up once and keep it. All operations are
// thread-safe; updating a series is lock-free, looking one up takes the family's mutex.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cxgw {

class Counter {
 public:
  void increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void add(int64_t by) { value_.fetch_add(by, std::memory_order_relaxed); }
  void set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

  const std::vector<double>& upperBounds() const { return upper_bounds_; }
  // Per-bucket (not cumulative) counts; the last entry is the +Inf bucket.
  std::vector<uint64_t> bucketCounts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  const std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum in millionths, to stay lock-free
};

template <typename Series>
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> buckets = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        buckets_(std::move(buckets)) {}

  // The series for these label values (one per label name, in order); created on first use.
  Series& withLabels(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return label_names_; }

  // Calls fn(label values, series) for every series, in label order.
  template <typename Fn>
  void forEach(Fn&& fn) const {
    std::lock_guard lock(mutex_);
    for (const auto& [labels, series] : series_) fn(labels, *series);
  }

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> buckets_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class MetricsRegistry {
 public:
  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]*. Asking again for a family of the same name and
  // kind returns the existing one (its label names must match); the same name for another
  // kind is a bug and asserts.
  MetricFamily<Counter>& counterFamily(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names);
  MetricFamily<Gauge>& gaugeFamily(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names);
  MetricFamily<Histogram>& histogramFamily(const std::string& name, const std::string& help,
                                           std::vector<std::string> label_names,
                                           std::vector<double> upper_bounds);

  // Unlabelled shorthands.
  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);

  std::string renderPrometheusText() const;

 private:
  void claimName(const std::string& name);

  mutable std::mutex mutex_;
  std::vector<std::string> order_;
  std::map<std::string, std::unique_ptr<MetricFamily<Counter>>> counters_;
  std::map<std::string, std::unique_ptr<MetricFamily<Gauge>>> gauges_;
  std::map<std::string, std::unique_ptr<MetricFamily<Histogram>>> histograms_;
};

}  // namespace cxgw
