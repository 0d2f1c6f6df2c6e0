// The data requests' cache of transfers and agreements (process_record_cache.hpp): hits after a
// miss, nothing kept of what does not exist, nothing trusted while the store may miss changes or
// beyond max_age, no stale copy kept when a change overtakes a read, and a revocation on another
// replica of the PostgreSQL store reaching the cache of this one.
#include "cxgw/gateway/dataplane/process_record_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "cxgw/store/postgres_process_store.hpp"
#include "support/postgres_cluster.hpp"

namespace cxgw::gateway {
namespace {

using namespace std::chrono_literals;
using store::ProcessRole;
using store::TransferProcessRecord;

TransferProcessRecord transferFor(const std::string& id) {
  TransferProcessRecord r;
  r.id = id;
  r.role = ProcessRole::kProvider;
  r.provider_pid = id;
  r.consumer_pid = "consumer-pid-of-" + id;
  r.agreement_id = "agr-1";
  r.asset_id = "asset-1";
  r.counterparty_bpn = "BPNL000000000OEM";
  r.counterparty_address = "https://oem.example/api/dsp";
  r.protocol = "dataspace-protocol-http:2025-1";
  r.transfer_type = "HttpData-PULL";
  r.state = "STARTED";
  r.created_at = std::chrono::system_clock::now();
  r.updated_at = r.created_at;
  return r;
}

store::ContractAgreementRecord agreementFor(const std::string& id) {
  store::ContractAgreementRecord r;
  r.id = id;
  r.negotiation_id = "neg-of-" + id;
  r.asset_id = "asset-1";
  r.provider_bpn = "BPNL00000000SUPP";
  r.consumer_bpn = "BPNL000000000OEM";
  r.policy_json = "{}";
  r.signed_at = std::chrono::system_clock::now();
  return r;
}

std::string stateOf(ProcessRecordCache& cache, const std::string& id) {
  auto found = cache.transfer(id);
  EXPECT_TRUE(found.ok());
  if (!found.ok()) return "<error>";
  return found.value() ? found.value()->state : "<none>";
}

// Moves the stored transfer `id` to `state`.
void moveTo(store::ProcessStore& store, const std::string& id, const std::string& state) {
  TransferProcessRecord record = *store.transfer(id).value();
  record.state = state;
  ASSERT_TRUE(store.updateTransfer(record).ok());
}

// A ProcessStore port in front of the memory store, for what the memory store cannot show: a
// store that may miss changes, and a change committed while a read is on its way back.
class ObservedProcessStore final : public store::ProcessStore {
 public:
  bool hears = true;
  std::function<void()> during_transfer_read;  // runs after the read, before it returns
  int transfer_reads = 0;

  Status createNegotiation(const store::ContractNegotiationRecord& r) override {
    return inner_->createNegotiation(r);
  }
  Result<std::optional<store::ContractNegotiationRecord>> negotiation(
      const std::string& id) override {
    return inner_->negotiation(id);
  }
  Result<store::ContractNegotiationRecord> updateNegotiation(
      const store::ContractNegotiationRecord& r) override {
    return inner_->updateNegotiation(r);
  }
  Status createTransfer(const TransferProcessRecord& r) override {
    return inner_->createTransfer(r);
  }
  Result<std::optional<TransferProcessRecord>> transfer(const std::string& id) override {
    ++transfer_reads;
    auto read = inner_->transfer(id);
    if (during_transfer_read) std::exchange(during_transfer_read, nullptr)();
    return read;
  }
  Result<TransferProcessRecord> updateTransfer(const TransferProcessRecord& r) override {
    return inner_->updateTransfer(r);
  }
  Result<std::vector<TransferProcessRecord>> transfersForAgreement(const std::string& id) override {
    return inner_->transfersForAgreement(id);
  }
  Status createAgreement(const store::ContractAgreementRecord& r) override {
    return inner_->createAgreement(r);
  }
  Result<std::optional<store::ContractAgreementRecord>> agreement(const std::string& id) override {
    return inner_->agreement(id);
  }
  Status retireAgreement(const std::string& id, std::string reason,
                         std::chrono::system_clock::time_point at) override {
    return inner_->retireAgreement(id, std::move(reason), at);
  }
  Result<std::vector<store::ContractAgreementRecord>> agreementsForAsset(
      ProcessRole role, const std::string& asset_id) override {
    return inner_->agreementsForAsset(role, asset_id);
  }
  std::unique_ptr<store::ChangeSubscription> onChange(std::function<void()> on_change) override {
    return inner_->onChange(std::move(on_change));
  }
  bool hearsEveryChange() const override { return hears; }

