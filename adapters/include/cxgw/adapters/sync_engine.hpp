#pragma once
// Moves data from an ERP source into the store, as a mapping says.
//
// A run syncs every twin class (its twins, then its deleted records), then every aspect. Each
// stream reads its query in order, groups consecutive rows with the same key, and commits to
// the store every `batch_size` rows: the twins or payloads of the complete groups and the
// stream's new watermark, in one transaction. A crash at any point therefore loses nothing
// and duplicates nothing: the next run resumes from the last committed watermark, and
// re-delivered rows change nothing because unchanged content keeps its hash.
//
// Rows that cannot be served go to the store's quarantine with the row key, the field and the
// reason: a payload that fails schema validation, a failed transform, a NULL key, a partner
// BPN that is not a valid BPNL (the twin is then not created at all: fail closed). A row that
// later validates leaves quarantine.
//
// Incremental streams (with a watermark) read only rows after the stored watermark, ordered by
// the watermark columns, then the key. Rows of one twin must then share their watermark
// values (compute them per twin in SQL, e.g. with max(...) OVER (PARTITION BY key)).
//
// Not thread-safe; one engine per source.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/adapters/source_connector.hpp"
#include "cxgw/core/result.hpp"
#include "cxgw/schemas/schema_registry.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::adapters {

struct StreamReport {
  std::string stream;  // "twin:serial", "deleted:serial" or the aspect name
  uint64_t rows = 0;
  uint64_t twins = 0;  // upserted
  uint64_t aspects_changed = 0;
  uint64_t aspects_unchanged = 0;
  uint64_t withdrawn = 0;
  uint64_t quarantined = 0;
  std::chrono::duration<double> elapsed{};
};

struct SyncReport {
  std::vector<StreamReport> streams;
};

struct SyncProgress {
  std::string stream;
  uint64_t rows = 0;
  std::optional<uint64_t> total;  // with count_first
  std::chrono::duration<double> elapsed{};
  bool finished = false;  // the stream's last call
};

struct SyncOptions {
  bool full = false;         // ignore stored watermarks and read everything
  bool count_first = false;  // count each stream's rows first, so progress has a total
  std::function<void(const SyncProgress&)> on_progress;  // after every committed batch
};

class SyncEngine {
 public:
  // All references must outlive the engine, and so must the connections in `lookahead`:
  // optional, more connections to the same source (see connectReadAhead()): with k of them, the
  // queries of the next k streams start while the current stream is still being written, which
  // hides the time a query takes to produce its first row (e.g. sorting) behind the work before it.
  SyncEngine(const Mapping& mapping, SourceConnector& source, store::StateStore& store,
             const schemas::SchemaRegistry& schemas, std::string supplier_bpnl,
             const std::vector<std::unique_ptr<SourceConnector>>& lookahead = {});

  Result<SyncReport> run(const SyncOptions& options);

 private:
  struct Stream;
  struct Reading;
  Result<std::unique_ptr<Reading>> startReading(const Stream& stream, SourceConnector& source,
                                                const SyncOptions& options);
  Status findColumns(const Stream& stream, const std::vector<QueryColumn>& columns,
                     Reading& reading) const;
  Status runStream(const Stream& stream, Reading& reading, const SyncOptions& options,
                   StreamReport& report);

  const Mapping& mapping_;
  SourceConnector& source_;
  const std::vector<SourceConnector*> lookahead_;
  store::StateStore& store_;
  const schemas::SchemaRegistry& schemas_;
  const std::string twin_namespace_;
};

// How many read-ahead connections `cxgw sync` and `cxgw serve` open per source, besides the
// main one.
inline constexpr size_t kReadAheadConnections = 2;

// "^BPNL[0-9A-Z]{12}$": the form a partner BPN must have before a twin is shown to it.
bool isBpnl(const std::string& text);

}  // namespace cxgw::adapters
