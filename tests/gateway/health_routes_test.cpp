#include "cxgw/gateway/admin/health_routes.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace cxgw::gateway {
namespace {

HttpResponse get(const Router& router, const std::string& path) {
  const auto match = router.match("GET", Router::splitPath(path));
  EXPECT_EQ(match.outcome, Router::Match::Outcome::kFound) << path;
  HttpRequest request;
  HttpResponse out;
  (*match.handler)(request, [&out](HttpResponse response) { out = std::move(response); });
  return out;
}

TEST(ReadinessEndpoint, ReadyWhenEveryDependencyIsReady) {
  MetricsRegistry metrics;
  Router router;
  addHealthRoutes(router, {[] { return DependencyStatus{"store", true, "connected"}; }}, metrics);
  const HttpResponse response = get(router, "/readyz");
  EXPECT_EQ(response.status, 200U);
  rapidjson::Document body;
  body.Parse(response.body.c_str());
  ASSERT_FALSE(body.HasParseError()) << response.body;
  EXPECT_STREQ(body["status"].GetString(), "ready");
  EXPECT_STREQ(body["checks"][0]["name"].GetString(), "store");
  EXPECT_STREQ(body["checks"][0]["detail"].GetString(), "connected");
}

TEST(ReadinessEndpoint, NotReadyDependencyGives503WithDetail) {
  MetricsRegistry metrics;
  Router router;
  addHealthRoutes(router,
                  {[] {
                     return DependencyStatus{"store", true, "connected"};
                   },
                   [] {
                     return DependencyStatus{"erp", false, "last sync failed 3 times"};
                   }},
                  metrics);
  const HttpResponse response = get(router, "/readyz");
  EXPECT_EQ(response.status, 503U);
  rapidjson::Document body;
  body.Parse(response.body.c_str());
  ASSERT_FALSE(body.HasParseError()) << response.body;
  EXPECT_STREQ(body["status"].GetString(), "not_ready");
  EXPECT_FALSE(body["checks"][1]["ready"].GetBool());
  EXPECT_STREQ(body["checks"][1]["detail"].GetString(), "last sync failed 3 times");
}

TEST(MetricsEndpoint, ServesTheRegistryAsPrometheusText) {
  MetricsRegistry metrics;
  metrics.counter("cx_test_total", "A test counter").increment(7);
  Router router;
  addHealthRoutes(router, {}, metrics);
  const HttpResponse response = get(router, "/metrics");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.content_type.rfind("text/plain; version=0.0.4", 0), 0U);
  EXPECT_NE(response.body.find("cx_test_total 7\n"), std::string::npos) << response.body;
}

}  // namespace
}  // namespace cxgw::gateway
