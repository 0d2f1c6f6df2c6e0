#include "cxgw/gateway/admin/health_routes.hpp"

#include <memory>

#include "cxgw/core/json_text.hpp"
#include "cxgw/core/version.hpp"

namespace cxgw::gateway {

void addHealthRoutes(Router& router, std::vector<ReadinessCheck> checks,
                     const MetricsRegistry& metrics) {
  router.add("GET", "/healthz", Handler([](const HttpRequest&) {
               return HttpResponse::json(200, std::string("{\"status\":\"ok\",\"version\":") +
                                                  json::quote(versionString()) + "}");
             }));

  auto shared_checks = std::make_shared<const std::vector<ReadinessCheck>>(std::move(checks));
  router.add("GET", "/readyz", Handler([shared_checks](const HttpRequest&) {
               bool all_ready = true;
               std::string items;
               for (const ReadinessCheck& check : *shared_checks) {
                 const DependencyStatus status = check();
                 all_ready = all_ready && status.ready;
                 if (!items.empty()) items.push_back(',');
                 items += "{\"name\":" + json::quote(status.name) +
                          ",\"ready\":" + (status.ready ? "true" : "false") +
                          ",\"detail\":" + json::quote(status.detail) + "}";
               }
               return HttpResponse::json(all_ready ? 200 : 503,
                                         std::string("{\"status\":\"") +
                                             (all_ready ? "ready" : "not_ready") +
                                             "\",\"checks\":[" + items + "]}");
             }));

  router.add("GET", "/metrics", Handler([&metrics](const HttpRequest&) {
               return HttpResponse::text(200, metrics.renderPrometheusText(),
                                         "text/plain; version=0.0.4; charset=utf-8");
             }));
}

std::vector<ReadinessCheck> httpsServerReadiness(const HttpsServer& server) {
  std::vector<ReadinessCheck> checks;
  checks.emplace_back([&server] {
    const bool draining = server.draining();
    return DependencyStatus{"listener", !draining,
                            draining
                                ? "shutting down; finishing in-flight requests"
                                : "accepting connections on port " + std::to_string(server.port())};
  });
  checks.emplace_back([&server] {
    using namespace std::chrono;
    const auto left = server.certificateNotAfter() - system_clock::now();
    const auto days = duration_cast<hours>(left).count() / 24;
    if (left <= system_clock::duration::zero()) {
      return DependencyStatus{"tls_certificate", false, "server certificate has expired"};
    }
    return DependencyStatus{"tls_certificate", true,
                            "server certificate valid for " + std::to_string(days) + " more days"};
  });
  return checks;
}

}  // namespace cxgw::gateway
