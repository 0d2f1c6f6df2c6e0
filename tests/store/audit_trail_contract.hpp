#pragma once
// The AuditTrail contract (store/include/cxgw/store/audit_trail.hpp) as typed tests, run
// against every implementation. An implementation's test file defines a factory type with
// `static std::unique_ptr<cxgw::store::AuditTrail> create(std::function<Status()>
// before_commit)` (before_commit as in the implementations' options) and instantiates the suite.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "cxgw/core/timestamp.hpp"
#include "cxgw/store/audit_chain.hpp"
#include "cxgw/store/audit_trail.hpp"

namespace cxgw::store {

inline std::chrono::system_clock::time_point auditTime(const char* text) {
  auto time = parseIsoTimestampStrict(text);
  EXPECT_TRUE(time.ok()) << text;
  return time.ok() ? time.value() : std::chrono::system_clock::time_point();
}

// A data_access entry whose other fields derive from `bpn` and `asset`.
inline AuditEntry auditEntryFor(const std::string& bpn, const std::string& asset,
                                AuditDecision decision, const char* time = "2026-03-01T12:00:00Z") {
  AuditEntry e;
  e.time = auditTime(time);
  e.decision = decision;
  e.scope = "data_access";
  e.partner_bpn = bpn;
  e.partner_did = "did:web:" + bpn;
  e.asset_id = asset;
  e.twin_id = "urn:uuid:" + asset;
  e.policy_id = "policy-" + asset;
  e.policy_hash = "hash-" + asset;
  e.agreement_id = "agreement-" + bpn;
  e.reason = "because";
  return e;
}

template <typename Factory>
class AuditTrailContract : public Factory {
 protected:
  void SetUp() override {
    Factory::SetUp();
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    trail_ = Factory::create({});
    ASSERT_NE(trail_, nullptr);
  }

  static std::chrono::system_clock::time_point at(const char* text) { return auditTime(text); }
  static AuditEntry entry(const std::string& bpn, const std::string& asset, AuditDecision decision,
                          const char* time = "2026-03-01T12:00:00Z") {
    return auditEntryFor(bpn, asset, decision, time);
  }

  std::vector<AuditRecord> appendOk(const std::vector<AuditEntry>& entries) {
    auto records = trail_->append(entries);
    EXPECT_TRUE(records.ok()) << (records.ok() ? "" : records.error().describe());
    return records.ok() ? records.value() : std::vector<AuditRecord>{};
  }

  std::vector<int64_t> sequencesOf(const AuditQuery& query) {
    auto records = trail_->query(query);
    EXPECT_TRUE(records.ok()) << (records.ok() ? "" : records.error().describe());
    std::vector<int64_t> out;
    if (records.ok()) {
      for (const AuditRecord& record : records.value()) out.push_back(record.sequence);
    }
    return out;
  }

  AuditVerification verifyOk() {
    auto result = trail_->verify();
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().describe());
    return result.ok() ? result.value() : AuditVerification{};
  }

  std::unique_ptr<AuditTrail> trail_;
};

TYPED_TEST_SUITE_P(AuditTrailContract);

TYPED_TEST_P(AuditTrailContract, EmptyTrailVerifiesWithGenesisHead) {
  const AuditVerification result = this->verifyOk();
  EXPECT_TRUE(result.intact()) << result.first_break->reason;
  EXPECT_EQ(result.records_checked, 0U);
  EXPECT_EQ(result.head, AuditHead{});
  EXPECT_TRUE(this->sequencesOf({}).empty());
}

