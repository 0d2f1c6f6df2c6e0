#include "jsonld_bundled_contexts.hpp"

namespace cxgw::schemas {
namespace {

// The URLs real connectors put into @context. One file may serve several URLs: W3C ODRL is
// referenced over http and https, and the Catena-X 2025-09 ODRL context has the same content as
// the DSP 2025-1 ODRL profile.
constexpr BundledContext kBundledContexts[] = {
    {"http://www.w3.org/ns/odrl.jsonld", "w3c-odrl-2.2.jsonld"},
    {"https://www.w3.org/ns/odrl.jsonld", "w3c-odrl-2.2.jsonld"},
    {"https://w3id.org/catenax/2025/9/policy/context.jsonld", "catenax-policy-2025-9.jsonld"},
    {"https://w3id.org/catenax/2025/9/policy/odrl.jsonld", "dspace-2025-1-odrl-profile.jsonld"},
    {"https://w3id.org/tractusx/policy/v1.0.0", "tractusx-policy-v1.0.0.jsonld"},
    {"https://w3id.org/tractusx/auth/v1.0.0", "tractusx-auth-v1.0.0.jsonld"},
    {"https://w3id.org/dspace/2025/1/context.jsonld", "dspace-2025-1.jsonld"},
    {"https://w3id.org/dspace/2025/1/odrl-profile.jsonld", "dspace-2025-1-odrl-profile.jsonld"},
    {"https://w3id.org/dspace/2024/1/context.json", "dspace-2024-1.jsonld"},
    {"https://w3id.org/dspace/v0.8/context.json", "dspace-v0.8.jsonld"},
};

}  // namespace

std::span<const BundledContext> bundledContexts() {
  return kBundledContexts;
}

}  // namespace cxgw::schemas
