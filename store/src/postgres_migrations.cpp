#include "postgres_migrations.hpp"

#include <iterator>
#include <pqxx/pqxx>

#include "cxgw/store/postgres_state_store.hpp"

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
    // One row per twin: the asset ids ("name=value", in order) and the partner BPNs become
    // arrays with GIN indexes, so that a twin is one row to write, not six. No foreign keys:
    // every write joins what it needs (an aspect is stored only when its twin exists) and
    // twins are withdrawn, never deleted.
    {2, "twins hold their asset ids and visibility; no foreign keys", R"sql(
ALTER TABLE cxgw_twins
  ADD COLUMN specific_asset_ids text[] NOT NULL DEFAULT '{}',
  ADD COLUMN visible_to text[] NOT NULL DEFAULT '{}',
  ADD COLUMN content_hash text NOT NULL DEFAULT '';
UPDATE cxgw_twins t SET
  specific_asset_ids = coalesce((SELECT array_agg(a.name || '=' || a.value ORDER BY a.ordinal)
                                   FROM cxgw_twin_asset_ids a
                                  WHERE a.global_asset_id = t.global_asset_id), '{}'),
  visible_to = coalesce((SELECT array_agg(v.bpn ORDER BY v.bpn) FROM cxgw_twin_visibility v
                          WHERE v.global_asset_id = t.global_asset_id), '{}');
DROP TABLE cxgw_twin_asset_ids, cxgw_twin_visibility;
CREATE INDEX cxgw_twins_by_asset_id ON cxgw_twins USING gin (specific_asset_ids);
CREATE INDEX cxgw_twins_by_visibility ON cxgw_twins USING gin (visible_to);
ALTER TABLE cxgw_aspects DROP CONSTRAINT IF EXISTS cxgw_aspects_global_asset_id_fkey;
ALTER TABLE cxgw_aspects ALTER COLUMN change_sequence SET DEFAULT nextval('cxgw_change_sequence');
)sql"},
    // The audit chain (audit_chain.hpp) and its head. The head is one row, locked by every
    // append, so that appends from all replicas take turns; it starts at the genesis hash.
    {3, "audit records and their head", R"sql(
CREATE TABLE cxgw_audit_records (
  sequence      bigint PRIMARY KEY,
  recorded_at   timestamptz NOT NULL,
  decision      text NOT NULL CHECK (decision IN ('allow', 'deny')),
  scope         text NOT NULL,
  partner_bpn   text NOT NULL,
  partner_did   text NOT NULL,
  asset_id      text NOT NULL,
  twin_id       text NOT NULL,
  policy_id     text NOT NULL,
  policy_hash   text NOT NULL,
  agreement_id  text NOT NULL,
  reason        text NOT NULL,
  previous_hash text NOT NULL,
  hash          text NOT NULL
);
CREATE INDEX cxgw_audit_records_by_bpn ON cxgw_audit_records (partner_bpn);
CREATE INDEX cxgw_audit_records_by_did ON cxgw_audit_records (partner_did);
CREATE INDEX cxgw_audit_records_by_asset ON cxgw_audit_records (asset_id);
CREATE INDEX cxgw_audit_records_by_twin ON cxgw_audit_records (twin_id);
CREATE INDEX cxgw_audit_records_by_time ON cxgw_audit_records (recorded_at);
CREATE TABLE cxgw_audit_head (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  sequence   bigint NOT NULL,
  hash       text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO cxgw_audit_head (sequence, hash) VALUES (0, repeat('0', 64));
)sql"},
    // Dataspace Protocol processes (process_store.hpp). A process row's id is our own pid, so
    // a CHECK ties it to the pid of its role. Updates compare and swap `version`. No foreign
    // keys, as for twins: a transfer names its agreement, which the gateway checks.
    {4, "contract negotiations, agreements and transfer processes", R"sql(
CREATE TABLE cxgw_negotiations (
  id                     text PRIMARY KEY,
  role                   text NOT NULL CHECK (role IN ('provider', 'consumer')),
  provider_pid           text NOT NULL,
  consumer_pid           text NOT NULL,
  counterparty_bpn       text NOT NULL,
  counterparty_address   text NOT NULL,
  protocol               text NOT NULL,
  state                  text NOT NULL,
  asset_id               text NOT NULL,
  offer_id               text NOT NULL,
  contract_definition_id text NOT NULL,
  policy_json            text NOT NULL,
  agreement_id           text NOT NULL,
  error_detail           text NOT NULL,
  version                bigint NOT NULL CHECK (version >= 1),
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  CONSTRAINT cxgw_negotiations_id_is_own_pid
    CHECK (id = CASE role WHEN 'provider' THEN provider_pid ELSE consumer_pid END)
);
CREATE TABLE cxgw_agreements (
  id             text PRIMARY KEY,
  negotiation_id text NOT NULL,
  role           text NOT NULL CHECK (role IN ('provider', 'consumer')),
  asset_id       text NOT NULL,
  provider_bpn   text NOT NULL,
  consumer_bpn   text NOT NULL,
  policy_json    text NOT NULL,
  signed_at      timestamptz NOT NULL,
  retired_at     timestamptz,
  retired_reason text NOT NULL
);
CREATE INDEX cxgw_agreements_valid_by_asset
  ON cxgw_agreements (asset_id, role, signed_at DESC, id COLLATE "C") WHERE retired_at IS NULL;
CREATE TABLE cxgw_transfers (
  id                   text PRIMARY KEY,
  role                 text NOT NULL CHECK (role IN ('provider', 'consumer')),
  provider_pid         text NOT NULL,
  consumer_pid         text NOT NULL,
  agreement_id         text NOT NULL,
  asset_id             text NOT NULL,
  counterparty_bpn     text NOT NULL,
  counterparty_address text NOT NULL,
  protocol             text NOT NULL,
  transfer_type        text NOT NULL,
  state                text NOT NULL,
  data_address_json    text NOT NULL,
  error_detail         text NOT NULL,
  version              bigint NOT NULL CHECK (version >= 1),
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  CONSTRAINT cxgw_transfers_id_is_own_pid
    CHECK (id = CASE role WHEN 'provider' THEN provider_pid ELSE consumer_pid END)
);
CREATE INDEX cxgw_transfers_by_agreement
  ON cxgw_transfers (agreement_id, created_at DESC, id COLLATE "C");
)sql"},
    // The change feed's order (state_store.hpp, ChangePosition): the id of the transaction that
    // wrote an aspect's change, then its change sequence. Sequence numbers are drawn while a batch
    // is written, before it commits, so on their own they do not follow commit order; a reader
    // lists only changes of transactions older than every transaction still running, whose set
    // can no longer grow.
    {5, "aspect changes carry the id of their transaction", R"sql(
ALTER TABLE cxgw_aspects ADD COLUMN change_commit xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX cxgw_aspects_by_position ON cxgw_aspects (change_commit, change_sequence);
)sql"},
    // Every change of a transfer or an agreement, whoever makes it (a replica, or an operator
    // revoking by hand in SQL), is announced on commit, so that a gateway that keeps them in
    // memory for data requests (ProcessStore::onChange()) drops what it holds at once.
    {6, "transfers and agreements announce their changes", R"sql(
CREATE FUNCTION cxgw_announce_process_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cxgw_process_changes', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER cxgw_transfers_announce AFTER UPDATE OR DELETE OR TRUNCATE ON cxgw_transfers
  FOR EACH STATEMENT EXECUTE FUNCTION cxgw_announce_process_change();
CREATE TRIGGER cxgw_agreements_announce AFTER UPDATE OR DELETE OR TRUNCATE ON cxgw_agreements
  FOR EACH STATEMENT EXECUTE FUNCTION cxgw_announce_process_change();
)sql"},
    // The store remembers which twins it has stored, so as not to look each one up again before
    // writing its aspects (known_twins.hpp). cxgw never deletes a twin; an operator may, in SQL,
    // and every such statement is counted here, so that a store that remembers forgets.
    {7, "statements that delete twins are counted", R"sql(
CREATE TABLE cxgw_twin_deletions (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  statements bigint NOT NULL
);
INSERT INTO cxgw_twin_deletions (statements) VALUES (0);
CREATE FUNCTION cxgw_count_twin_deletions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cxgw_twin_deletions SET statements = statements + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER cxgw_twins_count_deletions AFTER DELETE OR TRUNCATE ON cxgw_twins
  FOR EACH STATEMENT EXECUTE FUNCTION cxgw_count_twin_deletions();
)sql"},
};

