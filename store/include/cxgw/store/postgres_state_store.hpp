#pragma once
// The StateStore on PostgreSQL, shared by every cxgw replica that points at the same database.
//
// The store owns its tables (prefix cxgw_) through versioned migrations, applied at open under
// an advisory lock so that replicas starting together do not race; the applied versions are in
// cxgw_schema_migrations. A commit runs in one transaction with its watermark: it reads the
// stored content hashes of the batch's twins and aspects (one index lookup per key), copies new
// rows straight into their tables with COPY, updates changed ones from a COPY-filled staging
// table, and leaves unchanged ones alone. An aspect is written only when its twin is stored;
// the store remembers the twins its commits stored or found (options.remembered_twins of
// them) and looks up only the others, and forgets them all when an operator deletes twins in
// SQL (a trigger counts such statements, and every batch reads the count).
//
// Change feed: every aspect change records the id of its transaction (change_commit, xid8);
// changes() orders by (change_commit, change_sequence) and lists only changes of transactions
// older than every write transaction still running in the cluster (the snapshot's xmin), so a
// change is listed once nothing can commit before it. The price: an open write transaction (a
// sync batch, or a session left idle in a transaction) holds the feed back until it ends.
// A commit that changed aspects or stored twins sends NOTIFY cxgw_store_changes; onChange()
// LISTENs on a connection of its own (a thread, started by the first subscription) and so hears
// the commits of every replica; hearsEveryChange() is true while it does.
//
// Every read is one statement in autocommit, on one of `read_connections` pooled connections,
// so that reads run side by side; counts(), which scans whole tables, has a connection of its
// own so that reads never wait behind it, and its answer is kept until a commit of this store
// or a notification of another replica's may have changed it (for a minute at most); commits use a
// pool of two more connections, so that two commits can do their work at once (parallelCommits() is
// 2). A broken connection is reopened on a later call. Errors (unreachable server, failed
// statement) come back as kUnavailable or kInternal with the server's message; nothing is thrown to
// the caller.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::store {

struct PostgresStateStoreOptions {
  std::string connection_string;  // libpq form, e.g. "host=… dbname=… user=…"
  // Fault injection for tests: called after a batch is written and before it commits. A
  // failing Status rolls the batch back and is returned by commit().
  std::function<Status()> before_commit;
  // The schema version to migrate to; 0 is the newest. Older versions are for upgrade tests.
  int migrate_to = 0;
  // Connections that serve reads (the data plane, the registry, the change feed) side by
  // side; a read waits for a free one. Commits and counts have connections of their own.
  size_t read_connections = 4;
  // How many stored twins the store remembers (16 bytes each, twice that while its table
  // grows), so that writing their aspects needs no lookup of the twin; the others are looked
  // up. 0 remembers none.
  size_t remembered_twins = 2'000'000;
};

// Connects, applies pending migrations and returns the store.
Result<std::unique_ptr<StateStore>> openPostgresStateStore(PostgresStateStoreOptions options);

// The newest schema version this build knows.
int postgresStoreSchemaVersion();

}  // namespace cxgw::store
