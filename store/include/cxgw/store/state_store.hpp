#pragma once
// The gateway's own state, as the sync engine writes it and the gateway reads it: digital
// twins, their aspect payloads with a change sequence, sync watermarks and the quarantine of
// rows whose payload failed validation.
//
// Contract of every implementation (memory and PostgreSQL):
// - commit() applies a whole SyncBatch atomically, watermark included: after a crash either all
//   of it is visible or none of it.
// - An aspect changes, and gets a new change sequence, only when its content hash (SHA-256 of
//   the payload bytes) differs from the stored one. Change sequences increase monotonically.
// - Withdrawing a twin marks it and all its aspects withdrawn, each aspect with a new change
//   sequence, so that the change feed reports the withdrawal. Upserting a withdrawn twin
//   revives it.
// - changes() lists aspect changes in ChangePosition order, and lists a change only once no
//   change can still commit at an earlier position. A reader that resumes after the last
//   position it received therefore misses no change and sees none twice; an aspect changed
//   again meanwhile is listed once, at its latest position.
// - onChange() subscribers hear of every commit that changed an aspect or a stored twin (in
//   PostgreSQL: a commit by any replica sharing the database), soon after it commits.
// - Quarantine entries are keyed by (source, stream, row key); a row quarantined again updates
//   its entry, and a row that later validates leaves quarantine.
// - An aspect whose twin does not exist is not stored: it is quarantined (field
//   "/globalAssetId") in the same transaction.
// - All methods are thread-safe. Failures are returned as values, never thrown.
// - Concurrent commits of the same keys are not merged: one of them may fail (and can be
//   retried), but none is half applied.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cxgw/core/result.hpp"
#include "cxgw/store/change_subscription.hpp"
#include "cxgw/store/sync_watermark.hpp"

namespace cxgw::store {

struct SpecificAssetId {
  std::string name;  // e.g. "manufacturerPartId", "partInstanceId", "customerPartId"
  std::string value;
  friend bool operator==(const SpecificAssetId&, const SpecificAssetId&) = default;
};

struct Twin {
  std::string global_asset_id;  // "urn:uuid:…", stable for the same ERP record
  std::string id_short;
  std::string digital_twin_type;  // "PartInstance" or "PartType"
  std::vector<SpecificAssetId> specific_asset_ids;
  std::vector<std::string> visible_to;  // partner BPNs that may see this twin
  friend bool operator==(const Twin&, const Twin&) = default;
};

struct AspectPayload {
  std::string global_asset_id;
  std::string aspect_urn;    // e.g. "urn:samm:io.catenax.serial_part:4.0.0#SerialPart"
  std::string payload;       // serialized JSON, served byte for byte
  std::string row_key = {};  // the ERP row it came from, for quarantine
};

struct Withdrawal {
  std::string global_asset_id;
  std::string reason;  // e.g. "production order cancelled", "serial deleted in the ERP"
};

struct QuarantineEntry {
  std::string row_key;  // the ERP row's key columns, e.g. "serial_no=SN-1"
  std::string aspect_urn;
  std::string field;  // JSON Pointer of the offending field, or the mapping key
  std::string reason;
  std::string payload;  // what would have been served, for diagnosis
};

// One unit of sync work from one stream (a mapping's aspect) of one source (an ERP mapping).
struct SyncBatch {
  std::string source;
  std::string stream;
  std::vector<Twin> twins;
  std::vector<AspectPayload> aspects;
  std::vector<Withdrawal> withdrawals;
  std::vector<QuarantineEntry> quarantined;
  std::vector<std::string> cleared_row_keys;  // rows that validate now and leave quarantine
  std::optional<SyncWatermark> watermark;     // the stream's new position, committed with it
};

struct BatchOutcome {
  size_t aspects_changed = 0;
  size_t aspects_unchanged = 0;
  size_t twins_changed = 0;  // stored twins whose content changed or that came back; not new ones
  size_t twins_withdrawn = 0;
  size_t quarantined = 0;  // rows quarantined by the batch, orphaned aspects included
};

struct StoredAspect {
  std::string global_asset_id;
  std::string aspect_urn;
  std::string payload;
  std::string content_hash;  // SHA-256 hex of payload
  int64_t change_sequence = 0;
  bool withdrawn = false;
};

// Where a change sits in the store's history: ordered by the commit that made it, then by its
// change sequence. `commit` numbers are the store's own (PostgreSQL: the writing transaction's
// id; memory: a commit counter); partners only ever see positions inside opaque cursors.
struct ChangePosition {
  int64_t commit = 0;
  int64_t sequence = 0;
  friend auto operator<=>(const ChangePosition&, const ChangePosition&) = default;
};

// An aspect as the change feed reports it: what changed, without its payload.
struct AspectChange {
  std::string global_asset_id;
  std::string aspect_urn;
  std::string content_hash;
  bool withdrawn = false;
  ChangePosition position;
};

// The change feed's question: changes after a position, restricted to the twins one partner
// may see and to some aspect models.
struct ChangeQuery {
  ChangePosition after;  // {} for the whole history
  // Only aspects of twins whose visible_to names one of these (withdrawn twins included, so a
  // partner hears of a withdrawal). nullopt: every twin, for the gateway's own use (cache
  // invalidation), never for a partner's request.
  std::optional<std::vector<std::string>> visible_to_any;
  std::vector<std::string> aspect_urns;  // only these aspect models; empty: all
  size_t limit = 100;
};

struct StoredTwin {
  Twin twin;
  bool withdrawn = false;
};

struct StoredQuarantineEntry {
  std::string source;
  std::string stream;
  QuarantineEntry entry;
  std::chrono::system_clock::time_point first_seen;
  std::chrono::system_clock::time_point last_seen;
  uint64_t occurrences = 0;
};

// The twin registry's question: the twins one partner may see, in global asset id order, a page
// at a time. A twin is visible when it is not withdrawn and its visible_to names one of
// `visible_to_any` (the partner's BPN and, where the registry allows it, kPublicReadable).
struct TwinQuery {
  std::vector<std::string> visible_to_any;
  std::optional<std::string> global_asset_id;   // just this twin
  std::vector<SpecificAssetId> with_asset_ids;  // each of them must be on the twin
  std::optional<std::chrono::system_clock::time_point> created_after;
  std::string after;  // the last global asset id of the previous page; empty for the first
  size_t limit = 100;
};

// The visible_to entry of a twin that any partner may find by its public specific asset ids.
inline constexpr const char* kPublicReadable = "PUBLIC_READABLE";

struct ListedTwin {
  Twin twin;
  std::chrono::system_clock::time_point created_at;
  std::vector<std::string> aspect_urns;  // its aspects that are not withdrawn, sorted
};

struct StoreCounts {
  uint64_t twins = 0;    // not withdrawn
  uint64_t aspects = 0;  // not withdrawn
  uint64_t quarantined_rows = 0;
  int64_t last_change_sequence = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Applies `batch`. `turn`, when set, is called after the batch is written and before it
  // commits; it may block (e.g. until the previous batch has committed), and a failing Status
  // rolls the batch back and is returned. With it, a caller can run up to parallelCommits()
  // commits at once and still have them take effect in order.
  virtual Result<BatchOutcome> commit(const SyncBatch& batch,
                                      const std::function<Status()>& turn) = 0;
  Result<BatchOutcome> commit(const SyncBatch& batch) { return commit(batch, {}); }
  // How many commit() calls can do their work at the same time.
  virtual size_t parallelCommits() const { return 1; }

