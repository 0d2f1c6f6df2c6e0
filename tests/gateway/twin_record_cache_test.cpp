// The data requests' cache of twins (twin_record_cache.hpp): hits after a miss, a twin taken
// from a partner dropped at once in one process (memory store) and across two replicas of the
// PostgreSQL store, and nothing kept of a twin that does not exist. The rules it shares with
// the transfer cache (max age, a deaf store, a change overtaking a read) are tested in
// process_record_cache_test.cpp.
#include "cxgw/gateway/dataplane/twin_record_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cxgw/store/postgres_state_store.hpp"
#include "support/postgres_cluster.hpp"

namespace cxgw::gateway {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUrn = "urn:samm:io.catenax.serial_part:3.0.0#SerialPart";

void commit(store::StateStore& store, const std::string& id, std::vector<std::string> partners) {
  store::SyncBatch batch;
  batch.source = "erp";
  batch.stream = "parts";
  batch.twins = {store::Twin{id, id, "PartInstance", {}, std::move(partners)}};
  batch.aspects = {{id, kUrn, R"({"v":1})"}};
  ASSERT_TRUE(store.commit(batch).ok());
}

// The partners the cache says `id` is visible to; "<none>" for no twin.
std::string partnersOf(TwinRecordCache& cache, const std::string& id) {
  auto found = cache.twin(id);
  EXPECT_TRUE(found.ok());
  if (!found.ok() || !found.value()) return "<none>";
  std::string out;
  for (const auto& bpn : found.value()->twin.visible_to) out += (out.empty() ? "" : ",") + bpn;
  return out;
}

TEST(TwinRecordCache, ServesFromMemoryAfterTheFirstReadAndDropsWhatChanged) {
  auto store = store::createMemoryStateStore();
  commit(*store, "a", {"BPNL000000000OEM", "BPNL0000000OEM2"});
  TwinRecordCache cache(*store, {1h, 100});
  EXPECT_EQ(partnersOf(cache, "a"), "BPNL000000000OEM,BPNL0000000OEM2");
  EXPECT_EQ(partnersOf(cache, "a"), "BPNL000000000OEM,BPNL0000000OEM2");
  EXPECT_EQ(cache.stats().hits, 1U);
  EXPECT_EQ(cache.stats().misses, 1U);

  commit(*store, "a", {"BPNL000000000OEM"});
  // The memory store tells its subscribers right after the commit, on the committing thread.
  EXPECT_EQ(partnersOf(cache, "a"), "BPNL000000000OEM");
}

TEST(TwinRecordCache, AMemoryOnlyLookUpAnswersOnlyWhatIsKept) {
  auto store = store::createMemoryStateStore();
  commit(*store, "a", {"BPNL000000000OEM"});
  TwinRecordCache cache(*store, {1h, 100});
  EXPECT_FALSE(cache.twin("a", Reach::kMemoryOnly).ok());
  EXPECT_EQ(cache.stats().misses, 0U);
  EXPECT_EQ(partnersOf(cache, "a"), "BPNL000000000OEM");
  auto kept = cache.twin("a", Reach::kMemoryOnly);
  ASSERT_TRUE(kept.ok() && kept.value());
  EXPECT_EQ(kept.value()->twin.visible_to, std::vector<std::string>{"BPNL000000000OEM"});
  commit(*store, "a", {"BPNL0000000OEM2"});
  EXPECT_FALSE(cache.twin("a", Reach::kMemoryOnly).ok()) << "kept past a change";
}

TEST(TwinRecordCache, KeepsNothingOfATwinThatDoesNotExist) {
  auto store = store::createMemoryStateStore();
  TwinRecordCache cache(*store, {1h, 100});
  EXPECT_EQ(partnersOf(cache, "a"), "<none>");
  commit(*store, "a", {"BPNL000000000OEM"});
  EXPECT_EQ(partnersOf(cache, "a"), "BPNL000000000OEM");
}

class TwinRecordCacheOnPostgres : public testing::PostgresTestSuite {};

TEST_F(TwinRecordCacheOnPostgres, ATwinTakenFromAPartnerOnAnotherReplicaIsDropped) {
  auto serving = store::openPostgresStateStore({connectionString(), {}});
  auto syncing = store::openPostgresStateStore({connectionString(), {}});
  ASSERT_TRUE(serving.ok() && syncing.ok());
  commit(*syncing.value(), "a", {"BPNL000000000OEM", "BPNL0000000OEM2"});
  // An hour: only the notification can drop the kept copy in time.
  TwinRecordCache cache(*serving.value(), {1h, 100});
  for (int i = 0; i < 200 && !serving.value()->hearsEveryChange(); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(serving.value()->hearsEveryChange());
  EXPECT_EQ(partnersOf(cache, "a"), "BPNL000000000OEM,BPNL0000000OEM2");
  EXPECT_EQ(partnersOf(cache, "a"), "BPNL000000000OEM,BPNL0000000OEM2");
  ASSERT_EQ(cache.stats().hits, 1U);

  commit(*syncing.value(), "a", {"BPNL000000000OEM"});  // the payload is unchanged
  std::string partners;
  for (int i = 0; i < 200 && (partners = partnersOf(cache, "a")) != "BPNL000000000OEM"; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(partners, "BPNL000000000OEM");
}

}  // namespace
}  // namespace cxgw::gateway
