#include "cxgw/store/postgres_state_store.hpp"

#include <atomic>
#include <cctype>
#include <future>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "cxgw/core/ids.hpp"
#include "store/state_store_contract.hpp"
#include "support/postgres_cluster.hpp"

namespace cxgw::store {
namespace {

// Each test starts from an empty store: the suite's database is emptied of cxgw tables.
struct PostgresStore : testing::PostgresTestSuite {
  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec0("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    tx.commit();
  }
  static std::unique_ptr<StateStore> create() {
    auto opened = openPostgresStateStore({connectionString(), {}});
    EXPECT_TRUE(opened.ok()) << opened.error().describe();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StateStoreContract, PostgresStore);

using PostgresStateStore = PostgresStore;

constexpr const char* kNamespace = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
constexpr const char* kUrnA = "urn:samm:x.y:1.0.0#A";
constexpr const char* kUrnB = "urn:samm:x.y:1.0.0#B";

void sql(const std::string& statement) {
  pqxx::connection connection(testing::PostgresTestSuite::connectionString());
  pqxx::work tx(connection);
  tx.exec0(statement);
  tx.commit();
}

TEST_F(PostgresStateStore, FailureBeforeCommitLosesNothingAndDuplicatesNothing) {
  bool fail = true;
  auto opened = openPostgresStateStore(
      {connectionString(), [&fail]() -> Status {
         if (fail) return Error{ErrorCode::kUnavailable, "injected crash", "", "", 0};
         return {};
       }});
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  auto& store = *opened.value();
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {Twin{"a", "a", "PartInstance", {}, {"BPNL000000000OEM"}}};
  batch.aspects = {{"a", "urn:samm:x.y:1.0.0#A", "{}"}};
  batch.watermark = SyncWatermark{{"7"}};

  EXPECT_FALSE(store.commit(batch).ok());
  auto mark = store.watermark("erp", "s");
  ASSERT_TRUE(mark.ok());
  EXPECT_FALSE(mark.value().has_value()) << "the watermark must not move without its batch";
  auto counts = store.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts.value().aspects, 0U);

  fail = false;
  ASSERT_TRUE(store.commit(batch).ok());
  ASSERT_TRUE(store.commit(batch).ok());  // the retry of an already applied batch
  counts = store.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts.value().twins, 1U);
  EXPECT_EQ(counts.value().aspects, 1U);
  auto changes = store.changes({});
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes.value().size(), 1U);
}

// Two batches written at once: the first draws its change sequences first but commits last.
// A reader that resumes after the last position it saw must still get the first batch's
// changes, so none may be listed before the first batch has committed.
TEST_F(PostgresStateStore, ChangeFeedWaitsForEarlierTransactionsAndSkipsNothing) {
  auto store = create();
  ASSERT_TRUE(store);
  ASSERT_GE(store->parallelCommits(), 2U);
  SyncBatch early = batchFor("erp", "early");
  early.twins = {Twin{"e", "e", "PartInstance", {}, {"BPNL000000000OEM"}}};
  early.aspects = {{"e", "urn:samm:x.y:1.0.0#A", "1"}};
  SyncBatch late = batchFor("erp", "late");
  late.twins = {Twin{"l", "l", "PartInstance", {}, {"BPNL000000000OEM"}}};
  late.aspects = {{"l", "urn:samm:x.y:1.0.0#A", "2"}};

  std::promise<void> early_written;
  std::promise<void> release;
  auto released = release.get_future().share();
  auto early_commit = std::async(std::launch::async, [&] {
    return store->commit(early, [&]() -> Status {
      early_written.set_value();
      released.wait();
      return {};
    });
  });
  early_written.get_future().wait();
  ASSERT_TRUE(store->commit(late).ok());

  ChangeQuery reader;
  auto seen = store->changes(reader);
  ASSERT_TRUE(seen.ok()) << seen.error().describe();
  EXPECT_TRUE(seen.value().empty())
      << "listed the later commit while an earlier transaction could still commit before it";
  for (const auto& change : seen.value()) reader.after = std::max(reader.after, change.position);

  release.set_value();
  ASSERT_TRUE(early_commit.get().ok());
  auto rest = store->changes(reader);
  ASSERT_TRUE(rest.ok());
  std::vector<std::string> ids;
  for (const auto& change : rest.value()) ids.push_back(change.global_asset_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"e", "l"}));
}

