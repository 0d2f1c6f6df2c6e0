#include "cxgw/core/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace cxgw {
namespace {

bool validMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void appendLabelValue(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

std::string formatNumber(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

// `{a="x",b="y"}` or "" when there are no labels; `extra` appends one more pair (le=…).
std::string labelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     const std::string& extra_name = "", const std::string& extra_value = "") {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += names[i] + "=\"";
    appendLabelValue(out, values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out.push_back(',');
    out += extra_name + "=\"" + extra_value + "\"";
  }
  out.push_back('}');
  return out;
}

void appendHeader(std::string& out, const std::string& name, const std::string& help,
                  const char* type) {
  out += "# HELP " + name + " " + help + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds_.size() + 1)) {
  assert(std::is_sorted(upper_bounds_.begin(), upper_bounds_.end()));
}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  buckets_[static_cast<size_t>(it - upper_bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(value * 1e6)),
                          std::memory_order_relaxed);
  }
}

std::vector<uint64_t> Histogram::bucketCounts() const {
  std::vector<uint64_t> counts(upper_bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i)
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
  return counts;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

template <typename Series>
Series& MetricFamily<Series>::withLabels(const std::vector<std::string>& values) {
  assert(values.size() == label_names_.size());
  std::lock_guard lock(mutex_);
  auto& slot = series_[values];
  if (!slot) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      slot = std::make_unique<Histogram>(buckets_);
    } else {
      slot = std::make_unique<Series>();
    }
  }
  return *slot;
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

void MetricsRegistry::claimName(const std::string& name) {
  assert(validMetricName(name));
  assert(std::find(order_.begin(), order_.end(), name) == order_.end());
  order_.push_back(name);
}

MetricFamily<Counter>& MetricsRegistry::counterFamily(const std::string& name,
                                                      const std::string& help,
                                                      std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  if (const auto it = counters_.find(name); it != counters_.end()) {
    assert(it->second->labelNames() == label_names);
    return *it->second;
  }
  claimName(name);
  auto& slot = counters_[name];
  slot = std::make_unique<MetricFamily<Counter>>(name, help, std::move(label_names));
  return *slot;
}

MetricFamily<Gauge>& MetricsRegistry::gaugeFamily(const std::string& name, const std::string& help,
                                                  std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  if (const auto it = gauges_.find(name); it != gauges_.end()) {
    assert(it->second->labelNames() == label_names);
    return *it->second;
  }
  claimName(name);
  auto& slot = gauges_[name];
  slot = std::make_unique<MetricFamily<Gauge>>(name, help, std::move(label_names));
  return *slot;
}

MetricFamily<Histogram>& MetricsRegistry::histogramFamily(const std::string& name,
                                                          const std::string& help,
                                                          std::vector<std::string> label_names,
                                                          std::vector<double> upper_bounds) {
  std::lock_guard lock(mutex_);
  if (const auto it = histograms_.find(name); it != histograms_.end()) {
    assert(it->second->labelNames() == label_names);
    return *it->second;
  }
  claimName(name);
  auto& slot = histograms_[name];
  slot = std::make_unique<MetricFamily<Histogram>>(name, help, std::move(label_names),
                                                   std::move(upper_bounds));
  return *slot;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help) {
  return counterFamily(name, help, {}).withLabels({});
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help) {
  return gaugeFamily(name, help, {}).withLabels({});
}

std::string MetricsRegistry::renderPrometheusText() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const std::string& name : order_) {
    if (const auto c = counters_.find(name); c != counters_.end()) {
      const auto& family = *c->second;
      appendHeader(out, name, family.help(), "counter");
      family.forEach([&](const std::vector<std::string>& labels, const Counter& series) {
        out += name + labelSet(family.labelNames(), labels) + " " + std::to_string(series.value()) +
               "\n";
      });
    } else if (const auto g = gauges_.find(name); g != gauges_.end()) {
      const auto& family = *g->second;
      appendHeader(out, name, family.help(), "gauge");
      family.forEach([&](const std::vector<std::string>& labels, const Gauge& series) {
        out += name + labelSet(family.labelNames(), labels) + " " + std::to_string(series.value()) +
               "\n";
      });
    } else if (const auto h = histograms_.find(name); h != histograms_.end()) {
      const auto& family = *h->second;
      appendHeader(out, name, family.help(), "histogram");
      family.forEach([&](const std::vector<std::string>& labels, const Histogram& series) {
        const std::vector<uint64_t> counts = series.bucketCounts();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          const std::string le = i < series.upperBounds().size()
                                     ? formatNumber(series.upperBounds()[i])
                                     : std::string("+Inf");
          out += name + "_bucket" + labelSet(family.labelNames(), labels, "le", le) + " " +
                 std::to_string(cumulative) + "\n";
        }
        out += name + "_sum" + labelSet(family.labelNames(), labels) + " " +
               formatNumber(series.sum()) + "\n";
        out += name + "_count" + labelSet(family.labelNames(), labels) + " " +
               std::to_string(cumulative) + "\n";
      });
    }
  }
  return out;
}

}  // namespace cxgw
