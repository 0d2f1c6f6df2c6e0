#include "cxgw/store/postgres_state_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "array_literal.hpp"
#include "change_subscribers.hpp"
#include "copy_rows.hpp"
#include "cxgw/core/digest.hpp"
#include "cxgw/core/logging.hpp"
#include "known_twins.hpp"
#include "orphaned_aspect.hpp"
#include "postgres_connection_pool.hpp"
#include "postgres_migrations.hpp"
#include "postgres_notification_listener.hpp"

namespace cxgw::store {
namespace {

// Per-connection staging tables, emptied by every commit.
constexpr const char* kStagingTables = R"sql(
CREATE TEMP TABLE cxgw_stage_twins (global_asset_id text, id_short text,
  digital_twin_type text, specific_asset_ids text[], visible_to text[], content_hash text)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_aspects (seq bigserial, global_asset_id text, aspect_urn text,
  payload text, content_hash text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_quarantine (seq bigserial, row_key text, aspect_urn text,
  field text, reason text, payload text) ON COMMIT DELETE ROWS;
)sql";

// The NOTIFY channel of commits that changed aspects or twins; StateStore::onChange() listens on
// it.
constexpr const char* kChangeChannel = "cxgw_store_changes";

Error storeError(const std::exception& e) {
  return postgresError("PostgreSQL store", e);
}

// The elements of a one-dimensional text[] field, in order.
std::vector<std::string> textArray(const pqxx::field& field) {
  std::vector<std::string> out;
  pqxx::array_parser parser = field.as_array();
  for (auto [juncture, value] = parser.get_next(); juncture != pqxx::array_parser::juncture::done;
       std::tie(juncture, value) = parser.get_next()) {
    if (juncture == pqxx::array_parser::juncture::string_value) out.push_back(std::move(value));
  }
  return out;
}

// Specific asset ids as the twins table stores them, "name=value" each.
std::vector<SpecificAssetId> assetIds(const pqxx::field& field) {
  std::vector<SpecificAssetId> ids;
  for (const std::string& id : textArray(field)) {
    const size_t equals = id.find('=');
    ids.push_back({id.substr(0, equals), id.substr(equals + 1)});
  }
  return ids;
}

std::chrono::system_clock::time_point fromEpochSeconds(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

class PostgresStateStore final : public StateStore {
 public:
  explicit PostgresStateStore(PostgresStateStoreOptions options) : options_(std::move(options)) {}

  ~PostgresStateStore() override {
    std::lock_guard lock(listener_mutex_);
    listener_.reset();
  }

  Status open() {
    std::unique_ptr<pqxx::connection> connection;
    try {
      connection = std::make_unique<pqxx::connection>(options_.connection_string);
    } catch (const std::exception& e) {
      return storeError(e);
    }
    if (Status status = applyStoreMigrations(*connection, options_.migrate_to); !status) {
      return status;
    }
    prepareReads(*connection);
    reads_.adopt(std::move(connection));
    return {};
  }

  using StateStore::commit;
  Result<BatchOutcome> commit(const SyncBatch& batch,
                              const std::function<Status()>& turn) override {
    try {
      auto writer = writers_.acquire();
      pqxx::work tx(*writer);
      BatchOutcome merged;
      std::vector<QuarantineEntry> quarantined = batch.quarantined;
      BatchTwins twins{known_twins_, {}, {}};
      if (Status status = mergeContent(tx, batch, twins, quarantined, merged); !status) {
        return status.error();
      }
      // What batches of one stream share (the watermark row, quarantine entries, withdrawn
      // twins) is written only once it is this batch's turn, so that a batch waiting for its
      // turn never holds a row lock that an earlier batch needs.
      if (turn) {
        if (Status status = turn(); !status) return status.error();
      }
      mergeShared(tx, batch, quarantined, merged);
      if (merged.aspects_changed > 0 || merged.twins_changed > 0 || merged.twins_withdrawn > 0) {
        tx.exec_params("SELECT pg_notify($1, '')", kChangeChannel);  // sent on commit
      }
      if (options_.before_commit) {
        if (Status status = options_.before_commit(); !status) return status.error();
      }
      tx.commit();
      known_twins_.add(twins.stored, twins.generation);
      countsMayHaveChanged();
      return merged;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  size_t parallelCommits() const override { return kWriters; }

  Result<std::optional<SyncWatermark>> watermark(const std::string& source,
                                                 const std::string& stream) override {
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      const pqxx::result rows = tx.exec_params(
          "SELECT watermark FROM cxgw_sync_watermarks WHERE source = $1 AND stream = $2", source,
          stream);
      if (rows.empty()) return std::optional<SyncWatermark>();
      auto decoded = decodeWatermark(rows[0][0].as<std::string>());
      if (!decoded) return decoded.error();
      return std::optional<SyncWatermark>(std::move(decoded).value());
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::optional<StoredTwin>> twin(const std::string& global_asset_id) override {
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      const pqxx::result rows = tx.exec_prepared(kTwinById, global_asset_id);
      if (rows.empty()) return std::optional<StoredTwin>();
      StoredTwin stored;
      stored.twin.global_asset_id = global_asset_id;
      stored.twin.id_short = rows[0][0].as<std::string>();
      stored.twin.digital_twin_type = rows[0][1].as<std::string>();
      stored.withdrawn = rows[0][2].as<bool>();
      stored.twin.specific_asset_ids = assetIds(rows[0][3]);
      stored.twin.visible_to = textArray(rows[0][4]);
      return std::optional<StoredTwin>(std::move(stored));
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::optional<StoredAspect>> aspect(const std::string& global_asset_id,
                                             const std::string& aspect_urn) override {
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      const pqxx::result rows = tx.exec_prepared(kAspectByKey, global_asset_id, aspect_urn);
      if (rows.empty()) return std::optional<StoredAspect>();
      return std::optional<StoredAspect>(toAspect(rows[0]));
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::vector<AspectChange>> changes(const ChangeQuery& query) override {
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      std::vector<AspectChange> out;
      // Only changes of transactions older than every one still running (the snapshot's xmin):
      // no later commit can add a change at a position before theirs.
      for (const auto& row : tx.exec_params(
               "SELECT a.global_asset_id, a.aspect_urn, a.content_hash, a.withdrawn, "
               "a.change_commit::text::bigint, a.change_sequence "
               "FROM cxgw_aspects a JOIN cxgw_twins t ON t.global_asset_id = a.global_asset_id "
               "WHERE (a.change_commit, a.change_sequence) > ($1::text::xid8, $2) "
               "AND a.change_commit < pg_snapshot_xmin(pg_current_snapshot()) "
               "AND ($3 = false OR t.visible_to && $4::text[]) "
               "AND (cardinality($5::text[]) = 0 OR a.aspect_urn = ANY ($5::text[])) "
               "ORDER BY a.change_commit, a.change_sequence LIMIT $6",
               std::to_string(query.after.commit), query.after.sequence,
               query.visible_to_any.has_value(),
               arrayLiteral(query.visible_to_any.value_or(std::vector<std::string>{})),
               arrayLiteral(query.aspect_urns), static_cast<int64_t>(query.limit))) {
        out.push_back(AspectChange{row[0].as<std::string>(),
                                   row[1].as<std::string>(),
                                   row[2].as<std::string>(),
                                   row[3].as<bool>(),
                                   {row[4].as<int64_t>(), row[5].as<int64_t>()}});
      }
      return out;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<ChangePosition> latestChange() override {
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      // The bound of changes(), read backwards along the position index: one probe. Aspects of
      // a missing twin, which changes() leaves out, may sit at the end; starting after them
      // skips nothing a reader could see. (Qualified names: unqualified, ORDER BY would sort by
      // the output column of the same name, the bigint, which no index holds.)
      const auto rows = tx.exec(
          "SELECT a.change_commit::text::bigint, a.change_sequence FROM cxgw_aspects a "
          "WHERE a.change_commit < pg_snapshot_xmin(pg_current_snapshot()) "
          "ORDER BY a.change_commit DESC, a.change_sequence DESC LIMIT 1");
      if (rows.empty()) return ChangePosition{};
      return ChangePosition{rows[0][0].as<int64_t>(), rows[0][1].as<int64_t>()};
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  std::unique_ptr<ChangeSubscription> onChange(std::function<void()> on_change) override {
    auto subscription = subscribers_->subscribe(std::move(on_change));
    std::lock_guard lock(listener_mutex_);
    if (!listener_) {
      listener_ = std::make_unique<PostgresNotificationListener>(
          options_.connection_string, kChangeChannel, "store change", [this] {
            countsMayHaveChanged();
            subscribers_->notifyAll();
          });
    }
    return subscription;
  }

  bool hearsEveryChange() const override {
    std::lock_guard lock(listener_mutex_);
    return listener_ && listener_->listening();
  }

  Result<std::vector<ListedTwin>> visibleTwins(const TwinQuery& query) override {
    std::vector<std::string> asset_ids;
    for (const auto& id : query.with_asset_ids) asset_ids.push_back(id.name + "=" + id.value);
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      const double created_after =
          query.created_after
              ? std::chrono::duration<double>(query.created_after->time_since_epoch()).count()
              : 0.0;
      std::vector<ListedTwin> out;
      for (const auto& row : tx.exec_params(
               "SELECT t.global_asset_id, t.id_short, t.digital_twin_type, t.specific_asset_ids, "
               "t.visible_to, extract(epoch FROM t.created_at)::float8, "
               "array(SELECT a.aspect_urn FROM cxgw_aspects a "
               "WHERE a.global_asset_id = t.global_asset_id AND NOT a.withdrawn ORDER BY "
               "a.aspect_urn COLLATE \"C\") "
               "FROM cxgw_twins t "
               "WHERE NOT t.withdrawn AND t.visible_to && $1::text[] "
               "AND t.specific_asset_ids @> $2::text[] "
               "AND ($3 = false OR t.created_at > to_timestamp($4)) "
               "AND ($5 = false OR t.global_asset_id = $6) "
               "AND t.global_asset_id > $7 ORDER BY t.global_asset_id LIMIT $8",
               arrayLiteral(query.visible_to_any), arrayLiteral(asset_ids),
               query.created_after.has_value(), created_after, query.global_asset_id.has_value(),
               query.global_asset_id.value_or(""), query.after,
               static_cast<int64_t>(query.limit))) {
        ListedTwin listed;
        listed.twin.global_asset_id = row[0].as<std::string>();
        listed.twin.id_short = row[1].as<std::string>();
        listed.twin.digital_twin_type = row[2].as<std::string>();
        listed.twin.specific_asset_ids = assetIds(row[3]);
        listed.twin.visible_to = textArray(row[4]);
        listed.created_at = fromEpochSeconds(row[5].as<double>());
        listed.aspect_urns = textArray(row[6]);
        out.push_back(std::move(listed));
      }
      return out;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::vector<StoredQuarantineEntry>> quarantine(const std::string& source) override {
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      std::vector<StoredQuarantineEntry> out;
      for (const auto& row : tx.exec_params(
               "SELECT source, stream, row_key, aspect_urn, field, reason, payload, "
               "extract(epoch FROM first_seen), extract(epoch FROM last_seen), occurrences "
               "FROM cxgw_quarantine WHERE $1 = '' OR source = $1 ORDER BY source, stream, row_key",
               source)) {
        StoredQuarantineEntry entry;
        entry.source = row[0].as<std::string>();
        entry.stream = row[1].as<std::string>();
        entry.entry = QuarantineEntry{row[2].as<std::string>(), row[3].as<std::string>(),
                                      row[4].as<std::string>(), row[5].as<std::string>(),
                                      row[6].as<std::string>()};
        entry.first_seen = fromEpochSeconds(row[7].as<double>());
        entry.last_seen = fromEpochSeconds(row[8].as<double>());
        entry.occurrences = row[9].as<uint64_t>();
        out.push_back(std::move(entry));
      }
      return out;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::set<std::string>> quarantinedRowKeys(const std::string& source,
                                                   const std::string& stream) override {
    try {
      auto connection = reads_.acquire();
      pqxx::nontransaction tx(*connection);
      std::set<std::string> keys;
      for (const auto& row :
           tx.exec_params("SELECT row_key FROM cxgw_quarantine WHERE source = $1 AND stream = $2",
                          source, stream)) {
        keys.insert(row[0].as<std::string>());
      }
      return keys;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<StoreCounts> counts() override {
    try {
      auto connection = counts_.acquire();
      pqxx::nontransaction tx(*connection);
      {
        std::lock_guard lock(counts_memo_.mutex);
        if (counts_memo_.counts && !counts_memo_.stale &&
            std::chrono::steady_clock::now() - counts_memo_.at < kCountsMaxAge) {
          tx.exec1("SELECT 1");  // the answer is kept, but the database must still answer
          return *counts_memo_.counts;
        }
        counts_memo_.stale = false;  // a change from now on makes this count stale again
      }
      const auto started = std::chrono::steady_clock::now();
      const pqxx::row row = tx.exec1(
          "SELECT (SELECT count(*) FROM cxgw_twins WHERE NOT withdrawn), "
          "(SELECT count(*) FROM cxgw_aspects WHERE NOT withdrawn), "
          "(SELECT count(*) FROM cxgw_quarantine), "
          "(SELECT coalesce(max(change_sequence), 0) FROM cxgw_aspects)");
      const StoreCounts counted{row[0].as<uint64_t>(), row[1].as<uint64_t>(), row[2].as<uint64_t>(),
                                row[3].as<int64_t>()};
      std::lock_guard lock(counts_memo_.mutex);
      counts_memo_.counts = counted;
      counts_memo_.at = started;
      return counted;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

 private:
  // counts() scans whole tables (about 2 s of server time at a million twins, which a health
  // probe every few seconds would pay again and again), so its last answer is kept until a
  // commit of this store, or a notification of another replica's commit (while something
  // listens, see onChange()), may have changed it; and for kCountsMaxAge at most, since a
  // commit that only quarantines rows sends no notification.
  static constexpr std::chrono::seconds kCountsMaxAge{60};
  struct CountsMemo {
    std::mutex mutex;
    std::optional<StoreCounts> counts;
    std::chrono::steady_clock::time_point at;
    bool stale = true;
  };

  void countsMayHaveChanged() {
    std::lock_guard lock(counts_memo_.mutex);
    counts_memo_.stale = true;
  }

  static StoredAspect toAspect(const pqxx::row& row) {
    return StoredAspect{row[0].as<std::string>(), row[1].as<std::string>(),
                        row[2].as<std::string>(), row[3].as<std::string>(),
                        row[4].as<int64_t>(),     row[5].as<bool>()};
  }

  // One twin as the store writes it.
  struct TwinRow {
    const Twin* twin;
    std::string asset_ids;   // text[] literal of "name=value"
    std::string visible_to;  // text[] literal, sorted and distinct
    std::string hash;        // of everything stored for the twin
  };

  static Result<TwinRow> twinRow(const Twin& twin) {
    std::vector<std::string> ids;
    ids.reserve(twin.specific_asset_ids.size());
    for (const SpecificAssetId& id : twin.specific_asset_ids) {
      if (id.name.empty() || id.name.find('=') != std::string::npos) {
        return Error{ErrorCode::kInvalidArgument,
                     "twin " + twin.global_asset_id + ": the specific asset id name '" + id.name +
                         "' is empty or contains '='",
                     "specific_asset_ids", "", 0};
      }
      ids.push_back(id.name + "=" + id.value);
    }
    std::vector<std::string> partners = twin.visible_to;
    std::sort(partners.begin(), partners.end());
    partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
    TwinRow row{&twin, arrayLiteral(ids), arrayLiteral(partners), {}};
    row.hash = sha256Hex(twin.id_short + '\x1f' + twin.digital_twin_type + '\x1f' + row.asset_ids +
                         '\x1f' + row.visible_to);
    return row;
  }

  static void copyTwins(pqxx::transaction_base& tx, const std::string& table,
                        const std::vector<const TwinRow*>& rows) {
    CopyRows copy(tx, table,
                  {"global_asset_id", "id_short", "digital_twin_type", "specific_asset_ids",
                   "visible_to", "content_hash"});
    for (const TwinRow* row : rows) {
      copy.row({row->twin->global_asset_id, row->twin->id_short, row->twin->digital_twin_type,
                row->asset_ids, row->visible_to, row->hash});
    }
    copy.complete();
  }

  // A first load: most batches of a sync into an empty store hold only new keys, and looking
  // up every key (a random probe of a large index per row) cost as much as writing the rows.
  // So a batch whose sampled keys (first, middle, last) are not stored is copied in as new,
  // with no lookup, under a savepoint; should it hold a stored key after all, the copy fails on
  // the primary key, is rolled back, and the batch takes the lookup path.
  template <typename Key>
  static std::vector<Key> sampleOf(const std::vector<Key>& keys) {
    if (keys.empty()) return {};
    return {keys.front(), keys[keys.size() / 2], keys.back()};
  }

  template <typename... Args>
  static bool sampleStored(pqxx::work& tx, const char* sql, const Args&... sample) {
    return tx.exec_params1(sql, arrayLiteral(sample)...)[0].template as<bool>();
  }

  // Runs `copy` in a subtransaction; false, with the subtransaction rolled back, when it broke
  // a unique key.
  template <typename Copy>
  static bool copiedAsNew(pqxx::work& tx, const Copy& copy) {
    try {
      pqxx::subtransaction sub(tx, "cxgw_copy_as_new");
      copy(sub);
      sub.commit();
      return true;
    } catch (const pqxx::unique_violation&) {
      return false;
    }
  }

  // Indexes of the last occurrence of each key, in the order of those occurrences.
  template <typename Item, typename KeyOf>
  static std::vector<size_t> lastOccurrences(const std::vector<Item>& items, KeyOf key_of) {
    std::unordered_map<std::string, size_t> last;
    last.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) last[key_of(items[i])] = i;
    std::vector<size_t> order;
    order.reserve(last.size());
    for (size_t i = 0; i < items.size(); ++i) {
      if (last.at(key_of(items[i])) == i) order.push_back(i);
    }
    return order;
  }

  // What a batch knows of stored twins: the store's remembered ones, valid at the generation
  // the batch read, and the ids the batch finds or makes stored, remembered once it commits.
  struct BatchTwins {
    KnownTwins& known;
    TwinGeneration generation;
    std::vector<std::string> stored;
  };

  static TwinGeneration twinGeneration(pqxx::work& tx) {
    const pqxx::row row =
        tx.exec1("SELECT 'cxgw_twins'::regclass::oid::bigint, statements FROM cxgw_twin_deletions");
    return TwinGeneration{row[0].as<int64_t>(), row[1].as<int64_t>()};
  }

  // New twins are copied straight into cxgw_twins; changed or withdrawn ones are updated
  // from staging; unchanged ones (same hash) are not written at all.
  static Status mergeTwins(pqxx::work& tx, const std::vector<Twin>& twins, BatchTwins& known,
                           BatchOutcome& outcome) {
    std::vector<TwinRow> rows;
    std::vector<std::string> ids;
    for (size_t i : lastOccurrences(twins, [](const Twin& t) { return t.global_asset_id; })) {
      auto row = twinRow(twins[i]);
      if (!row) return row.error();
      ids.push_back(twins[i].global_asset_id);
      rows.push_back(std::move(row).value());
    }
    known.stored.insert(known.stored.end(), ids.begin(), ids.end());
    if (!sampleStored(tx,
                      "SELECT EXISTS (SELECT 1 FROM cxgw_twins "
                      "WHERE global_asset_id = ANY ($1::text[]))",
                      sampleOf(ids))) {
      std::vector<const TwinRow*> all;
      for (const TwinRow& row : rows) all.push_back(&row);
      if (copiedAsNew(tx,
                      [&](pqxx::transaction_base& sub) { copyTwins(sub, "cxgw_twins", all); })) {
        return {};
      }
    }
    std::unordered_map<std::string, std::pair<std::string, bool>> stored;
    for (const auto& found : tx.exec_params(
             "SELECT t.global_asset_id, t.content_hash, t.withdrawn "
             "FROM unnest($1::text[]) u(id) JOIN cxgw_twins t ON t.global_asset_id = u.id",
             arrayLiteral(ids))) {
      stored.emplace(found[0].as<std::string>(),
                     std::make_pair(found[1].as<std::string>(), found[2].as<bool>()));
    }
    std::vector<const TwinRow*> fresh, changed;
    for (const TwinRow& row : rows) {
      const auto it = stored.find(row.twin->global_asset_id);
      if (it == stored.end()) {
        fresh.push_back(&row);
      } else if (it->second.first != row.hash || it->second.second) {
        changed.push_back(&row);
      }
    }
    if (!fresh.empty()) copyTwins(tx, "cxgw_twins", fresh);
    outcome.twins_changed += changed.size();
    if (!changed.empty()) {
      copyTwins(tx, "cxgw_stage_twins", changed);
      tx.exec0("ANALYZE cxgw_stage_twins");
      tx.exec0(R"sql(
        UPDATE cxgw_twins t
           SET id_short = s.id_short, digital_twin_type = s.digital_twin_type,
               specific_asset_ids = s.specific_asset_ids, visible_to = s.visible_to,
               content_hash = s.content_hash, withdrawn = false, updated_at = now()
          FROM cxgw_stage_twins s WHERE t.global_asset_id = s.global_asset_id)sql");
    }
    return {};
  }

  // What is stored of a batch's aspect keys: (globalAssetId, URN) -> (content hash, withdrawn),
  // and the keys whose twin is missing.
  struct StoredAspectKeys {
    std::map<std::pair<std::string, std::string>, std::pair<std::string, bool>> stored;
    std::set<std::pair<std::string, std::string>> orphaned;
  };

  static StoredAspectKeys lookUpAspects(
      pqxx::transaction_base& tx, const std::map<std::string, std::vector<std::string>>& ids_by_urn,
      BatchTwins& twins) {
    StoredAspectKeys found;
    for (const auto& [urn, ids] : ids_by_urn) {
      // Ids of known twins need no twin probe: only their stored aspect is read.
      std::vector<std::string> of_known, of_unknown;
      const std::vector<bool> known = twins.known.known(ids);
      for (size_t i = 0; i < ids.size(); ++i) (known[i] ? of_known : of_unknown).push_back(ids[i]);
      if (!of_known.empty()) {
        for (const auto& row :
             tx.exec_params("SELECT a.global_asset_id, a.content_hash, a.withdrawn "
                            "FROM unnest($1::text[]) u(id) "
                            "JOIN cxgw_aspects a ON a.global_asset_id = u.id AND a.aspect_urn = $2",
                            arrayLiteral(of_known), urn)) {
          found.stored.emplace(std::make_pair(row[0].as<std::string>(), urn),
                               std::make_pair(row[1].as<std::string>(), row[2].as<bool>()));
        }
      }
      if (of_unknown.empty()) continue;
      std::set<std::string> missing;
      for (const auto& row : tx.exec_params(
               "SELECT u.id, t.global_asset_id IS NULL, a.content_hash, a.withdrawn "
               "FROM unnest($1::text[]) u(id) "
               "LEFT JOIN cxgw_twins t ON t.global_asset_id = u.id "
               "LEFT JOIN cxgw_aspects a ON a.global_asset_id = u.id AND a.aspect_urn = $2 "
               "WHERE t.global_asset_id IS NULL OR a.global_asset_id IS NOT NULL",
               arrayLiteral(of_unknown), urn)) {
        auto key = std::make_pair(row[0].as<std::string>(), urn);
        if (row[1].as<bool>()) {
          missing.insert(key.first);
          found.orphaned.insert(std::move(key));
        } else {
          found.stored.emplace(std::move(key),
                               std::make_pair(row[2].as<std::string>(), row[3].as<bool>()));
        }
      }
      for (std::string& id : of_unknown) {
        if (missing.count(id) == 0) twins.stored.push_back(std::move(id));
      }
    }
    return found;
  }

  // The first-load variant: only the missing twins, as if no aspect of the batch were stored.
  static StoredAspectKeys lookUpTwinsOnly(
      pqxx::transaction_base& tx, const std::map<std::string, std::vector<std::string>>& ids_by_urn,
      BatchTwins& twins) {
    std::vector<std::string> ids;
    for (const auto& [urn, of_urn] : ids_by_urn) {
      const std::vector<bool> known = twins.known.known(of_urn);
      for (size_t i = 0; i < of_urn.size(); ++i) {
        if (!known[i]) ids.push_back(of_urn[i]);
      }
    }
    std::set<std::string> missing;
    if (!ids.empty()) {
      for (const auto& row : tx.exec_params(
               "SELECT u.id FROM unnest($1::text[]) u(id) "
               "WHERE NOT EXISTS (SELECT 1 FROM cxgw_twins t WHERE t.global_asset_id = u.id)",
               arrayLiteral(ids))) {
        missing.insert(row[0].as<std::string>());
      }
    }
    for (std::string& id : ids) {
      if (missing.count(id) == 0) twins.stored.push_back(std::move(id));
    }
    StoredAspectKeys found;
    for (const auto& [urn, of_urn] : ids_by_urn) {
      for (const std::string& id : of_urn) {
        if (missing.count(id) > 0) found.orphaned.emplace(id, urn);
      }
    }
    return found;
  }

  // Aspects of existing twins: new ones copied straight into cxgw_aspects (the change
  // sequence is the column's default, drawn in batch order), changed or withdrawn ones updated
  // from staging with a new change sequence, unchanged ones not written. Aspects of unknown
  // twins are added to `orphans`.
  static void mergeAspects(pqxx::work& tx, const std::vector<AspectPayload>& aspects,
                           BatchTwins& twins, std::vector<QuarantineEntry>& orphans,
                           BatchOutcome& outcome) {
    const std::vector<size_t> latest = lastOccurrences(
        aspects, [](const AspectPayload& a) { return a.global_asset_id + '\x1f' + a.aspect_urn; });
    std::map<std::string, std::vector<std::string>> ids_by_urn;
    std::vector<std::string> sample_ids, sample_urns;
    for (size_t i : sampleOf(latest)) {
      sample_ids.push_back(aspects[i].global_asset_id);
      sample_urns.push_back(aspects[i].aspect_urn);
    }
    for (size_t i : latest) ids_by_urn[aspects[i].aspect_urn].push_back(aspects[i].global_asset_id);
    if (!sampleStored(tx,
                      "SELECT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) u(id, urn) "
                      "JOIN cxgw_aspects a ON a.global_asset_id = u.id AND a.aspect_urn = u.urn)",
                      sample_ids, sample_urns)) {
      std::vector<QuarantineEntry> new_orphans;
      BatchOutcome new_outcome;
      const size_t stored_before = twins.stored.size();
      if (copiedAsNew(tx, [&](pqxx::transaction_base& sub) {
            writeAspects(sub, aspects, latest, lookUpTwinsOnly(sub, ids_by_urn, twins), new_orphans,
                         new_outcome);
          })) {
        orphans.insert(orphans.end(), new_orphans.begin(), new_orphans.end());
        outcome.aspects_changed += new_outcome.aspects_changed;
        return;
      }
      twins.stored.resize(stored_before);  // found again by the lookup below
    }
    writeAspects(tx, aspects, latest, lookUpAspects(tx, ids_by_urn, twins), orphans, outcome);
  }

  static void writeAspects(pqxx::transaction_base& tx, const std::vector<AspectPayload>& aspects,
                           const std::vector<size_t>& latest, const StoredAspectKeys& found,
                           std::vector<QuarantineEntry>& orphans, BatchOutcome& outcome) {
    struct Row {
      const AspectPayload* aspect;
      std::string hash;
    };
    std::vector<Row> fresh, changed;
    for (size_t i : latest) {
      const AspectPayload& aspect = aspects[i];
      if (found.orphaned.count({aspect.global_asset_id, aspect.aspect_urn}) > 0) {
        orphans.push_back(orphanedAspectEntry(aspect));
        continue;
      }
      std::string hash = sha256Hex(aspect.payload);
      const auto it = found.stored.find({aspect.global_asset_id, aspect.aspect_urn});
      if (it == found.stored.end()) {
        fresh.push_back({&aspect, std::move(hash)});
      } else if (it->second.first != hash || it->second.second) {
        changed.push_back({&aspect, std::move(hash)});
      } else {
        ++outcome.aspects_unchanged;
      }
    }
    const auto copy = [&tx](const std::string& table, const std::vector<Row>& rows) {
      CopyRows out(tx, table, {"global_asset_id", "aspect_urn", "payload", "content_hash"});
      for (const Row& row : rows) {
        out.row(
            {row.aspect->global_asset_id, row.aspect->aspect_urn, row.aspect->payload, row.hash});
      }
      out.complete();
    };
    if (!fresh.empty()) copy("cxgw_aspects", fresh);
    if (!changed.empty()) {
      copy("cxgw_stage_aspects", changed);
      tx.exec0("ANALYZE cxgw_stage_aspects");
      tx.exec0(R"sql(
        UPDATE cxgw_aspects a
           SET payload = s.payload, content_hash = s.content_hash, withdrawn = false,
               change_sequence = nextval('cxgw_change_sequence'),
               change_commit = pg_current_xact_id(), updated_at = now()
          FROM (SELECT * FROM cxgw_stage_aspects ORDER BY seq) s
         WHERE a.global_asset_id = s.global_asset_id AND a.aspect_urn = s.aspect_urn)sql");
    }
    outcome.aspects_changed += fresh.size() + changed.size();
  }

  // The batch's twins and aspects; aspects of missing twins are added to `quarantined`.
  static Status mergeContent(pqxx::work& tx, const SyncBatch& batch, BatchTwins& twins,
                             std::vector<QuarantineEntry>& quarantined, BatchOutcome& outcome) {
    // Every statement touches a batch's worth of keys: index probes, never a scan of the
    // stored twins or aspects, whatever the planner estimates for an array or a staging table.
    // Batches of one stream hold different keys; should a mapping break that (rows of one twin
    // with different watermarks), a batch waiting on another's row lock gives up instead of
    // waiting for ever.
    tx.exec0(
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; "
        "SET LOCAL lock_timeout = '60s'");
    if (batch.twins.empty() && batch.aspects.empty()) return {};
    twins.generation = twinGeneration(tx);
    twins.known.enter(twins.generation);
    if (!batch.twins.empty()) {
      if (Status status = mergeTwins(tx, batch.twins, twins, outcome); !status) return status;
    }
    if (!batch.aspects.empty()) mergeAspects(tx, batch.aspects, twins, quarantined, outcome);
    return {};
  }

  // Withdrawals, quarantine, cleared rows and the watermark.
  static void mergeShared(pqxx::work& tx, const SyncBatch& batch,
                          const std::vector<QuarantineEntry>& quarantined, BatchOutcome& outcome) {
    if (!batch.withdrawals.empty()) {
      std::vector<std::string> ids;
      for (const Withdrawal& withdrawal : batch.withdrawals)
        ids.push_back(withdrawal.global_asset_id);
      const std::string id_array = arrayLiteral(ids);
      outcome.twins_withdrawn = tx.exec_params0(
                                      "UPDATE cxgw_twins SET withdrawn = true, updated_at = now() "
                                      "WHERE NOT withdrawn AND global_asset_id = ANY ($1::text[])",
                                      id_array)
                                    .affected_rows();
      tx.exec_params0(
          "UPDATE cxgw_aspects SET withdrawn = true, updated_at = now(), "
          "change_sequence = nextval('cxgw_change_sequence'), "
          "change_commit = pg_current_xact_id() "
          "WHERE NOT withdrawn AND global_asset_id = ANY ($1::text[])",
          id_array);
    }
    if (!quarantined.empty()) {
      CopyRows stage(tx, "cxgw_stage_quarantine",
                     {"row_key", "aspect_urn", "field", "reason", "payload"});
      for (const QuarantineEntry& entry : quarantined) {
        stage.row({entry.row_key, entry.aspect_urn, entry.field, entry.reason, entry.payload});
      }
      stage.complete();
      // The last entry of a row in the batch wins.
      outcome.quarantined += tx.exec_params0(R"sql(
        INSERT INTO cxgw_quarantine (source, stream, row_key, aspect_urn, field, reason, payload)
        SELECT DISTINCT ON (row_key) $1, $2, row_key, aspect_urn, field, reason, payload
          FROM cxgw_stage_quarantine ORDER BY row_key, seq DESC
        ON CONFLICT (source, stream, row_key) DO UPDATE
          SET aspect_urn = excluded.aspect_urn, field = excluded.field,
              reason = excluded.reason, payload = excluded.payload, last_seen = now(),
              occurrences = cxgw_quarantine.occurrences + 1)sql",
                                             batch.source, batch.stream)
                                 .affected_rows();
    }
    if (!batch.cleared_row_keys.empty()) {
      // A row the batch quarantines again (itself or as an orphan) stays in quarantine.
      std::unordered_set<std::string> again;
      for (const QuarantineEntry& entry : quarantined) again.insert(entry.row_key);
      std::vector<std::string> cleared;
      for (const std::string& key : batch.cleared_row_keys) {
        if (again.count(key) == 0) cleared.push_back(key);
      }
      if (!cleared.empty()) {
        tx.exec_params0(
            "DELETE FROM cxgw_quarantine WHERE source = $1 AND stream = $2 "
            "AND row_key = ANY ($3::text[])",
            batch.source, batch.stream, arrayLiteral(cleared));
      }
    }
    if (batch.watermark) {
      tx.exec_params0(
          "INSERT INTO cxgw_sync_watermarks (source, stream, watermark) VALUES ($1, $2, $3) "
          "ON CONFLICT (source, stream) DO UPDATE SET watermark = excluded.watermark, "
          "updated_at = now()",
          batch.source, batch.stream, encodeWatermark(*batch.watermark));
    }
  }

  // The reads every data request makes, prepared once per connection instead of parsed and
  // planned per call.
  static constexpr const char* kTwinById = "cxgw_twin_by_id";
  static constexpr const char* kAspectByKey = "cxgw_aspect_by_key";
  static void prepareReads(pqxx::connection& connection) {
    connection.prepare(kTwinById,
                       "SELECT id_short, digital_twin_type, withdrawn, specific_asset_ids, "
                       "visible_to FROM cxgw_twins WHERE global_asset_id = $1");
    connection.prepare(kAspectByKey,
                       "SELECT global_asset_id, aspect_urn, payload, content_hash, "
                       "change_sequence, withdrawn FROM cxgw_aspects "
                       "WHERE global_asset_id = $1 AND aspect_urn = $2");
  }

  const PostgresStateStoreOptions options_;
  // Every read is one statement, run in autocommit on a connection of reads_.
  PostgresConnectionPool reads_{options_.connection_string, options_.read_connections,
                                prepareReads};
  // The counts scan whole tables (a second at a million twins): on a connection of their own,
  // so that the reads of the data plane never wait behind them.
  PostgresConnectionPool counts_{options_.connection_string, 1};
  CountsMemo counts_memo_;
  KnownTwins known_twins_{options_.remembered_twins};
  // A commit runs on a writer with its own staging tables.
  static constexpr size_t kWriters = 2;
  PostgresConnectionPool writers_{options_.connection_string, kWriters, [](pqxx::connection& c) {
                                    pqxx::nontransaction tx(c);
                                    tx.exec0(kStagingTables);
                                  }};
  const std::shared_ptr<ChangeSubscribers> subscribers_ = std::make_shared<ChangeSubscribers>();
  mutable std::mutex listener_mutex_;                       // guards listener_
  std::unique_ptr<PostgresNotificationListener> listener_;  // from the first onChange()
};

}  // namespace

Result<std::unique_ptr<StateStore>> openPostgresStateStore(PostgresStateStoreOptions options) {
  auto store = std::make_unique<PostgresStateStore>(std::move(options));
  if (Status status = store->open(); !status) return status.error();
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace cxgw::store
