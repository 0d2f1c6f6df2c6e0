#pragma once
// The AuditTrail on PostgreSQL, shared by every cxgw replica that points at the same database.
//
// Records are rows of cxgw_audit_records; the head is the single row of cxgw_audit_head. Both
// come from the store's migrations (postgres_state_store.hpp), which opening the trail applies
// or checks, so that the trail and the state store can be opened in either order.
//
// An append runs in one transaction: it locks the head row (SELECT … FOR UPDATE), numbers and
// hashes the batch after the head, copies the records in and moves the head. Appends from all
// processes on the database therefore take turns and form one contiguous chain. The wait for
// the head's lock (or any other lock) is bounded by lock_timeout; an append that cannot get it
// fails, and stores nothing.
//
// Appends of one process are group-committed by one thread of the trail's own: while it writes
// one transaction, the appends that arrive queue up, and its next transaction writes all of
// them, so that a busy data plane pays one commit for many records. append() returns, and
// appendThen() calls back (on that thread), only once the append's own records are committed;
// if that transaction fails, every append in it fails. Closing the trail (its destructor)
// commits what is queued. One connection serves appends and another, guarded by a mutex, serves
// query() and verify(), so a long verify does not hold up appends. verify() reads in one
// repeatable-read snapshot, in pages of verify_page_size records. A broken connection is reopened
// on the next call. Errors (unreachable server, failed statement, lock timeout, missing privilege)
// come back as kUnavailable or kInternal with the server's message; nothing is thrown.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/store/audit_trail.hpp"

namespace cxgw::store {

struct PostgresAuditTrailOptions {
  std::string connection_string;  // libpq form, e.g. "host=… dbname=… user=…"
  std::chrono::milliseconds lock_timeout{5000};
  size_t verify_page_size = 10000;
  // Fault injection for tests: called after a batch is written and before it commits. A
  // failing Status rolls the batch back and is returned by append().
  std::function<Status()> before_commit = {};
};

// Connects, applies pending store migrations and returns the trail.
Result<std::unique_ptr<AuditTrail>> openPostgresAuditTrail(PostgresAuditTrailOptions options);

}  // namespace cxgw::store
