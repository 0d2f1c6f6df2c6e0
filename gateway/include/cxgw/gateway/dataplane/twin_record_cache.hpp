#pragma once
// The twins that data requests check (exists, not withdrawn, visible to the partner), kept in
// memory so that a request for a hot twin does not read it from the store each time.
//
// The same rules as ProcessRecordCache: what is kept is trusted only while the store tells of
// every change (StateStore::hearsEveryChange(): with PostgreSQL, while its LISTEN connection is
// up), and for `max_age` at most besides. Every commit the store announces (onChange(): one
// that changed a twin's visibility or asset ids, withdrew it or changed an aspect, on any
// replica) empties the cache, so a twin taken from a partner is gone for it as soon as the
// announcement arrives. A twin read while a commit was announced is not kept; a twin that does
// not exist is not kept either (gateway/src/dataplane/kept_records.hpp).
//
// Thread-safety: twin() from any thread. Destroy the cache before the store.

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

struct TwinRecordCacheSettings {
  std::chrono::milliseconds max_age{1000};
  size_t max_entries = 10000;  // about 5 MB of twins at most
};

struct TwinRecordCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
};

class TwinRecordCache {
 public:
  TwinRecordCache(store::StateStore& store, TwinRecordCacheSettings settings = {});
  ~TwinRecordCache();
  TwinRecordCache(const TwinRecordCache&) = delete;
  TwinRecordCache& operator=(const TwinRecordCache&) = delete;

  // As store::StateStore::twin() gives it, from memory when kept.
  Result<std::optional<store::StoredTwin>> twin(const std::string& global_asset_id,
                                                Reach reach = Reach::kStore);

  TwinRecordCacheStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxgw::gateway
