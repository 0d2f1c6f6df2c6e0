#pragma once
// The transfer processes and agreements that data requests check (EdrGate), kept in memory so
// that a request with a token in use does not read them from the store each time.
//
// What is kept is trusted only while the store tells of every change (ProcessStore::
// hearsEveryChange(): with PostgreSQL, while its LISTEN connection is up), and for `max_age` at
// most besides. Every change the store announces (onChange(): a transfer suspended, completed or
// terminated, a token refreshed, an agreement retired, on any replica or by hand in SQL) empties
// the cache, so a revoked transfer's tokens stop working as soon as the announcement arrives: on
// the replica that made the change, before its update returns. A record read from the store
// while a change was announced is not kept, so a stale copy cannot slip in behind it. Records
// that do not exist are not kept either: a transfer created later is found at once. At most
// `max_entries` records of each kind are kept; when full, the cache starts afresh
// (gateway/src/dataplane/kept_records.hpp).
//
// Thread-safety: transfer() and agreement() from any thread. Destroy the cache before the store.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dataplane/record_reach.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::gateway {

struct ProcessRecordCacheSettings {
  std::chrono::milliseconds max_age{1000};
  size_t max_entries = 1000;  // of each kind; about 2 MB at most
};

struct ProcessRecordCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
};

class ProcessRecordCache {
 public:
  ProcessRecordCache(store::ProcessStore& store, ProcessRecordCacheSettings settings = {});
  ~ProcessRecordCache();
  ProcessRecordCache(const ProcessRecordCache&) = delete;
  ProcessRecordCache& operator=(const ProcessRecordCache&) = delete;

  // As store::ProcessStore::transfer() and agreement() give them, from memory when kept.
  Result<std::optional<store::TransferProcessRecord>> transfer(const std::string& id,
                                                               Reach reach = Reach::kStore);
  Result<std::optional<store::ContractAgreementRecord>> agreement(const std::string& id,
                                                                  Reach reach = Reach::kStore);

  ProcessRecordCacheStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxgw::gateway
