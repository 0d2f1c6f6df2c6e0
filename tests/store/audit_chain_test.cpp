#include "cxgw/store/audit_chain.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

namespace cxgw::store {
namespace {

using std::chrono::system_clock;

AuditEntry sampleEntry(int n) {
  AuditEntry entry;
  entry.time = system_clock::time_point(std::chrono::microseconds(1'770'000'000'000'000 + n));
  entry.decision = n % 2 == 0 ? AuditDecision::kAllow : AuditDecision::kDeny;
  entry.scope = "data_access";
  entry.partner_bpn = "BPNL000000000OEM";
  entry.partner_did = "did:web:oem.example";
  entry.asset_id = "asset-" + std::to_string(n);
  entry.twin_id = "urn:uuid:twin-" + std::to_string(n);
  entry.policy_id = "policy-1";
  entry.policy_hash = "ab12";
  entry.agreement_id = "agreement-7";
  entry.reason = "membership credential present";
  return entry;
}

std::vector<AuditRecord> sampleChain(int length) {
  std::vector<AuditEntry> entries;
  for (int n = 1; n <= length; ++n) entries.push_back(sampleEntry(n));
  return chainAuditEntries(AuditHead{}, entries);
}

AuditHead headOf(const std::vector<AuditRecord>& records) {
  return records.empty() ? AuditHead{} : AuditHead{records.back().sequence, records.back().hash};
}

TEST(AuditChain, HashIsDeterministicHexSha256) {
  const AuditEntry entry = sampleEntry(1);
  const std::string hash = auditRecordHash(1, kAuditGenesisHash, entry);
  EXPECT_EQ(hash, auditRecordHash(1, kAuditGenesisHash, entry));
  EXPECT_EQ(hash.size(), 64U);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(AuditChain, CanonicalFormIsLengthPrefixedInFixedOrder) {
  AuditEntry entry;
  entry.time = system_clock::time_point(std::chrono::microseconds(1500));
  entry.decision = AuditDecision::kAllow;
  entry.scope = "catalog";
  entry.reason = "a:b\n";
  EXPECT_EQ(auditCanonicalForm(3, "ff", entry),
            "cxgw-audit-v1\n1:3\n2:ff\n4:1500\n5:allow\n7:catalog\n0:\n0:\n0:\n0:\n0:\n0:\n0:\n"
            "4:a:b\n\n");
}

TEST(AuditChain, ChangingAnyFieldChangesTheHash) {
  const AuditEntry base = sampleEntry(2);
  const std::string hash = auditRecordHash(5, kAuditGenesisHash, base);
  const std::vector<std::pair<const char*, std::function<void(AuditEntry&)>>> edits = {
      {"time", [](AuditEntry& e) { e.time += std::chrono::microseconds(1); }},
      {"decision", [](AuditEntry& e) { e.decision = AuditDecision::kDeny; }},
      {"scope", [](AuditEntry& e) { e.scope = "transfer"; }},
      {"partner_bpn", [](AuditEntry& e) { e.partner_bpn += "X"; }},
      {"partner_did", [](AuditEntry& e) { e.partner_did += "X"; }},
      {"asset_id", [](AuditEntry& e) { e.asset_id += "X"; }},
      {"twin_id", [](AuditEntry& e) { e.twin_id += "X"; }},
      {"policy_id", [](AuditEntry& e) { e.policy_id += "X"; }},
      {"policy_hash", [](AuditEntry& e) { e.policy_hash += "X"; }},
      {"agreement_id", [](AuditEntry& e) { e.agreement_id += "X"; }},
      {"reason", [](AuditEntry& e) { e.reason += "X"; }},
  };
  for (const auto& [field, edit] : edits) {
    AuditEntry edited = base;
    edit(edited);
    EXPECT_NE(auditRecordHash(5, kAuditGenesisHash, edited), hash) << field;
  }
  EXPECT_NE(auditRecordHash(6, kAuditGenesisHash, base), hash) << "sequence";
  EXPECT_NE(auditRecordHash(5, std::string(63, '0') + "1", base), hash) << "previous_hash";
}

TEST(AuditChain, MovingTextBetweenFieldsChangesTheHash) {
  AuditEntry a = sampleEntry(1);
  AuditEntry b = a;
  a.policy_id = "p";
  a.policy_hash = "q";
  b.policy_id = "pq";
  b.policy_hash = "";
  EXPECT_NE(auditRecordHash(1, kAuditGenesisHash, a), auditRecordHash(1, kAuditGenesisHash, b));
}

TEST(AuditChain, ChainingNumbersLinksAndTruncatesToMicroseconds) {
  AuditEntry entry = sampleEntry(1);
  entry.time += std::chrono::nanoseconds(999);
  const auto records = chainAuditEntries(AuditHead{7, std::string(64, 'a')}, {entry, entry});
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[0].sequence, 8);
  EXPECT_EQ(records[0].previous_hash, std::string(64, 'a'));
  EXPECT_EQ(records[1].sequence, 9);
  EXPECT_EQ(records[1].previous_hash, records[0].hash);
  EXPECT_EQ(records[0].entry.time, sampleEntry(1).time);
  EXPECT_EQ(records[0].hash, auditRecordHash(8, records[0].previous_hash, sampleEntry(1)));
}

TEST(AuditChain, IntactChainVerifies) {
  const auto records = sampleChain(20);
  const AuditVerification result = verifyAuditChain(records, headOf(records));
  EXPECT_TRUE(result.intact()) << result.first_break->reason;
  EXPECT_EQ(result.records_checked, 20U);
  EXPECT_EQ(result.head.sequence, 20);
}

TEST(AuditChain, EmptyChainVerifies) {
  const AuditVerification result = verifyAuditChain({}, AuditHead{});
  EXPECT_TRUE(result.intact());
  EXPECT_EQ(result.records_checked, 0U);
}

TEST(AuditChain, EditedFieldIsNamed) {
  auto records = sampleChain(20);
  records[16].entry.reason = "no credential needed";
  const AuditVerification result = verifyAuditChain(records, headOf(records));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 17);
  EXPECT_EQ(result.first_break->reason, "record 17: hash does not match its content (edited)");
}

TEST(AuditChain, EditWithRecomputedHashBreaksTheNextLink) {
  auto records = sampleChain(20);
  records[16].entry.decision = AuditDecision::kAllow;
  records[16].hash = auditRecordHash(17, records[16].previous_hash, records[16].entry);
  const AuditVerification result = verifyAuditChain(records, headOf(records));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 18);
  EXPECT_EQ(result.first_break->reason,
            "record 18: previous_hash does not link to record 17 (reordered or replaced)");
}

TEST(AuditChain, DeletedMiddleRecordIsNamed) {
  auto records = sampleChain(20);
  records.erase(records.begin() + 17);
  const AuditVerification result = verifyAuditChain(records, headOf(records));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 18);
  EXPECT_EQ(result.first_break->reason,
            "record 18 missing: sequence jumps from 17 to 19 (deleted)");
}

TEST(AuditChain, DeletedFirstRecordsAreNamed) {
  auto records = sampleChain(5);
  records.erase(records.begin(), records.begin() + 2);
  const AuditVerification result = verifyAuditChain(records, headOf(records));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 1);
  EXPECT_EQ(result.first_break->reason,
            "records 1 to 2 missing: sequence jumps from 0 to 3 (deleted)");
}