TYPED_TEST_P(AuditTrailContract, AppendNumbersFromOneAndLinksEachRecordToTheLast) {
  const auto batch = this->appendOk({this->entry("BPNL1", "a", AuditDecision::kAllow),
                                     this->entry("BPNL2", "b", AuditDecision::kDeny)});
  ASSERT_EQ(batch.size(), 2U);
  EXPECT_EQ(batch[0].sequence, 1);
  EXPECT_EQ(batch[0].previous_hash, kAuditGenesisHash);
  EXPECT_EQ(batch[0].hash, auditRecordHash(1, kAuditGenesisHash, batch[0].entry));
  EXPECT_EQ(batch[1].sequence, 2);
  EXPECT_EQ(batch[1].previous_hash, batch[0].hash);
  auto single = this->trail_->append(this->entry("BPNL3", "c", AuditDecision::kAllow));
  ASSERT_TRUE(single.ok()) << single.error().describe();
  EXPECT_EQ(single.value().sequence, 3);
  EXPECT_EQ(single.value().previous_hash, batch[1].hash);

  const AuditVerification result = this->verifyOk();
  EXPECT_TRUE(result.intact()) << result.first_break->reason;
  EXPECT_EQ(result.records_checked, 3U);
  EXPECT_EQ(result.head, (AuditHead{3, single.value().hash}));
}

TYPED_TEST_P(AuditTrailContract, RecordsReadBackExactlyAsAppended) {
  AuditEntry odd = this->entry("BPNL1", "a", AuditDecision::kDeny);
  odd.time += std::chrono::nanoseconds(123'456'789);
  odd.reason = "Grüße, \"quoted\"\nnew line; 'single' \\ back";
  odd.twin_id = "";
  odd.scope = "negotiation";
  const auto appended = this->appendOk({odd});
  ASSERT_EQ(appended.size(), 1U);
  EXPECT_EQ(appended[0].entry.time,
            this->at("2026-03-01T12:00:00Z") + std::chrono::microseconds(123'456));
  auto read = this->trail_->query({});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  ASSERT_EQ(read.value().size(), 1U);
  EXPECT_EQ(read.value()[0], appended[0]);
}

TYPED_TEST_P(AuditTrailContract, QueryFiltersCombineAndPage) {
  this->appendOk({
      this->entry("BPNL1", "a", AuditDecision::kAllow, "2026-03-01T10:00:00Z"),  // 1
      this->entry("BPNL2", "a", AuditDecision::kDeny, "2026-03-01T11:00:00Z"),   // 2
      this->entry("BPNL1", "b", AuditDecision::kDeny, "2026-03-02T00:00:00Z"),   // 3
      this->entry("BPNL1", "a", AuditDecision::kDeny, "2026-03-03T00:00:00Z"),   // 4
      this->entry("BPNL3", "c", AuditDecision::kAllow, "2026-03-04T00:00:00Z"),  // 5
  });
  using Seq = std::vector<int64_t>;
  EXPECT_EQ(this->sequencesOf({}), (Seq{1, 2, 3, 4, 5}));
  AuditQuery by_bpn;
  by_bpn.partner = "BPNL1";
  EXPECT_EQ(this->sequencesOf(by_bpn), (Seq{1, 3, 4}));
  AuditQuery by_did;
  by_did.partner = "did:web:BPNL2";
  EXPECT_EQ(this->sequencesOf(by_did), (Seq{2}));
  AuditQuery by_asset;
  by_asset.asset = "a";
  EXPECT_EQ(this->sequencesOf(by_asset), (Seq{1, 2, 4}));
  AuditQuery by_twin;
  by_twin.asset = "urn:uuid:b";
  EXPECT_EQ(this->sequencesOf(by_twin), (Seq{3}));
  AuditQuery denied;
  denied.decision = AuditDecision::kDeny;
  EXPECT_EQ(this->sequencesOf(denied), (Seq{2, 3, 4}));
  AuditQuery window;
  window.since = this->at("2026-03-01T11:00:00Z");  // inclusive
  window.until = this->at("2026-03-03");            // exclusive
  EXPECT_EQ(this->sequencesOf(window), (Seq{2, 3}));
  AuditQuery combined;
  combined.partner = "BPNL1";
  combined.asset = "a";
  combined.decision = AuditDecision::kDeny;
  EXPECT_EQ(this->sequencesOf(combined), (Seq{4}));
  AuditQuery nobody;
  nobody.partner = "BPNL9";
  EXPECT_TRUE(this->sequencesOf(nobody).empty());
  AuditQuery page;
  page.limit = 2;
  EXPECT_EQ(this->sequencesOf(page), (Seq{1, 2}));
  page.after_sequence = 2;
  EXPECT_EQ(this->sequencesOf(page), (Seq{3, 4}));
  page.after_sequence = 4;
  EXPECT_EQ(this->sequencesOf(page), (Seq{5}));
  page.limit = 0;
  EXPECT_TRUE(this->sequencesOf(page).empty());
}

TYPED_TEST_P(AuditTrailContract, InvalidEntryRejectsTheWholeBatch) {
  this->appendOk({this->entry("BPNL1", "a", AuditDecision::kAllow)});
  AuditEntry bad = this->entry("BPNL1", "b", AuditDecision::kAllow);
  bad.scope = "everything";
  auto result = this->trail_->append({this->entry("BPNL1", "c", AuditDecision::kAllow), bad,
                                      this->entry("BPNL1", "d", AuditDecision::kAllow)});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().key, "entries[1].scope");
  EXPECT_EQ(this->sequencesOf({}), (std::vector<int64_t>{1}));
  const auto next = this->appendOk({this->entry("BPNL1", "e", AuditDecision::kAllow)});
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].sequence, 2);
}

