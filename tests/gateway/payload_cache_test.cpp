// The data plane's payload cache (payload_cache.hpp): hits after a miss, the byte budget, and
// invalidation by the store's changes, in one process (memory store) and across two replicas of
// the PostgreSQL store (a commit on one replica drops the entry cached on the other).
#include "cxgw/gateway/dataplane/payload_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cxgw/store/postgres_state_store.hpp"
#include "support/postgres_cluster.hpp"

namespace cxgw::gateway {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUrn = "urn:samm:io.catenax.serial_part:3.0.0#SerialPart";

void commit(store::StateStore& store, const std::string& id, const std::string& payload) {
  store::SyncBatch batch;
  batch.source = "erp";
  batch.stream = "parts";
  batch.twins = {store::Twin{id, id, "PartInstance", {}, {"BPNL000000000OEM"}}};
  batch.aspects = {{id, kUrn, payload}};
  ASSERT_TRUE(store.commit(batch).ok());
}

std::string payloadOf(PayloadCache& cache, const std::string& id) {
  auto found = cache.aspect(id, kUrn);
  EXPECT_TRUE(found.ok());
  if (!found.ok() || !found.value()) return "<none>";
  return (*found.value())->payload;
}

// Reads until the cache serves `expected`, for up to 10 s; what it served last.
std::string awaitPayload(PayloadCache& cache, const std::string& id, const std::string& expected) {
  std::string served;
  for (int i = 0; i < 200; ++i) {
    served = payloadOf(cache, id);
    if (served == expected) break;
    std::this_thread::sleep_for(50ms);
  }
  return served;
}

TEST(PayloadCache, ServesFromMemoryAfterTheFirstReadAndDropsWhatChanges) {
  auto store = store::createMemoryStateStore();
  commit(*store, "a", R"({"v":1})");
  PayloadCache cache(*store, PayloadCacheSettings{1 << 20, 100ms});
  EXPECT_EQ(payloadOf(cache, "a"), R"({"v":1})");
  EXPECT_EQ(payloadOf(cache, "a"), R"({"v":1})");
  EXPECT_EQ(cache.stats().misses, 1U);
  EXPECT_EQ(cache.stats().hits, 1U);
  EXPECT_EQ(payloadOf(cache, "missing"), "<none>");

  commit(*store, "a", R"({"v":2})");
  EXPECT_EQ(awaitPayload(cache, "a", R"({"v":2})"), R"({"v":2})");
  EXPECT_GE(cache.stats().invalidations, 1U);
}

TEST(PayloadCache, AMemoryOnlyLookUpAnswersOnlyWhatIsCached) {
  auto store = store::createMemoryStateStore();
  commit(*store, "a", R"({"v":1})");
  PayloadCache cache(*store, PayloadCacheSettings{1 << 20, 100ms});
  auto cold = cache.aspect("a", kUrn, Reach::kMemoryOnly);
  ASSERT_FALSE(cold.ok());
  EXPECT_EQ(cold.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(cache.stats().misses, 0U) << "the store was read";
  EXPECT_EQ(payloadOf(cache, "a"), R"({"v":1})");
  auto warm = cache.aspect("a", kUrn, Reach::kMemoryOnly);
  ASSERT_TRUE(warm.ok() && warm.value());
  EXPECT_EQ((*warm.value())->payload, R"({"v":1})");
}

TEST(PayloadCache, StaysWithinItsByteBudget) {
  auto store = store::createMemoryStateStore();
  const std::string payload(1000, 'x');
  for (int i = 0; i < 20; ++i) commit(*store, "t" + std::to_string(i), payload);
  PayloadCache cache(*store, PayloadCacheSettings{5000, 100ms});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(payloadOf(cache, "t" + std::to_string(i)), payload);
  EXPECT_LE(cache.stats().bytes, 5000U);
  EXPECT_EQ(cache.stats().entries, 5U);
  // The most recent ones are the ones kept.
  const auto before = cache.stats().hits;
  EXPECT_EQ(payloadOf(cache, "t19"), payload);
  EXPECT_EQ(cache.stats().hits, before + 1);
  EXPECT_EQ(payloadOf(cache, "t0"), payload);
  EXPECT_EQ(cache.stats().hits, before + 1) << "t0 was evicted long ago";

  PayloadCache off(*store, PayloadCacheSettings{0, 100ms});
  EXPECT_EQ(payloadOf(off, "t1"), payload);
  EXPECT_EQ(payloadOf(off, "t1"), payload);
  EXPECT_EQ(off.stats().hits, 0U);
}

class PayloadCacheOnPostgres : public testing::PostgresTestSuite {};

TEST_F(PayloadCacheOnPostgres, ACommitOnAnotherReplicaDropsTheCachedPayload) {
  auto serving = store::openPostgresStateStore({connectionString(), {}});
  auto syncing = store::openPostgresStateStore({connectionString(), {}});
  ASSERT_TRUE(serving.ok() && syncing.ok());
  commit(*syncing.value(), "a", R"({"v":1})");
  // A poll far beyond the test's patience: only the notification can invalidate in time.
  PayloadCache cache(*serving.value(), PayloadCacheSettings{1 << 20, 1h});
  EXPECT_EQ(payloadOf(cache, "a"), R"({"v":1})");
  EXPECT_EQ(payloadOf(cache, "a"), R"({"v":1})");
  EXPECT_EQ(cache.stats().hits, 1U);
  std::this_thread::sleep_for(300ms);  // the store's listener is up

  commit(*syncing.value(), "a", R"({"v":2})");
  EXPECT_EQ(awaitPayload(cache, "a", R"({"v":2})"), R"({"v":2})");
  EXPECT_EQ(cache.stats().invalidations, 1U);
}

}  // namespace
}  // namespace cxgw::gateway