TEST(AuditChain, SwappedRecordsAreNamed) {
  auto records = sampleChain(20);
  // The contents trade places; the sequence numbers stay where they were.
  std::swap(records[19].entry, records[18].entry);
  std::swap(records[19].hash, records[18].hash);
  std::swap(records[19].previous_hash, records[18].previous_hash);
  const AuditVerification result = verifyAuditChain(records, headOf(records));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 19);
  EXPECT_EQ(result.first_break->reason,
            "record 19: previous_hash does not link to record 18 (reordered or replaced)");
}

TEST(AuditChain, RecordsOutOfOrderAreNamed) {
  auto records = sampleChain(5);
  std::swap(records[2], records[3]);
  const AuditVerification result = verifyAuditChain(records, headOf(sampleChain(5)));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 3);
  EXPECT_EQ(result.first_break->reason, "record 3 missing: sequence jumps from 2 to 4 (deleted)");
}

TEST(AuditChain, TruncatedTailIsCaughtByTheHead) {
  auto records = sampleChain(42);
  const AuditHead head = headOf(records);
  records.pop_back();
  const AuditVerification result = verifyAuditChain(records, head);
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 42);
  EXPECT_EQ(result.first_break->reason,
            "the chain ends at 41 but the head says 42 (the newest record was deleted)");
  EXPECT_EQ(result.records_checked, 41U);
}

TEST(AuditChain, AllRecordsDeletedIsCaughtByTheHead) {
  const auto records = sampleChain(3);
  const AuditVerification result = verifyAuditChain({}, headOf(records));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->reason,
            "the chain ends at 0 but the head says 3 (the newest 3 records were deleted)");
}

TEST(AuditChain, ReplacedNewestRecordIsCaughtByTheHead) {
  auto records = sampleChain(5);
  const AuditHead head = headOf(records);
  records[4].entry.reason = "rewritten";
  records[4].hash = auditRecordHash(5, records[4].previous_hash, records[4].entry);
  const AuditVerification result = verifyAuditChain(records, head);
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 5);
  EXPECT_NE(result.first_break->reason.find("the newest record was replaced"), std::string::npos)
      << result.first_break->reason;
}

TEST(AuditChain, RecordsBeyondTheHeadAreNamed) {
  const auto records = sampleChain(5);
  const AuditVerification result = verifyAuditChain(records, AuditHead{4, records[3].hash});
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 5);
}

TEST(AuditChain, OnlyTheFirstBreakIsReported) {
  auto records = sampleChain(10);
  records[2].entry.reason = "x";
  records.erase(records.begin() + 6);
  const AuditVerification result = verifyAuditChain(records, headOf(records));
  ASSERT_FALSE(result.intact());
  EXPECT_EQ(result.first_break->sequence, 3);
  EXPECT_EQ(result.records_checked, 3U);
}

TEST(AuditEntryRules, ScopeMustBeKnownAndTextValidUtf8) {
  AuditEntry entry = sampleEntry(1);
  EXPECT_TRUE(validateAuditEntry(entry, 0).ok());
  entry.scope = "everything";
  Status status = validateAuditEntry(entry, 3);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().key, "entries[3].scope");
  entry = sampleEntry(1);
  entry.reason = std::string("a\0b", 3);
  status = validateAuditEntry(entry, 0);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().key, "entries[0].reason");
  entry = sampleEntry(1);
  entry.partner_did = "\xff";
  status = validateAuditEntry(entry, 0);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().key, "entries[0].partner_did");
}

}  // namespace
}  // namespace cxgw::store