// The change notification crosses replicas: one replica commits, the other's subscriber hears.
TEST_F(PostgresStateStore, ASubscriberHearsOfAnotherReplicasCommit) {
  auto listening = create();
  auto writing = create();
  ASSERT_TRUE(listening && writing);
  std::promise<void> heard;
  std::atomic<bool> armed{false};
  std::once_flag once;
  auto subscription = listening->onChange([&] {
    if (armed) std::call_once(once, [&] { heard.set_value(); });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it start listening
  armed = true;
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {Twin{"a", "a", "PartInstance", {}, {}}};
  batch.aspects = {{"a", "urn:samm:x.y:1.0.0#A", "{}"}};
  ASSERT_TRUE(writing->commit(batch).ok());
  EXPECT_EQ(heard.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

// counts() keeps its answer between changes; another replica's commit makes it count again
// once the notification arrives (while something listens), and so does a commit of its own.
TEST_F(PostgresStateStore, CountsFollowOwnCommitsAndAnotherReplicasNotifiedCommits) {
  auto counting = create();
  auto writing = create();
  ASSERT_TRUE(counting && writing);
  auto subscription = counting->onChange([] {});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it start listening
  auto before = counting->counts();
  ASSERT_TRUE(before.ok()) << before.error().describe();
  EXPECT_EQ(before.value().aspects, 0U);

  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {Twin{"a", "a", "PartInstance", {}, {}}};
  batch.aspects = {{"a", "urn:samm:x.y:1.0.0#A", "{}"}};
  ASSERT_TRUE(writing->commit(batch).ok());
  uint64_t seen = 0;
  for (int i = 0; i < 100 && seen == 0; ++i) {
    auto counts = counting->counts();
    ASSERT_TRUE(counts.ok()) << counts.error().describe();
    seen = counts.value().aspects;
    if (seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(seen, 1U) << "another replica's commit never reached counts()";

  batch.twins = {Twin{"b", "b", "PartInstance", {}, {}}};
  batch.aspects = {{"b", "urn:samm:x.y:1.0.0#A", "{}"}};
  ASSERT_TRUE(counting->commit(batch).ok());
  auto after = counting->counts();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.value().aspects, 2U) << "its own commit must show at once";
}

TEST_F(PostgresStateStore, ReplicasShareStateAndMigrateOnce) {
  auto first = create();
  auto second = create();
  ASSERT_TRUE(first && second);
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {Twin{"a", "a", "PartInstance", {}, {}}};
  batch.aspects = {{"a", "urn:samm:x.y:1.0.0#A", "{\"v\":1}"}};
  ASSERT_TRUE(first->commit(batch).ok());
  auto seen = second->aspect("a", "urn:samm:x.y:1.0.0#A");
  ASSERT_TRUE(seen.ok() && seen.value());
  EXPECT_EQ(seen.value()->payload, "{\"v\":1}");

  pqxx::connection connection(connectionString());
  pqxx::read_transaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM cxgw_schema_migrations")[0].as<int>(),
            postgresStoreSchemaVersion());
}

TEST_F(PostgresStateStore, UpgradeFromVersion1KeepsTwinsTheirAssetIdsAndVisibility) {
  auto v1 = openPostgresStateStore({connectionString(), {}, /*migrate_to=*/1});
  ASSERT_TRUE(v1.ok()) << v1.error().describe();
  {
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec0(
        "INSERT INTO cxgw_twins (global_asset_id, id_short, digital_twin_type) VALUES "
        "('urn:uuid:a', 'part-a', 'PartInstance'), ('urn:uuid:b', 'part-b', 'PartType');"
        "INSERT INTO cxgw_twin_asset_ids VALUES ('urn:uuid:a', 0, 'manufacturerId', 'BPNL1'),"
        " ('urn:uuid:a', 1, 'partInstanceId', 'SN=1');"
        "INSERT INTO cxgw_twin_visibility VALUES ('urn:uuid:a', 'BPNL000000000OEM'),"
        " ('urn:uuid:a', 'BPNL00000000OEM2');"
        "INSERT INTO cxgw_aspects VALUES ('urn:uuid:a', 'urn:x#A', '{}', 'h', "
        "nextval('cxgw_change_sequence'))");
    tx.commit();
  }
  v1.value().reset();

  auto upgraded = create();
  ASSERT_NE(upgraded, nullptr);
  auto a = upgraded->twin("urn:uuid:a");
  ASSERT_TRUE(a.ok() && a.value()) << (a.ok() ? "missing" : a.error().describe());
  EXPECT_EQ(a.value()->twin, (Twin{"urn:uuid:a",
                                   "part-a",
                                   "PartInstance",
                                   {{"manufacturerId", "BPNL1"}, {"partInstanceId", "SN=1"}},
                                   {"BPNL000000000OEM", "BPNL00000000OEM2"}}));
  auto b = upgraded->twin("urn:uuid:b");
  ASSERT_TRUE(b.ok() && b.value());
  EXPECT_TRUE(b.value()->twin.specific_asset_ids.empty());
  EXPECT_TRUE(b.value()->twin.visible_to.empty());
  auto aspect = upgraded->aspect("urn:uuid:a", "urn:x#A");
  ASSERT_TRUE(aspect.ok() && aspect.value());
  EXPECT_EQ(aspect.value()->change_sequence, 1);

  // New aspects continue the change sequence.
  SyncBatch batch = batchFor("erp", "s");
  batch.aspects = {{"urn:uuid:b", "urn:x#A", "{\"v\":2}"}};
  ASSERT_TRUE(upgraded->commit(batch).ok());
  auto next = upgraded->aspect("urn:uuid:b", "urn:x#A");
  ASSERT_TRUE(next.ok() && next.value());
  EXPECT_EQ(next.value()->change_sequence, 2);
}

// The store remembers the twins it has stored, so as not to look each one up again before it
// writes their aspects. Twins deleted in SQL by an operator (cxgw never deletes one) must be
// forgotten: an aspect of a twin that is gone is quarantined, not stored.
TEST_F(PostgresStateStore, ATwinDeletedInSqlIsNoLongerTakenForStored) {
  auto store = create();
  ASSERT_NE(store, nullptr);
  const std::string x = "urn:uuid:" + nameBasedUuid(kNamespace, "x");
  const std::string y = "urn:uuid:" + nameBasedUuid(kNamespace, "y");
  const Twin twin_x{x, "x", "PartInstance", {}, {"BPNL000000000OEM"}};
  const Twin twin_y{y, "y", "PartInstance", {}, {"BPNL000000000OEM"}};
  SyncBatch twins = batchFor("erp", "twins");
  twins.twins = {twin_x, twin_y};
  twins.aspects = {{x, kUrnA, "x1", "k=x"}};
  ASSERT_TRUE(store->commit(twins).ok());

  // Both twins are stored, and known: aspects of them are written (a stored key and a new one).
  SyncBatch aspects = batchFor("erp", "aspects");
  aspects.aspects = {{x, kUrnA, "x2", "k=x"}, {y, kUrnA, "y1", "k=y"}};
  auto outcome = store->commit(aspects);
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_EQ(outcome.value().aspects_changed, 2U);
  EXPECT_EQ(outcome.value().quarantined, 0U);

  sql("DELETE FROM cxgw_twins WHERE global_asset_id = '" + x + "'");
  SyncBatch after_delete = batchFor("erp", "aspects");
  after_delete.aspects = {{x, kUrnA, "x3", "k=x"}};
  outcome = store->commit(after_delete);
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_EQ(outcome.value().aspects_changed, 0U);
  EXPECT_EQ(outcome.value().quarantined, 1U) << "an aspect of a deleted twin was stored";

  // A new aspect key goes the way of a first load, which checks only the twins.
  sql("TRUNCATE cxgw_twins");
  SyncBatch after_truncate = batchFor("erp", "aspects");
  after_truncate.aspects = {{y, kUrnB, "y2", "k=y"}};
  outcome = store->commit(after_truncate);
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_EQ(outcome.value().aspects_changed, 0U);
  EXPECT_EQ(outcome.value().quarantined, 1U) << "an aspect of a truncated twin was stored";
  auto stored = store->aspect(y, kUrnB);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored.value().has_value());
}

// Only a commit makes a twin stored: the twins of a batch that failed are not remembered.
TEST_F(PostgresStateStore, TwinsOfABatchThatDidNotCommitAreNotTakenForStored) {
  bool fail = true;
  auto opened =
      openPostgresStateStore({connectionString(), [&fail]() -> Status {
                                if (!fail) return {};
                                return Error{ErrorCode::kUnavailable, "injected", "", "", 0};
                              }});
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  StateStore& store = *opened.value();
  const std::string x = "urn:uuid:" + nameBasedUuid(kNamespace, "x");
  SyncBatch twins = batchFor("erp", "twins");
  twins.twins = {Twin{x, "x", "PartInstance", {}, {"BPNL000000000OEM"}}};
  twins.aspects = {{x, kUrnA, "x1", "k=x"}};
  ASSERT_FALSE(store.commit(twins).ok());

  fail = false;
  SyncBatch aspects = batchFor("erp", "aspects");
  aspects.aspects = {{x, kUrnB, "x2", "k=x"}};
  auto outcome = store.commit(aspects);
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_EQ(outcome.value().aspects_changed, 0U);
  EXPECT_EQ(outcome.value().quarantined, 1U);
}

// The store keeps twin ids as 16-byte UUIDs, so it must not take one spelling of an id for
// another: to the store, upper- and lower-case hex digits are different ids.
TEST_F(PostgresStateStore, AnIdSpelledInUpperCaseIsNotTakenForItsLowerCaseTwin) {
  auto store = create();
  ASSERT_NE(store, nullptr);
  const std::string lower = "urn:uuid:" + nameBasedUuid(kNamespace, "x");
  std::string upper = lower;
  for (size_t i = std::string("urn:uuid:").size(); i < upper.size(); ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  }
  ASSERT_NE(upper, lower);
  SyncBatch twins = batchFor("erp", "twins");
  twins.twins = {Twin{upper, "x", "PartInstance", {}, {"BPNL000000000OEM"}}};
  ASSERT_TRUE(store->commit(twins).ok());
  SyncBatch aspects = batchFor("erp", "aspects");
  aspects.aspects = {{lower, kUrnA, "x1", "k=x"}};
  auto outcome = store->commit(aspects);
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_EQ(outcome.value().quarantined, 1U);
}

TEST_F(PostgresStateStore, AssetIdNameWithEqualsSignIsRejected) {
  auto store = create();
  ASSERT_NE(store, nullptr);
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {Twin{"a", "a", "PartInstance", {{"part=Id", "1"}}, {}}};
  auto outcome = store->commit(batch);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(outcome.error().message.find("'part=Id'"), std::string::npos)
      << outcome.error().message;
  auto stored = store->twin("a");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored.value().has_value());
}

TEST_F(PostgresStateStore, TwoCommitsWorkAtOnceAndTakeEffectInTurn) {
  auto store = create();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(store->parallelCommits(), 2U);
  SyncBatch first = batchFor("erp", "s");
  first.twins = {Twin{"a", "a", "PartInstance", {}, {}}};
  first.watermark = SyncWatermark{{"1"}};
  SyncBatch second = batchFor("erp", "s");
  second.twins = {Twin{"b", "b", "PartInstance", {}, {}}};
  second.watermark = SyncWatermark{{"2"}};

  // The first batch may only commit once the second has been written, and the second only
  // after the first has committed: possible only when both are in progress at once.
  std::promise<void> second_written;
  std::promise<void> first_committed;
  Result<BatchOutcome> first_outcome = Error{ErrorCode::kInternal, "not run", "", "", 0};
  std::thread committer([&] {
    auto written = second_written.get_future();
    first_outcome = store->commit(first, [&]() -> Status {
      if (written.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        return Error{ErrorCode::kInternal, "the second commit never got going", "", "", 0};
      }
      return {};
    });
    first_committed.set_value();
  });
  auto committed = first_committed.get_future();
  auto second_outcome = store->commit(second, [&]() -> Status {
    second_written.set_value();
    committed.wait();
    return {};
  });
  committer.join();
  ASSERT_TRUE(first_outcome.ok()) << first_outcome.error().describe();
  ASSERT_TRUE(second_outcome.ok()) << second_outcome.error().describe();
  auto mark = store->watermark("erp", "s");
  ASSERT_TRUE(mark.ok() && mark.value());
  EXPECT_EQ(mark.value()->values, std::vector<std::string>{"2"}) << "the later batch's mark wins";
  auto counts = store->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts.value().twins, 2U);
}

TEST_F(PostgresStateStore, UnreachableDatabaseIsReportedUnavailable) {
  auto opened = openPostgresStateStore({"host=127.0.0.1 port=1 dbname=x connect_timeout=2", {}});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cxgw::store
