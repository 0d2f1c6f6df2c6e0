#include "cxgw/core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cxgw {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MetricsRegistry, RendersCountersWithEscapedLabels) {
  MetricsRegistry registry;
  auto& family = registry.counterFamily("cx_requests_total", "Requests", {"route", "status"});
  family.withLabels({"/a", "200"}).increment(3);
  family.withLabels({"/b\"x\\\n", "404"}).increment();
  const std::string text = registry.renderPrometheusText();
  EXPECT_TRUE(
      contains(text, "# HELP cx_requests_total Requests\n# TYPE cx_requests_total counter\n"));
  EXPECT_TRUE(contains(text, "cx_requests_total{route=\"/a\",status=\"200\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "cx_requests_total{route=\"/b\\\"x\\\\\\n\",status=\"404\"} 1\n"))
      << text;
}

TEST(MetricsRegistry, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  auto& histogram =
      registry.histogramFamily("cx_latency_seconds", "Latency", {}, {0.1, 1.0}).withLabels({});
  histogram.observe(0.05);
  histogram.observe(0.5);
  histogram.observe(0.7);
  histogram.observe(5.0);
  const std::string text = registry.renderPrometheusText();
  EXPECT_TRUE(contains(text, "cx_latency_seconds_bucket{le=\"0.1\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "cx_latency_seconds_bucket{le=\"1\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "cx_latency_seconds_bucket{le=\"+Inf\"} 4\n")) << text;
  EXPECT_TRUE(contains(text, "cx_latency_seconds_count 4\n")) << text;
  EXPECT_TRUE(contains(text, "cx_latency_seconds_sum 6.25\n")) << text;
}

TEST(MetricsRegistry, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry registry;
  Counter& counter = registry.counter("cx_events_total", "Events");
  Gauge& gauge = registry.gauge("cx_open", "Open");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.increment();
        gauge.add(1);
        gauge.add(-1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40000U);
  EXPECT_EQ(gauge.value(), 0);
  EXPECT_TRUE(contains(registry.renderPrometheusText(), "cx_events_total 40000\n"));
}

}  // namespace
}  // namespace cxgw

namespace cxgw {
namespace {

TEST(MetricsRegistry, AskingForAFamilyAgainReturnsTheSameOne) {
  MetricsRegistry registry;
  auto& first = registry.counterFamily("cx_shared_total", "Shared", {"source"});
  auto& second = registry.counterFamily("cx_shared_total", "Shared", {"source"});
  EXPECT_EQ(&first, &second);
  first.withLabels({"a"}).increment();
  second.withLabels({"a"}).increment();
  EXPECT_NE(registry.renderPrometheusText().find("cx_shared_total{source=\"a\"} 2\n"), std::string::npos);
}

}  // namespace
}  // namespace cxgw
