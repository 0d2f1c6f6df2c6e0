#pragma once
// Readiness of the gateway's dependencies, reported by GET /readyz.
//
// Each component that the gateway depends on at run time (TLS material, the store, ERP
// sources, …) contributes one check. A check is called on every /readyz request from an I/O
// thread, so it must be cheap and must not block: report a state that the component keeps
// up to date, never probe the dependency inline.

#include <functional>
#include <string>
#include <vector>

namespace cxgw {

struct DependencyStatus {
  std::string name;  // e.g. "tls", "store"
  bool ready = false;
  std::string detail;  // one sentence for operators; never a secret
};

using ReadinessCheck = std::function<DependencyStatus()>;

}  // namespace cxgw