  virtual Result<std::optional<SyncWatermark>> watermark(const std::string& source,
                                                         const std::string& stream) = 0;
  virtual Result<std::optional<StoredTwin>> twin(const std::string& global_asset_id) = 0;
  virtual Result<std::optional<StoredAspect>> aspect(const std::string& global_asset_id,
                                                     const std::string& aspect_urn) = 0;
  // At most query.limit aspect changes after query.after that match it, in position order.
  virtual Result<std::vector<AspectChange>> changes(const ChangeQuery& query) = 0;
  // The position of the newest change that changes({}) can list now ({} for an empty history):
  // where a reader that needs nothing of the past starts, without paging through it.
  virtual Result<ChangePosition> latestChange() = 0;
  // Calls `on_change` after commits that changed aspects or stored twins, from a thread of the
  // store's (never from inside commit()), possibly once for several commits, and also whenever
  // the store may have missed telling (e.g. after its notification connection was restored). The
  // callback must be quick and must not call back into the subscription. The subscription ends,
  // and no call is running or will follow, when the returned handle is destroyed.
  virtual std::unique_ptr<ChangeSubscription> onChange(std::function<void()> on_change) = 0;
  // True while the subscribers of onChange() hear of every change soon after it commits; false
  // while they may not (e.g. the PostgreSQL store before it listens, or while its notification
  // connection is down). What a reader kept is trustworthy only while this holds.
  virtual bool hearsEveryChange() const = 0;
  // At most query.limit twins that match `query`, ordered by global asset id.
  virtual Result<std::vector<ListedTwin>> visibleTwins(const TwinQuery& query) = 0;
  // Quarantined rows, of one source or (empty) of all, ordered by source, stream and row key.
  virtual Result<std::vector<StoredQuarantineEntry>> quarantine(const std::string& source) = 0;
  // Just the row keys quarantined for one stream: what a sync run needs, without payloads.
  virtual Result<std::set<std::string>> quarantinedRowKeys(const std::string& source,
                                                           const std::string& stream) = 0;
  virtual Result<StoreCounts> counts() = 0;
};

std::unique_ptr<StateStore> createMemoryStateStore();

}  // namespace cxgw::store
