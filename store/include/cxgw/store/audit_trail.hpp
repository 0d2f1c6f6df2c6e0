#pragma once
// The tamper-evident audit trail: one record per policy decision (allow or deny) and per data
// access, appended to a hash chain (audit_chain.hpp gives the rule).
//
// Contract of every implementation (memory and PostgreSQL):
// - append() numbers a batch's entries with the next sequences (1, 2, 3, … without gaps, in the
//   batch's order), links each to the hash of the one before and stores the whole batch, and a
//   head (the last sequence and its hash), atomically: either all of the batch is stored or
//   none of it. Appends from several threads, or processes sharing one database, form one
//   chain. An entry is stored with its time truncated to whole microseconds; the returned
//   records hold exactly what was stored.
// - A failed append returns an Error and stores nothing. Callers deciding on access must treat
//   it as a deny (fail closed).
// - query() returns records in sequence order; verify() walks the whole chain in sequence
//   order in pages, so its memory use does not grow with the trail.
// - All methods are thread-safe. Failures are returned as values, never thrown.
//
// What the chain detects: a record whose content was edited, a record deleted from the middle,
// records reordered or replaced, and the newest records deleted (the head still names them).
// What it cannot detect: someone with write access to the tables who rewrites a record and
// every later record, and the head, consistently (recomputing the hashes is public knowledge),
// or who deletes the newest records and moves the head back. Export the head (`cxgw audit
// verify` prints it) periodically to a place that party cannot write, and compare: a
// rewritten chain no longer contains an exported head.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::store {

enum class AuditDecision { kAllow, kDeny };

// "allow" or "deny".
const char* auditDecisionName(AuditDecision decision);
// The decision a name ("allow", "deny") stands for; nullopt for any other text.
std::optional<AuditDecision> parseAuditDecision(std::string_view name);

// The scopes a record may have.
inline constexpr std::string_view kAuditScopes[] = {"catalog", "negotiation", "transfer",
                                                    "data_access"};

// What a caller appends. Every text field may be empty except scope; none may contain a NUL
// byte or invalid UTF-8.
struct AuditEntry {
  std::chrono::system_clock::time_point time;  // when the decision was made, by the caller
  AuditDecision decision = AuditDecision::kDeny;
  std::string scope;  // one of kAuditScopes
  std::string partner_bpn;
  std::string partner_did;
  std::string asset_id;
  std::string twin_id;  // the twin's global asset id, where one is concerned
  std::string policy_id;
  std::string policy_hash;  // content hash of the policy decided on
  std::string agreement_id;
  std::string reason;  // why, in words
  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

struct AuditRecord {
  int64_t sequence = 0;  // 1 for the first record, then +1 each
  AuditEntry entry;
  std::string previous_hash;  // hash of the record before; 64 zeros for record 1
  std::string hash;           // SHA-256 (lower-case hex) of the record, see audit_chain.hpp
  friend bool operator==(const AuditRecord&, const AuditRecord&) = default;
};

// previous_hash of record 1, and the hash in an empty trail's head.
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The newest record's sequence and hash.
struct AuditHead {
  int64_t sequence = 0;
  std::string hash{kAuditGenesisHash};
  friend bool operator==(const AuditHead&, const AuditHead&) = default;
};

// Filters are combined with AND; an unset or empty filter matches every record.
struct AuditQuery {
  std::string partner;  // a BPN or a DID: matches partner_bpn or partner_did
  std::string asset;    // matches asset_id or twin_id
  std::optional<AuditDecision> decision;
  std::optional<std::chrono::system_clock::time_point> since;  // time >= since
  std::optional<std::chrono::system_clock::time_point> until;  // time < until
  int64_t after_sequence = 0;  // for paging: only records with a greater sequence
  size_t limit = 1000;         // at most this many records, the lowest sequences first
};

// Where a chain is broken, and why, in one sentence that names the record.
struct AuditChainBreak {
  int64_t sequence = 0;  // the first record found missing or not matching
  std::string reason;    // e.g. "record 17: hash does not match its content (edited)"
  friend bool operator==(const AuditChainBreak&, const AuditChainBreak&) = default;
};

struct AuditVerification {
  uint64_t records_checked = 0;
  AuditHead head;                              // as stored
  std::optional<AuditChainBreak> first_break;  // nullopt: the chain is intact
  bool intact() const { return !first_break.has_value(); }
};

class AuditTrail {
 public:
  virtual ~AuditTrail() = default;

  // Appends `entries` as one atomic batch and returns their records, in order. An empty batch
  // stores nothing. Fails with kInvalidArgument (key names the entry and field) for an entry
  // that breaks the AuditEntry rules, with kUnavailable or kInternal when the write fails.
  virtual Result<std::vector<AuditRecord>> append(const std::vector<AuditEntry>& entries) = 0;
  Result<AuditRecord> append(const AuditEntry& entry);

  // What append() returns, handed to the caller of appendThen().
  using AppendDone = std::function<void(Result<std::vector<AuditRecord>>)>;
  // append() without waiting for it: `done` is called exactly once, with what append() would
  // have returned, once the batch is stored or has failed (a caller that answers a partner only
  // from `done` has its record stored first, as with append()). `done` runs either on the
  // calling thread before appendThen() returns, or on a thread of the trail's own; it must not
  // block, nor append to this trail with append(). The default calls append() and then `done`.
  virtual void appendThen(std::vector<AuditEntry> entries, AppendDone done);

  virtual Result<std::vector<AuditRecord>> query(const AuditQuery& query) = 0;

  // Checks every record and the head. A broken chain is a successful verification with
  // first_break set; an Error means the trail could not be read.
  virtual Result<AuditVerification> verify() = 0;
};

// Why `entry` cannot be stored (kInvalidArgument, key "entries[<index>].<field>"), or ok.
Status validateAuditEntry(const AuditEntry& entry, size_t index);

struct MemoryAuditTrailOptions {
  // Fault injection for tests: called once per non-empty append, after the batch is numbered
  // and hashed and before it is stored. A failing Status stores nothing and is returned.
  std::function<Status()> before_commit = {};
};

// A trail in process memory, for tests, demos and a gateway without a database: nothing
// survives the process.
std::unique_ptr<AuditTrail> createMemoryAuditTrail(MemoryAuditTrailOptions options = {});

}  // namespace cxgw::store
