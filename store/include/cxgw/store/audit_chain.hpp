#pragma once
// The audit chain rule, in one place: how a record is serialized and hashed, and how a sequence
// of records is verified. Pure functions; both AuditTrail implementations and `cxgw audit
// verify` use them, and docs/audit.md restates the rule for independent verifiers.
//
// Canonical form of a record: the bytes "cxgw-audit-v1\n", then for each of these fields in
// this order its length in bytes (decimal), ':', its bytes and '\n':
//   sequence (decimal), previous_hash, time (integer microseconds since 1970-01-01T00:00:00Z,
//   decimal, '-' when negative), decision ("allow" or "deny"), scope, partner_bpn,
//   partner_did, asset_id, twin_id, policy_id, policy_hash, agreement_id, reason.
// hash = lower-case hex SHA-256 of the canonical form. Record 1's previous_hash is 64 '0's;
// every later record's previous_hash is the hash of the record before it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/store/audit_trail.hpp"

namespace cxgw::store {

// `time` in whole microseconds since the Unix epoch, rounded towards the past.
int64_t auditTimeMicros(std::chrono::system_clock::time_point time);

std::string auditCanonicalForm(int64_t sequence, std::string_view previous_hash,
                               const AuditEntry& entry);
std::string auditRecordHash(int64_t sequence, std::string_view previous_hash,
                            const AuditEntry& entry);

// The records that appending `entries` after `head` produces: times truncated to whole
// microseconds, numbered from head.sequence + 1, linked and hashed.
std::vector<AuditRecord> chainAuditEntries(const AuditHead& head,
                                           const std::vector<AuditEntry>& entries);

// Checks records fed one at a time in ascending sequence order, keeping only the last one's
// sequence and hash, so that a chain of any length is checked in constant memory. After the
// first break, further records are ignored. Not thread-safe.
class AuditChainVerifier {
 public:
  // False once the chain is broken (at this record or before).
  bool add(const AuditRecord& record);
  // A record whose content could not even be read back (e.g. a decision that is neither
  // "allow" nor "deny"): a break at `sequence` with `reason`, unless the chain broke before.
  void addUnreadable(int64_t sequence, const std::string& reason);
  // The result, after comparing the last record with `head`.
  AuditVerification finish(const AuditHead& head) const;
  // The last record that linked, as a head; {0, genesis} before any.
  AuditHead last() const { return AuditHead{last_sequence_, last_hash_}; }

 private:
  uint64_t checked_ = 0;
  int64_t last_sequence_ = 0;
  std::string last_hash_{kAuditGenesisHash};
  std::optional<AuditChainBreak> first_break_;
};

// Verifies a whole chain held in memory: `records` in sequence order, `expected_head` as
// stored. The first break names the record and the kind of tampering it suggests:
//   "record 17: hash does not match its content (edited)"
//   "record 18 missing: sequence jumps from 17 to 19 (deleted)"
//   "record 20: previous_hash does not link to record 19 (reordered or replaced)"
//   "the chain ends at 41 but the head says 42 (the newest record was deleted)"
AuditVerification verifyAuditChain(const std::vector<AuditRecord>& records,
                                   const AuditHead& expected_head);

}  // namespace cxgw::store
