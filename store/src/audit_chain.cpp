#include "cxgw/store/audit_chain.hpp"

#include "cxgw/core/digest.hpp"

namespace cxgw::store {
namespace {

void appendField(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

std::string describeGap(int64_t last, int64_t next) {
  const int64_t first_missing = last + 1;
  std::string missing = next - 1 == first_missing
                            ? "record " + std::to_string(first_missing) + " missing"
                            : "records " + std::to_string(first_missing) + " to " +
                                  std::to_string(next - 1) + " missing";
  return missing + ": sequence jumps from " + std::to_string(last) + " to " + std::to_string(next) +
         " (deleted)";
}

}  // namespace

int64_t auditTimeMicros(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::microseconds>(time).time_since_epoch().count();
}

std::string auditCanonicalForm(int64_t sequence, std::string_view previous_hash,
                               const AuditEntry& entry) {
  std::string out = "cxgw-audit-v1\n";
  out.reserve(out.size() + 256 + entry.reason.size());
  appendField(out, std::to_string(sequence));
  appendField(out, previous_hash);
  appendField(out, std::to_string(auditTimeMicros(entry.time)));
  appendField(out, auditDecisionName(entry.decision));
  appendField(out, entry.scope);
  appendField(out, entry.partner_bpn);
  appendField(out, entry.partner_did);
  appendField(out, entry.asset_id);
  appendField(out, entry.twin_id);
  appendField(out, entry.policy_id);
  appendField(out, entry.policy_hash);
  appendField(out, entry.agreement_id);
  appendField(out, entry.reason);
  return out;
}

std::string auditRecordHash(int64_t sequence, std::string_view previous_hash,
                            const AuditEntry& entry) {
  return sha256Hex(auditCanonicalForm(sequence, previous_hash, entry));
}

std::vector<AuditRecord> chainAuditEntries(const AuditHead& head,
                                           const std::vector<AuditEntry>& entries) {
  std::vector<AuditRecord> records;
  records.reserve(entries.size());
  int64_t sequence = head.sequence;
  std::string previous = head.hash;
  for (const AuditEntry& entry : entries) {
    AuditRecord record{++sequence, entry, std::move(previous), {}};
    record.entry.time = std::chrono::floor<std::chrono::microseconds>(entry.time);
    record.hash = auditRecordHash(record.sequence, record.previous_hash, record.entry);
    previous = record.hash;
    records.push_back(std::move(record));
  }
  return records;
}

bool AuditChainVerifier::add(const AuditRecord& record) {
  if (first_break_) return false;
  ++checked_;
  const int64_t sequence = record.sequence;
  const std::string name = "record " + std::to_string(sequence);
  if (sequence <= last_sequence_) {
    first_break_ =
        AuditChainBreak{sequence, name + ": comes after record " + std::to_string(last_sequence_) +
                                      " (reordered or duplicated)"};
  } else if (sequence > last_sequence_ + 1) {
    first_break_ = AuditChainBreak{last_sequence_ + 1, describeGap(last_sequence_, sequence)};
  } else if (record.previous_hash != last_hash_) {
    first_break_ = AuditChainBreak{
        sequence, sequence == 1 ? name + ": previous_hash is not the genesis hash (replaced)"
                                : name + ": previous_hash does not link to record " +
                                      std::to_string(last_sequence_) + " (reordered or replaced)"};
  } else if (auditRecordHash(sequence, record.previous_hash, record.entry) != record.hash) {
    first_break_ = AuditChainBreak{sequence, name + ": hash does not match its content (edited)"};
  }
  if (first_break_) return false;
  last_sequence_ = sequence;
  last_hash_ = record.hash;
  return true;
}

void AuditChainVerifier::addUnreadable(int64_t sequence, const std::string& reason) {
  if (first_break_) return;
  ++checked_;
  first_break_ = AuditChainBreak{sequence, "record " + std::to_string(sequence) + ": " + reason};
}

AuditVerification AuditChainVerifier::finish(const AuditHead& head) const {
  AuditVerification result{checked_, head, first_break_};
  if (result.first_break) return result;
  const std::string ends = std::to_string(last_sequence_);
  const std::string says = std::to_string(head.sequence);
  if (head.sequence > last_sequence_) {
    const int64_t lost = head.sequence - last_sequence_;
    result.first_break = AuditChainBreak{
        last_sequence_ + 1,
        "the chain ends at " + ends + " but the head says " + says +
            (lost == 1 ? " (the newest record was deleted)"
                       : " (the newest " + std::to_string(lost) + " records were deleted)")};
  } else if (head.sequence < last_sequence_) {
    result.first_break = AuditChainBreak{
        head.sequence + 1, "the chain goes on to " + ends + " but the head says " + says +
                               " (records added behind the trail's back, or the head moved back)"};
  } else if (head.hash != last_hash_) {
    result.first_break =
        AuditChainBreak{last_sequence_, "record " + ends +
                                            ": its hash is not the head's hash (the newest "
                                            "record was replaced, or the head edited)"};
  }
  return result;
}

AuditVerification verifyAuditChain(const std::vector<AuditRecord>& records,
                                   const AuditHead& expected_head) {
  AuditChainVerifier verifier;
  for (const AuditRecord& record : records) {
    if (!verifier.add(record)) break;
  }
  return verifier.finish(expected_head);
}

}  // namespace cxgw::store
