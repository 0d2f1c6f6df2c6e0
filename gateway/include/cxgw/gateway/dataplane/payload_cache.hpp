#pragma once
// The data plane's cache of hot aspect payloads: the serialized bytes the store holds, kept in
// memory up to a byte budget, least recently used first out.
//
// Freshness comes from the store's change history, not from a time to live: a thread of the
// cache reads store::StateStore::changes() after the last position it has seen (every twin, the
// gateway's own view) whenever the store announces a commit (onChange(): LISTEN/NOTIFY with the
// PostgreSQL store, so commits of other replicas count) and once every `poll` besides, and drops
// every aspect listed. A payload read from the store while a change was being applied is not
// cached, so a stale copy cannot slip in behind its invalidation. A change the store still holds
// back behind an older open transaction is served from the cache, as it would be from the store,
// until the store lists it.
//
// Thread-safety: aspect() from any thread. The cache must outlive no one: destroy it before
// the store.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dataplane/record_reach.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::gateway {

struct PayloadCacheSettings {
  size_t max_bytes = 64 * 1024 * 1024;  // payload bytes held at most; 0 turns the cache off
  std::chrono::milliseconds poll{1000};
};

struct PayloadCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t invalidations = 0;  // entries dropped because their aspect changed
  size_t entries = 0;
  size_t bytes = 0;
};

class PayloadCache {
 public:
  PayloadCache(store::StateStore& store, PayloadCacheSettings settings);
  ~PayloadCache();
  PayloadCache(const PayloadCache&) = delete;
  PayloadCache& operator=(const PayloadCache&) = delete;

  // The aspect as store::StateStore::aspect() gives it, from memory when cached.
  Result<std::optional<std::shared_ptr<const store::StoredAspect>>> aspect(
      const std::string& global_asset_id, const std::string& aspect_urn,
      Reach reach = Reach::kStore);

  PayloadCacheStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxgw::gateway