TYPED_TEST_P(AuditTrailContract, FailedWriteStoresNothingAndReturnsAnError) {
  bool fail = true;
  auto trail = TypeParam::create([&fail]() -> Status {
    if (fail) return Error{ErrorCode::kUnavailable, "injected write failure", "", "", 0};
    return {};
  });
  ASSERT_NE(trail, nullptr);
  auto failed = trail->append({this->entry("BPNL1", "a", AuditDecision::kAllow),
                               this->entry("BPNL1", "b", AuditDecision::kAllow)});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "injected write failure");
  auto none = trail->query({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.value().empty());

  fail = false;
  auto stored = trail->append({this->entry("BPNL1", "a", AuditDecision::kAllow)});
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(stored.value().sequence, 1);
  auto result = trail->verify();
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.value().intact());
  EXPECT_EQ(result.value().head.sequence, 1);
}

TYPED_TEST_P(AuditTrailContract, EmptyBatchStoresNothing) {
  auto none = this->trail_->append(std::vector<AuditEntry>{});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.value().empty());
  EXPECT_EQ(this->verifyOk().head, AuditHead{});
}

TYPED_TEST_P(AuditTrailContract, ConcurrentAppendsFormOneContiguousChain) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int b = 0; b < kBatches; ++b) {
        const std::string bpn = "BPNL" + std::to_string(t);
        auto records =
            this->trail_->append({this->entry(bpn, std::to_string(b), AuditDecision::kAllow),
                                  this->entry(bpn, std::to_string(b), AuditDecision::kDeny)});
        if (!records.ok() || records.value().size() != 2 ||
            records.value()[1].sequence != records.value()[0].sequence + 1) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  AuditQuery all;
  all.limit = 1000;
  const auto sequences = this->sequencesOf(all);
  ASSERT_EQ(sequences.size(), static_cast<size_t>(2 * kThreads * kBatches));
  for (size_t i = 0; i < sequences.size(); ++i)
    EXPECT_EQ(sequences[i], static_cast<int64_t>(i + 1));
  const AuditVerification result = this->verifyOk();
  EXPECT_TRUE(result.intact()) << result.first_break->reason;
  EXPECT_EQ(result.records_checked, static_cast<uint64_t>(2 * kThreads * kBatches));
}

REGISTER_TYPED_TEST_SUITE_P(AuditTrailContract, EmptyTrailVerifiesWithGenesisHead,
                            AppendNumbersFromOneAndLinksEachRecordToTheLast,
                            RecordsReadBackExactlyAsAppended, QueryFiltersCombineAndPage,
                            InvalidEntryRejectsTheWholeBatch,
                            FailedWriteStoresNothingAndReturnsAnError, EmptyBatchStoresNothing,
                            ConcurrentAppendsFormOneContiguousChain);

}  // namespace cxgw::store