// Arbitrary constant for pg_advisory_xact_lock while migrating.
constexpr int64_t kMigrationLock = 0x63786777'00000001;

}  // namespace

Error postgresError(const std::string& what, const std::exception& e) {
  const bool connection = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr;
  return Error{connection ? ErrorCode::kUnavailable : ErrorCode::kInternal, what + ": " + e.what(),
               "", "", 0};
}

Status applyStoreMigrations(pqxx::connection& connection, int migrate_to) {
  const int wanted = migrate_to > 0 ? migrate_to : postgresStoreSchemaVersion();
  try {
    pqxx::work tx(connection);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    // A role that may not create tables (e.g. an auditor's) can still open a migrated store.
    if (tx.exec1("SELECT to_regclass('cxgw_schema_migrations') IS NULL")[0].as<bool>()) {
      tx.exec0(
          "CREATE TABLE cxgw_schema_migrations (version int PRIMARY KEY, "
          "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    }
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
      if (migration.version > wanted) break;
      tx.exec0(migration.sql);
      tx.exec_params("INSERT INTO cxgw_schema_migrations (version, description) VALUES ($1, $2)",
                     migration.version, std::string(migration.description));
    }
    tx.commit();
    return {};
  } catch (const std::exception& e) {
    return postgresError("PostgreSQL store", e);
  }
}

int postgresStoreSchemaVersion() {
  return std::size(kMigrations) > 0 ? kMigrations[std::size(kMigrations) - 1].version : 0;
}

}  // namespace cxgw::store