 private:
  std::unique_ptr<store::ProcessStore> inner_ = store::createMemoryProcessStore();
};

TEST(ProcessRecordCache, ServesFromMemoryAfterTheFirstReadAndDropsWhatChanged) {
  auto store = store::createMemoryProcessStore();
  ASSERT_TRUE(store->createTransfer(transferFor("tp-1")).ok());
  ASSERT_TRUE(store->createAgreement(agreementFor("agr-1")).ok());
  ProcessRecordCache cache(*store, {1h, 100});
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_TRUE(cache.agreement("agr-1").value().has_value());
  EXPECT_TRUE(cache.agreement("agr-1").value().has_value());
  EXPECT_EQ(cache.stats().hits, 2U);
  EXPECT_EQ(cache.stats().misses, 2U);

  moveTo(*store, "tp-1", "TERMINATED");
  EXPECT_EQ(stateOf(cache, "tp-1"), "TERMINATED") << "revoked the moment the update returned";
  ASSERT_TRUE(
      store->retireAgreement("agr-1", "partner left", std::chrono::system_clock::now()).ok());
  auto agreement = cache.agreement("agr-1");
  ASSERT_TRUE(agreement.ok() && agreement.value());
  EXPECT_TRUE(agreement.value()->retired_at.has_value());
}

// A look-up that must not block answers from memory or says it cannot; it never reads the store,
// and it trusts what is kept no more than a look-up that may read.
TEST(ProcessRecordCache, AMemoryOnlyLookUpNeverReadsTheStore) {
  ObservedProcessStore store;
  ASSERT_TRUE(store.createTransfer(transferFor("tp-1")).ok());
  ProcessRecordCache cache(store, {1h, 100});
  auto cold = cache.transfer("tp-1", Reach::kMemoryOnly);
  ASSERT_FALSE(cold.ok()) << "answered from memory what memory did not hold";
  EXPECT_EQ(cold.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.transfer_reads, 0);

  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  auto warm = cache.transfer("tp-1", Reach::kMemoryOnly);
  ASSERT_TRUE(warm.ok() && warm.value());
  EXPECT_EQ(warm.value()->state, "STARTED");
  EXPECT_EQ(store.transfer_reads, 1);

  store.hears = false;
  EXPECT_FALSE(cache.transfer("tp-1", Reach::kMemoryOnly).ok()) << "trusted while deaf";
  store.hears = true;
  moveTo(store, "tp-1", "TERMINATED");  // reads the record itself
  const int reads = store.transfer_reads;
  EXPECT_FALSE(cache.transfer("tp-1", Reach::kMemoryOnly).ok()) << "kept past a change";
  EXPECT_FALSE(cache.transfer("tp-unknown", Reach::kMemoryOnly).ok());
  EXPECT_EQ(store.transfer_reads, reads);
}

TEST(ProcessRecordCache, KeepsNothingOfWhatDoesNotExist) {
  auto store = store::createMemoryProcessStore();
  ProcessRecordCache cache(*store, {1h, 100});
  EXPECT_EQ(stateOf(cache, "tp-1"), "<none>");
  ASSERT_TRUE(store->createTransfer(transferFor("tp-1")).ok());  // no change is announced
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
}

TEST(ProcessRecordCache, TrustsNothingWhileTheStoreMayMissChanges) {
  ObservedProcessStore store;
  ASSERT_TRUE(store.createTransfer(transferFor("tp-1")).ok());
  ProcessRecordCache cache(store, {1h, 100});
  store.hears = false;
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(cache.stats().hits, 0U) << "nothing kept while deaf";

  store.hears = true;
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(cache.stats().hits, 1U);
  store.hears = false;
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(cache.stats().hits, 1U) << "what was kept is not trusted while deaf";
}

TEST(ProcessRecordCache, TrustsNothingOlderThanMaxAge) {
  auto store = store::createMemoryProcessStore();
  ASSERT_TRUE(store->createTransfer(transferFor("tp-1")).ok());
  ProcessRecordCache cache(*store, {0ms, 100});
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(cache.stats().hits, 0U);
  EXPECT_EQ(cache.stats().misses, 2U);
}

TEST(ProcessRecordCache, AChangeThatOvertakesAReadIsNotHiddenByIt) {
  ObservedProcessStore store;
  ASSERT_TRUE(store.createTransfer(transferFor("tp-1")).ok());
  ProcessRecordCache cache(store, {1h, 100});
  // The read returns STARTED, but the transfer is terminated before the read is back.
  store.during_transfer_read = [&store] { moveTo(store, "tp-1", "TERMINATED"); };
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(stateOf(cache, "tp-1"), "TERMINATED") << "the stale read must not have been kept";
}

TEST(ProcessRecordCache, StartsAfreshWhenFull) {
  auto store = store::createMemoryProcessStore();
  for (const char* id : {"tp-1", "tp-2", "tp-3"}) {
    ASSERT_TRUE(store->createTransfer(transferFor(id)).ok());
  }
  ProcessRecordCache cache(*store, {1h, 2});
  for (const char* id : {"tp-1", "tp-2", "tp-3", "tp-3", "tp-1"}) {
    EXPECT_EQ(stateOf(cache, id), "STARTED");
  }
  // tp-3 found the cache full and emptied it: tp-3 is kept (one hit), tp-1 is read again.
  EXPECT_EQ(cache.stats().hits, 1U);
  EXPECT_EQ(cache.stats().misses, 4U);
}

class ProcessRecordCacheOnPostgres : public testing::PostgresTestSuite {};

TEST_F(ProcessRecordCacheOnPostgres, ARevocationOnAnotherReplicaReachesTheCache) {
  auto serving = store::openPostgresProcessStore({connectionString()});
  auto revoking = store::openPostgresProcessStore({connectionString()});
  ASSERT_TRUE(serving.ok() && revoking.ok());
  ASSERT_TRUE(revoking.value()->createTransfer(transferFor("tp-1")).ok());
  // An hour: only the notification can drop the kept copy in time.
  ProcessRecordCache cache(*serving.value(), {1h, 100});
  for (int i = 0; i < 200 && !serving.value()->hearsEveryChange(); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(serving.value()->hearsEveryChange());
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  EXPECT_EQ(stateOf(cache, "tp-1"), "STARTED");
  ASSERT_EQ(cache.stats().hits, 1U);

  moveTo(*revoking.value(), "tp-1", "SUSPENDED");
  std::string state;
  for (int i = 0; i < 200 && (state = stateOf(cache, "tp-1")) != "SUSPENDED"; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(state, "SUSPENDED");
}

}  // namespace
}  // namespace cxgw::gateway
