#pragma once
// The ProcessStore on PostgreSQL, shared by every cxgw replica that points at the same
// database: a negotiation or transfer that one replica created, another can read and continue.
//
// Records are rows of cxgw_negotiations, cxgw_agreements and cxgw_transfers, which come from
// the store's migrations (postgres_state_store.hpp); opening the process store applies or
// checks them, so that it and the other store classes can be opened in any order.
//
// An update is one statement, UPDATE … WHERE id = … AND version = … (and the fixed fields
// unchanged), so replicas racing for one process take turns on its row lock and exactly one of
// them wins; the others get kConflict. updated_at comes from the database server's clock, one
// clock for all replicas.
//
// Every update or delete of a transfer or an agreement, by any replica or in SQL, sends NOTIFY
// cxgw_process_changes on commit (triggers of migration 6). onChange() LISTENs on a connection
// of its own (from the first subscription on); hearsEveryChange() is true while it does.
//
// Calls share a pool of up to `connections` connections, each serving one call at a time; a
// call waits for a free one. A broken connection is dropped and a new one opened on a later
// call. Every connection bounds its waits for locks (lock_timeout) and its statements
// (statement_timeout). Errors (unreachable server, failed statement, timeout, missing
// privilege) come back as kUnavailable (connection problems) or kInternal with the server's
// message; nothing is thrown.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::store {

struct PostgresProcessStoreOptions {
  std::string connection_string;                 // libpq form, e.g. "host=… dbname=… user=…"
  std::chrono::milliseconds lock_timeout{5000};  // 0: wait for locks without limit
  std::chrono::milliseconds statement_timeout{10000};  // 0: no limit
  size_t connections = 2;                              // at least 1
};

// Connects, applies pending store migrations and returns the store. kInvalidArgument for
// options out of range, and as a call for a database that cannot be reached or migrated.
Result<std::unique_ptr<ProcessStore>> openPostgresProcessStore(PostgresProcessStoreOptions options);

}  // namespace cxgw::store
