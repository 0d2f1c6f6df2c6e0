#pragma once
// Operational endpoints: GET /healthz (liveness), GET /readyz (readiness with per-dependency
// detail; 503 when any dependency is not ready) and GET /metrics (Prometheus text format).

#include <vector>

#include "cxgw/core/metrics.hpp"
#include "cxgw/core/readiness.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "cxgw/gateway/http/router.hpp"

namespace cxgw::gateway {

// `metrics` must outlive the router; checks are called on every /readyz request.
void addHealthRoutes(Router& router, std::vector<ReadinessCheck> checks,
                     const MetricsRegistry& metrics);

// The server's own readiness: "listener" (not ready once shutdown has begun, so that load
// balancers stop sending) and "tls_certificate" (not ready once the certificate has expired).
// `server` must outlive the checks.
std::vector<ReadinessCheck> httpsServerReadiness(const HttpsServer& server);

}  // namespace cxgw::gateway
