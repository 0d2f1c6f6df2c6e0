#pragma once
// How both stores quarantine an aspect whose twin does not exist.

#include <string>

#include "cxgw/store/state_store.hpp"

namespace cxgw::store {

inline constexpr const char* kOrphanedAspectField = "/globalAssetId";

// The reason is prefix + globalAssetId + suffix; the PostgreSQL store builds it in SQL.
inline std::string orphanedReasonPrefix() {
  return "no twin ";
}
inline std::string orphanedReasonSuffix() {
  return " exists (its twin row was not synced, was filtered out or was quarantined)";
}

inline QuarantineEntry orphanedAspectEntry(const AspectPayload& aspect) {
  return QuarantineEntry{aspect.row_key, aspect.aspect_urn, kOrphanedAspectField,
                         orphanedReasonPrefix() + aspect.global_asset_id + orphanedReasonSuffix(),
                         aspect.payload};
}

}  // namespace cxgw::store
