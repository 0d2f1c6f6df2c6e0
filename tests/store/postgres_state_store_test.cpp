#include "cxgw/store/postgres_state_store.hpp"

#include <pqxx/pqxx>

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
  auto changes = store.changesSince(0, 10);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes.value().size(), 1U);
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

TEST_F(PostgresStateStore, UnreachableDatabaseIsReportedUnavailable) {
  auto opened = openPostgresStateStore({"host=127.0.0.1 port=1 dbname=x connect_timeout=2", {}});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cxgw::store
