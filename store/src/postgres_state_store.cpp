#include "cxgw/store/postgres_state_store.hpp"

#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <tuple>

#include "cxgw/core/digest.hpp"
#include "orphaned_aspect.hpp"

namespace cxgw::store {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append only: a released migration is never edited.
const Migration kMigrations[] = {
    {1, "twins, aspects, watermarks, quarantine", R"sql(
CREATE TABLE cxgw_twins (
  global_asset_id   text PRIMARY KEY,
  id_short          text NOT NULL,
  digital_twin_type text NOT NULL,
  withdrawn         boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE cxgw_twin_asset_ids (
  global_asset_id text NOT NULL REFERENCES cxgw_twins ON DELETE CASCADE,
  ordinal         int NOT NULL,
  name            text NOT NULL,
  value           text NOT NULL,
  PRIMARY KEY (global_asset_id, ordinal)
);
CREATE INDEX cxgw_twin_asset_ids_lookup ON cxgw_twin_asset_ids (name, value);
CREATE TABLE cxgw_twin_visibility (
  global_asset_id text NOT NULL REFERENCES cxgw_twins ON DELETE CASCADE,
  bpn             text NOT NULL,
  PRIMARY KEY (global_asset_id, bpn)
);
CREATE INDEX cxgw_twin_visibility_by_bpn ON cxgw_twin_visibility (bpn, global_asset_id);
CREATE SEQUENCE cxgw_change_sequence;
CREATE TABLE cxgw_aspects (
  global_asset_id text NOT NULL REFERENCES cxgw_twins ON DELETE CASCADE,
  aspect_urn      text NOT NULL,
  payload         text NOT NULL,
  content_hash    text NOT NULL,
  change_sequence bigint NOT NULL,
  withdrawn       boolean NOT NULL DEFAULT false,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (global_asset_id, aspect_urn)
);
CREATE UNIQUE INDEX cxgw_aspects_by_change ON cxgw_aspects (change_sequence);
CREATE TABLE cxgw_sync_watermarks (
  source     text NOT NULL,
  stream     text NOT NULL,
  watermark  text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, stream)
);
CREATE TABLE cxgw_quarantine (
  source      text NOT NULL,
  stream      text NOT NULL,
  row_key     text NOT NULL,
  aspect_urn  text NOT NULL,
  field       text NOT NULL,
  reason      text NOT NULL,
  payload     text NOT NULL,
  first_seen  timestamptz NOT NULL DEFAULT now(),
  last_seen   timestamptz NOT NULL DEFAULT now(),
  occurrences bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (source, stream, row_key)
);
)sql"},
};

// Per-connection staging tables, emptied by every commit.
constexpr const char* kStagingTables = R"sql(
CREATE TEMP TABLE cxgw_stage_twins (seq bigserial, global_asset_id text, id_short text,
  digital_twin_type text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_asset_ids (global_asset_id text, ordinal int, name text, value text)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_visibility (global_asset_id text, bpn text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_aspects (seq bigserial, global_asset_id text, aspect_urn text,
  payload text, content_hash text, row_key text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_withdrawals (global_asset_id text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_quarantine (seq bigserial, row_key text, aspect_urn text,
  field text, reason text, payload text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE cxgw_stage_cleared (row_key text) ON COMMIT DELETE ROWS;
)sql";

// Arbitrary constant for pg_advisory_xact_lock while migrating.
constexpr int64_t kMigrationLock = 0x63786777'00000001;

Error storeError(const std::exception& e) {
  const bool connection = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr;
  return Error{connection ? ErrorCode::kUnavailable : ErrorCode::kInternal,
               std::string("PostgreSQL store: ") + e.what(), "", "", 0};
}

std::chrono::system_clock::time_point fromEpochSeconds(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

class PostgresStateStore final : public StateStore {
 public:
  explicit PostgresStateStore(PostgresStateStoreOptions options) : options_(std::move(options)) {}

  Status open() {
    try {
      connect();
      pqxx::work tx(*connection_);
      tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
      tx.exec0(
          "CREATE TABLE IF NOT EXISTS cxgw_schema_migrations (version int PRIMARY KEY, "
          "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      const int applied =
          tx.exec1("SELECT coalesce(max(version), 0) FROM cxgw_schema_migrations")[0].as<int>();
      if (applied > postgresStoreSchemaVersion()) {
        return Error{ErrorCode::kInvalidArgument,
                     "the database schema is at version " + std::to_string(applied) +
                         ", newer than this build knows (" +
                         std::to_string(postgresStoreSchemaVersion()) + "); upgrade cxgw",
                     "", "", 0};
      }
      for (const Migration& migration : kMigrations) {
        if (migration.version <= applied) continue;
        tx.exec0(migration.sql);
        tx.exec_params("INSERT INTO cxgw_schema_migrations (version, description) VALUES ($1, $2)",
                       migration.version, std::string(migration.description));
      }
      tx.commit();
      return {};
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<BatchOutcome> commit(const SyncBatch& batch) override {
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::work tx(*connection_);
      stage(tx, batch);
      BatchOutcome outcome = merge(tx, batch);
      if (options_.before_commit) {
        if (Status status = options_.before_commit(); !status) return status.error();
      }
      tx.commit();
      return outcome;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::optional<SyncWatermark>> watermark(const std::string& source,
                                                 const std::string& stream) override {
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::read_transaction tx(*connection_);
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
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::read_transaction tx(*connection_);
      const pqxx::result rows = tx.exec_params(
          "SELECT id_short, digital_twin_type, withdrawn FROM cxgw_twins WHERE global_asset_id = "
          "$1",
          global_asset_id);
      if (rows.empty()) return std::optional<StoredTwin>();
      StoredTwin stored;
      stored.twin.global_asset_id = global_asset_id;
      stored.twin.id_short = rows[0][0].as<std::string>();
      stored.twin.digital_twin_type = rows[0][1].as<std::string>();
      stored.withdrawn = rows[0][2].as<bool>();
      for (const auto& row : tx.exec_params("SELECT name, value FROM cxgw_twin_asset_ids WHERE "
                                            "global_asset_id = $1 ORDER BY ordinal",
                                            global_asset_id)) {
        stored.twin.specific_asset_ids.push_back(
            {row[0].as<std::string>(), row[1].as<std::string>()});
      }
      for (const auto& row : tx.exec_params("SELECT bpn FROM cxgw_twin_visibility WHERE "
                                            "global_asset_id = $1 ORDER BY bpn",
                                            global_asset_id)) {
        stored.twin.visible_to.push_back(row[0].as<std::string>());
      }
      return std::optional<StoredTwin>(std::move(stored));
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::optional<StoredAspect>> aspect(const std::string& global_asset_id,
                                             const std::string& aspect_urn) override {
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::read_transaction tx(*connection_);
      const pqxx::result rows = tx.exec_params(
          "SELECT global_asset_id, aspect_urn, payload, content_hash, change_sequence, withdrawn "
          "FROM cxgw_aspects WHERE global_asset_id = $1 AND aspect_urn = $2",
          global_asset_id, aspect_urn);
      if (rows.empty()) return std::optional<StoredAspect>();
      return std::optional<StoredAspect>(toAspect(rows[0]));
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::vector<StoredAspect>> changesSince(int64_t after, size_t limit) override {
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::read_transaction tx(*connection_);
      std::vector<StoredAspect> out;
      for (const auto& row : tx.exec_params(
               "SELECT global_asset_id, aspect_urn, payload, content_hash, change_sequence, "
               "withdrawn FROM cxgw_aspects WHERE change_sequence > $1 ORDER BY change_sequence "
               "LIMIT $2",
               after, static_cast<int64_t>(limit))) {
        out.push_back(toAspect(row));
      }
      return out;
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

  Result<std::vector<StoredQuarantineEntry>> quarantine(const std::string& source) override {
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::read_transaction tx(*connection_);
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
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::read_transaction tx(*connection_);
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
    std::lock_guard lock(mutex_);
    try {
      ensureConnected();
      pqxx::read_transaction tx(*connection_);
      const pqxx::row row = tx.exec1(
          "SELECT (SELECT count(*) FROM cxgw_twins WHERE NOT withdrawn), "
          "(SELECT count(*) FROM cxgw_aspects WHERE NOT withdrawn), "
          "(SELECT count(*) FROM cxgw_quarantine), "
          "(SELECT coalesce(max(change_sequence), 0) FROM cxgw_aspects)");
      return StoreCounts{row[0].as<uint64_t>(), row[1].as<uint64_t>(), row[2].as<uint64_t>(),
                         row[3].as<int64_t>()};
    } catch (const std::exception& e) {
      return storeError(e);
    }
  }

 private:
  static StoredAspect toAspect(const pqxx::row& row) {
    return StoredAspect{row[0].as<std::string>(), row[1].as<std::string>(),
                        row[2].as<std::string>(), row[3].as<std::string>(),
                        row[4].as<int64_t>(),     row[5].as<bool>()};
  }

  void connect() {
    connection_ = std::make_unique<pqxx::connection>(options_.connection_string);
    pqxx::nontransaction tx(*connection_);
    tx.exec0(kStagingTables);
  }

  void ensureConnected() {
    if (!connection_ || !connection_->is_open()) connect();
  }

  static void stage(pqxx::work& tx, const SyncBatch& batch) {
    if (!batch.twins.empty()) {
      pqxx::stream_to twins(
          tx, "cxgw_stage_twins",
          std::vector<std::string>{"global_asset_id", "id_short", "digital_twin_type"});
      for (const Twin& twin : batch.twins) {
        twins << std::make_tuple(twin.global_asset_id, twin.id_short, twin.digital_twin_type);
      }
      twins.complete();
      pqxx::stream_to ids(tx, "cxgw_stage_asset_ids",
                          std::vector<std::string>{"global_asset_id", "ordinal", "name", "value"});
      for (const Twin& twin : batch.twins) {
        int ordinal = 0;
        for (const SpecificAssetId& id : twin.specific_asset_ids) {
          ids << std::make_tuple(twin.global_asset_id, ordinal++, id.name, id.value);
        }
      }
      ids.complete();
      pqxx::stream_to visibility(tx, "cxgw_stage_visibility",
                                 std::vector<std::string>{"global_asset_id", "bpn"});
      for (const Twin& twin : batch.twins) {
        for (const std::string& bpn : twin.visible_to) {
          visibility << std::make_tuple(twin.global_asset_id, bpn);
        }
      }
      visibility.complete();
    }
    if (!batch.aspects.empty()) {
      pqxx::stream_to aspects(tx, "cxgw_stage_aspects",
                              std::vector<std::string>{"global_asset_id", "aspect_urn", "payload",
                                                       "content_hash", "row_key"});
      for (const AspectPayload& aspect : batch.aspects) {
        aspects << std::make_tuple(aspect.global_asset_id, aspect.aspect_urn, aspect.payload,
                                   sha256Hex(aspect.payload), aspect.row_key);
      }
      aspects.complete();
    }
    if (!batch.withdrawals.empty()) {
      pqxx::stream_to withdrawals(tx, "cxgw_stage_withdrawals",
                                  std::vector<std::string>{"global_asset_id"});
      for (const Withdrawal& withdrawal : batch.withdrawals) {
        withdrawals << std::make_tuple(withdrawal.global_asset_id);
      }
      withdrawals.complete();
    }
    if (!batch.quarantined.empty()) {
      pqxx::stream_to quarantine(
          tx, "cxgw_stage_quarantine",
          std::vector<std::string>{"row_key", "aspect_urn", "field", "reason", "payload"});
      for (const QuarantineEntry& entry : batch.quarantined) {
        quarantine << std::make_tuple(entry.row_key, entry.aspect_urn, entry.field, entry.reason,
                                      entry.payload);
      }
      quarantine.complete();
    }
    if (!batch.cleared_row_keys.empty()) {
      pqxx::stream_to cleared(tx, "cxgw_stage_cleared", std::vector<std::string>{"row_key"});
      for (const std::string& row_key : batch.cleared_row_keys) cleared << std::make_tuple(row_key);
      cleared.complete();
    }
  }

  static BatchOutcome merge(pqxx::work& tx, const SyncBatch& batch) {
    BatchOutcome outcome;
    // Temporary tables are never analyzed automatically; without statistics the planner
    // assumes thousands of rows and scans the whole store on every batch. The deletes below
    // take an array, which keeps them on the primary-key index whatever the statistics say.
    if (!batch.twins.empty()) {
      tx.exec0("ANALYZE cxgw_stage_twins, cxgw_stage_asset_ids, cxgw_stage_visibility");
    }
    if (!batch.aspects.empty()) tx.exec0("ANALYZE cxgw_stage_aspects");
    if (!batch.twins.empty()) {
      // The last occurrence of a twin in the batch wins.
      tx.exec0(R"sql(
        INSERT INTO cxgw_twins (global_asset_id, id_short, digital_twin_type)
        SELECT DISTINCT ON (global_asset_id) global_asset_id, id_short, digital_twin_type
          FROM cxgw_stage_twins ORDER BY global_asset_id, seq DESC
        ON CONFLICT (global_asset_id) DO UPDATE
          SET id_short = excluded.id_short, digital_twin_type = excluded.digital_twin_type,
              withdrawn = false, updated_at = now()
          WHERE (cxgw_twins.id_short, cxgw_twins.digital_twin_type, cxgw_twins.withdrawn)
                IS DISTINCT FROM (excluded.id_short, excluded.digital_twin_type, false))sql");
      tx.exec0(R"sql(
        DELETE FROM cxgw_twin_asset_ids
         WHERE global_asset_id = ANY (ARRAY(SELECT global_asset_id FROM cxgw_stage_twins)))sql");
      tx.exec0(R"sql(
        INSERT INTO cxgw_twin_asset_ids (global_asset_id, ordinal, name, value)
        SELECT DISTINCT ON (global_asset_id, ordinal) global_asset_id, ordinal, name, value
          FROM cxgw_stage_asset_ids)sql");
      tx.exec0(R"sql(
        DELETE FROM cxgw_twin_visibility
         WHERE global_asset_id = ANY (ARRAY(SELECT global_asset_id FROM cxgw_stage_twins)))sql");
      tx.exec0(R"sql(
        INSERT INTO cxgw_twin_visibility (global_asset_id, bpn)
        SELECT DISTINCT global_asset_id, bpn FROM cxgw_stage_visibility)sql");
    }
    if (!batch.aspects.empty()) {
      // Aspects of twins that do not exist go to quarantine instead.
      outcome.quarantined +=
          tx.exec_params0(R"sql(
        INSERT INTO cxgw_quarantine (source, stream, row_key, aspect_urn, field, reason, payload)
        SELECT DISTINCT ON (s.row_key) $1, $2, s.row_key, s.aspect_urn, $3,
               $4 || s.global_asset_id || $5, s.payload
          FROM cxgw_stage_aspects s LEFT JOIN cxgw_twins t USING (global_asset_id)
         WHERE t.global_asset_id IS NULL
         ORDER BY s.row_key, s.seq DESC
        ON CONFLICT (source, stream, row_key) DO UPDATE
          SET aspect_urn = excluded.aspect_urn, field = excluded.field,
              reason = excluded.reason, payload = excluded.payload, last_seen = now(),
              occurrences = cxgw_quarantine.occurrences + 1)sql",
                          batch.source, batch.stream, std::string(kOrphanedAspectField),
                          orphanedReasonPrefix(), orphanedReasonSuffix())
              .affected_rows();
      // Sequence numbers are drawn in staging order only for rows whose content changed.
      const pqxx::row changed = tx.exec1(R"sql(
        WITH latest AS (
          SELECT DISTINCT ON (global_asset_id, aspect_urn) s.*
            FROM cxgw_stage_aspects s JOIN cxgw_twins USING (global_asset_id)
           ORDER BY global_asset_id, aspect_urn, seq DESC),
        changed AS (
          SELECT l.* FROM latest l
            LEFT JOIN cxgw_aspects a USING (global_asset_id, aspect_urn)
           WHERE a.global_asset_id IS NULL OR a.content_hash <> l.content_hash OR a.withdrawn
           ORDER BY l.seq),
        upserted AS (
          INSERT INTO cxgw_aspects (global_asset_id, aspect_urn, payload, content_hash,
                                    change_sequence)
          SELECT global_asset_id, aspect_urn, payload, content_hash,
                 nextval('cxgw_change_sequence') FROM changed
          ON CONFLICT (global_asset_id, aspect_urn) DO UPDATE
            SET payload = excluded.payload, content_hash = excluded.content_hash,
                change_sequence = excluded.change_sequence, withdrawn = false,
                updated_at = now()
          RETURNING 1)
        SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM latest))sql");
      outcome.aspects_changed = changed[0].as<size_t>();
      outcome.aspects_unchanged = changed[1].as<size_t>() - outcome.aspects_changed;
    }
    if (!batch.withdrawals.empty()) {
      outcome.twins_withdrawn = tx.exec0(R"sql(
        UPDATE cxgw_twins SET withdrawn = true, updated_at = now()
         WHERE NOT withdrawn AND global_asset_id IN
           (SELECT global_asset_id FROM cxgw_stage_withdrawals))sql")
                                    .affected_rows();
      tx.exec0(R"sql(
        UPDATE cxgw_aspects SET withdrawn = true, updated_at = now(),
               change_sequence = nextval('cxgw_change_sequence')
         WHERE NOT withdrawn AND global_asset_id IN
           (SELECT global_asset_id FROM cxgw_stage_withdrawals))sql");
    }
    if (!batch.quarantined.empty()) {
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
      tx.exec_params0(R"sql(
        DELETE FROM cxgw_quarantine WHERE source = $1 AND stream = $2
           AND row_key IN (SELECT row_key FROM cxgw_stage_cleared)
           AND row_key NOT IN (SELECT row_key FROM cxgw_stage_quarantine)
           AND row_key NOT IN (SELECT s.row_key FROM cxgw_stage_aspects s
                                 LEFT JOIN cxgw_twins t USING (global_asset_id)
                                WHERE t.global_asset_id IS NULL))sql",
                      batch.source, batch.stream);
    }
    if (batch.watermark) {
      tx.exec_params0(
          "INSERT INTO cxgw_sync_watermarks (source, stream, watermark) VALUES ($1, $2, $3) "
          "ON CONFLICT (source, stream) DO UPDATE SET watermark = excluded.watermark, "
          "updated_at = now()",
          batch.source, batch.stream, encodeWatermark(*batch.watermark));
    }
    return outcome;
  }

  const PostgresStateStoreOptions options_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace

int postgresStoreSchemaVersion() {
  return std::size(kMigrations) > 0 ? kMigrations[std::size(kMigrations) - 1].version : 0;
}

Result<std::unique_ptr<StateStore>> openPostgresStateStore(PostgresStateStoreOptions options) {
  auto store = std::make_unique<PostgresStateStore>(std::move(options));
  if (Status status = store->open(); !status) return status.error();
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace cxgw::store
