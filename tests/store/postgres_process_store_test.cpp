#include "cxgw/store/postgres_process_store.hpp"

#include <atomic>
#include <pqxx/pqxx>
#include <thread>

#include "cxgw/store/postgres_state_store.hpp"
#include "store/process_store_contract.hpp"
#include "support/postgres_cluster.hpp"

// LeakSanitizer (asan preset): libpqxx 6.4 leaks the PGresult of a BEGIN that finds its
// connection terminated by the server, as ABrokenConnectionIsReopenedOnTheNextCall provokes on
// purpose. Only results libpq allocated are exempt; a leak of ours is still reported.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:PQmakeEmptyPGresult\n";
}

namespace cxgw::store {
namespace {

using namespace std::chrono_literals;

// Each test starts from an empty database: the suite's schema is dropped and created again.
struct PostgresProcesses : testing::PostgresTestSuite {
  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  }
  static std::unique_ptr<ProcessStore> create(PostgresProcessStoreOptions options = {}) {
    if (options.connection_string.empty()) options.connection_string = connectionString();
    auto opened = openPostgresProcessStore(std::move(options));
    EXPECT_TRUE(opened.ok()) << opened.error().describe();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  static void sql(const std::string& statements) {
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec0(statements);
    tx.commit();
  }
  static int64_t count(const std::string& query) {
    pqxx::connection connection(connectionString());
    pqxx::read_transaction tx(connection);
    return tx.exec1(query)[0].as<int64_t>();
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(PostgresProcessStore, ProcessStoreContract, PostgresProcesses);

using PostgresProcessStore = PostgresProcesses;

TEST_F(PostgresProcessStore, ReplicasContinueEachOthersProcesses) {
  auto a = create();
  auto b = create();
  ASSERT_TRUE(a && b);
  // A starts a negotiation as consumer; the provider's answer arrives at B.
  ContractNegotiationRecord started = negotiationFor("neg-1", ProcessRole::kConsumer);
  started.provider_pid = "";
  ASSERT_TRUE(a->createNegotiation(started).ok());
  const ContractNegotiationRecord seen_by_a = *a->negotiation("neg-1").value();
  auto at_b = b->negotiation("neg-1");
  ASSERT_TRUE(at_b.ok() && at_b.value()) << "B must see what A created";
  EXPECT_EQ(*at_b.value(), seen_by_a);
  ContractNegotiationRecord agreed = *at_b.value();
  agreed.provider_pid = "provider-7";
  agreed.state = "AGREED";
  auto moved_by_b = b->updateNegotiation(agreed);
  ASSERT_TRUE(moved_by_b.ok()) << moved_by_b.error().describe();

  // A still holds version 1: its update loses, and it sees B's.
  ContractNegotiationRecord stale = seen_by_a;
  stale.state = "TERMINATED";
  auto lost = a->updateNegotiation(stale);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kConflict);
  auto reread = a->negotiation("neg-1");
  ASSERT_TRUE(reread.ok() && reread.value());
  EXPECT_EQ(*reread.value(), moved_by_b.value());
  ContractNegotiationRecord verified = *reread.value();
  verified.state = "VERIFIED";
  auto moved_by_a = a->updateNegotiation(verified);
  ASSERT_TRUE(moved_by_a.ok()) << moved_by_a.error().describe();
  EXPECT_EQ(moved_by_a.value().version, 3);
  EXPECT_EQ(b->negotiation("neg-1").value()->state, "VERIFIED");

  // The agreement B stores and the transfer A starts are both replicas' to use.
  ASSERT_TRUE(b->createAgreement(
                   agreementFor("agr-1", ProcessRole::kConsumer, "asset-1", "2020-05-01T10:00:00Z"))
                  .ok());
  auto valid = a->agreementsForAsset(ProcessRole::kConsumer, "asset-1");
  ASSERT_TRUE(valid.ok());
  ASSERT_EQ(valid.value().size(), 1U);
  EXPECT_EQ(valid.value()[0].id, "agr-1");
  ASSERT_TRUE(a->createTransfer(transferFor("tp-1", ProcessRole::kConsumer, "agr-1")).ok());
  auto transfers = b->transfersForAgreement("agr-1");
  ASSERT_TRUE(transfers.ok());
  ASSERT_EQ(transfers.value().size(), 1U);
  EXPECT_EQ(transfers.value()[0].id, "tp-1");
  ASSERT_TRUE(a->retireAgreement("agr-1", "revoked", processTime("2020-06-01T00:00:00Z")).ok());
  auto retired = b->agreement("agr-1");
  ASSERT_TRUE(retired.ok() && retired.value());
  EXPECT_TRUE(retired.value()->retired_at.has_value());
  EXPECT_TRUE(b->agreementsForAsset(ProcessRole::kConsumer, "asset-1").value().empty());
}

TEST_F(PostgresProcessStore, ReplicasRacingForOneProcessExactlyOneWins) {
  auto a = create();
  auto b = create();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->createTransfer(transferFor("tp-1", ProcessRole::kProvider)).ok());
  for (int round = 0; round < 20; ++round) {
    const TransferProcessRecord read = *a->transfer("tp-1").value();
    std::atomic<bool> go{false};
    Result<TransferProcessRecord> outcomes[2] = {Error{}, Error{}};
    ProcessStore* replicas[2] = {a.get(), b.get()};
    std::vector<std::thread> threads;
    for (int r = 0; r < 2; ++r) {
      threads.emplace_back([&, r] {
        TransferProcessRecord mine = read;
        mine.state = "BY-" + std::to_string(r);
        while (!go.load()) std::this_thread::yield();
        outcomes[r] = replicas[r]->updateTransfer(mine);
      });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    ASSERT_NE(outcomes[0].ok(), outcomes[1].ok()) << "round " << round;
    const int winner = outcomes[0].ok() ? 0 : 1;
    EXPECT_EQ(outcomes[1 - winner].error().code, ErrorCode::kConflict);
    EXPECT_EQ(b->transfer("tp-1").value()->state, "BY-" + std::to_string(winner));
    EXPECT_EQ(b->transfer("tp-1").value()->version, read.version + 1);
  }
}

// Waits up to 10 s for `done`.
template <typename Done>
bool eventually(const Done& done) {
  for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(50ms);
  return done();
}

// A gateway that keeps transfers and agreements in memory must hear of a revocation made
// anywhere: on another replica, or by an operator in SQL.
TEST_F(PostgresProcessStore, SubscribersHearChangesOfOtherReplicasAndOfSql) {
  auto serving = create();
  auto other = create();
  ASSERT_TRUE(serving && other);
  EXPECT_FALSE(serving->hearsEveryChange()) << "nobody listens before the first subscription";
  std::atomic<int> heard{0};
  auto subscription = serving->onChange([&heard] { ++heard; });
  ASSERT_TRUE(eventually([&] { return serving->hearsEveryChange(); }));
  ASSERT_TRUE(other->createTransfer(transferFor("tp-1", ProcessRole::kProvider)).ok());
  ASSERT_TRUE(other
                  ->createAgreement(agreementFor("agr-1", ProcessRole::kProvider, "asset-1",
                                                 "2020-05-01T10:00:00Z"))
                  .ok());

  int before = heard.load();
  TransferProcessRecord started = *other->transfer("tp-1").value();
  started.state = "STARTED";
  ASSERT_TRUE(other->updateTransfer(started).ok());
  EXPECT_TRUE(eventually([&] { return heard.load() > before; })) << "another replica's update";

  before = heard.load();
  sql("UPDATE cxgw_transfers SET state = 'TERMINATED' WHERE id = 'tp-1'");
  EXPECT_TRUE(eventually([&] { return heard.load() > before; })) << "an UPDATE in SQL";

  before = heard.load();
  sql("UPDATE cxgw_agreements SET retired_at = now() WHERE id = 'agr-1'");
  EXPECT_TRUE(eventually([&] { return heard.load() > before; })) << "a retirement in SQL";

  before = heard.load();
  sql("DELETE FROM cxgw_transfers");
  EXPECT_TRUE(eventually([&] { return heard.load() > before; })) << "a DELETE in SQL";
}

// Notifications sent while the listener was gone cannot be heard: it says so, and tells the
// subscribers once it listens again.
TEST_F(PostgresProcessStore, ALostNotificationConnectionIsAnnouncedAndRestored) {
  auto store = create();
  ASSERT_NE(store, nullptr);
  std::atomic<int> heard{0};
  auto subscription = store->onChange([&heard] { ++heard; });
  ASSERT_TRUE(eventually([&] { return store->hearsEveryChange(); }));
  const int before = heard.load();
  EXPECT_EQ(count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                  "WHERE query LIKE 'LISTEN%cxgw_process_changes%'"),
            1);
  EXPECT_TRUE(eventually([&] { return heard.load() > before; }));
  EXPECT_TRUE(eventually([&] { return store->hearsEveryChange(); }));
  EXPECT_EQ(count("SELECT count(*) FROM pg_stat_activity "
                  "WHERE query LIKE 'LISTEN%cxgw_process_changes%'"),
            1)
      << "listening again";
}

TEST_F(PostgresProcessStore, MigratesFromThePreviousSchemaVersion) {
  constexpr int kBeforeProcesses = 3;
  {
    auto previous = openPostgresStateStore({connectionString(), {}, kBeforeProcesses});
    ASSERT_TRUE(previous.ok()) << previous.error().describe();
  }
  sql("INSERT INTO cxgw_audit_records VALUES (1, now(), 'allow', 'catalog', '', '', '', '', '', "
      "'', '', 'kept', '', ''); UPDATE cxgw_audit_head SET sequence = 1");
  EXPECT_EQ(count("SELECT max(version) FROM cxgw_schema_migrations"), kBeforeProcesses);
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename IN ('cxgw_negotiations', "
                  "'cxgw_agreements', 'cxgw_transfers')"),
            0);

  auto store = create();
  ASSERT_NE(store, nullptr);
  EXPECT_GT(postgresStoreSchemaVersion(), kBeforeProcesses);
  EXPECT_EQ(count("SELECT max(version) FROM cxgw_schema_migrations"), postgresStoreSchemaVersion());
  EXPECT_EQ(count("SELECT count(*) FROM cxgw_schema_migrations"), postgresStoreSchemaVersion());
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename IN ('cxgw_negotiations', "
                  "'cxgw_agreements', 'cxgw_transfers')"),
            3);
  EXPECT_EQ(count("SELECT count(*) FROM cxgw_audit_records WHERE reason = 'kept'"), 1);
  ASSERT_TRUE(store->createNegotiation(negotiationFor("neg-1", ProcessRole::kProvider)).ok());

  auto again = create();  // a second replica finds nothing left to do
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(count("SELECT count(*) FROM cxgw_schema_migrations"), postgresStoreSchemaVersion());
  EXPECT_TRUE(again->negotiation("neg-1").value().has_value());
}

TEST_F(PostgresProcessStore, TiesAreInByteOrderUnderALinguisticCollation) {
  auto store = create();
  ASSERT_NE(store, nullptr);
  if (count("SELECT count(*) FROM pg_collation WHERE collname = 'en-US-x-icu'") == 0) {
    GTEST_SKIP() << "this PostgreSQL has no ICU collation en-US-x-icu";
  }
  // en-US sorts "tp-a" before "tp-B"; byte order (the memory store's) the other way round.
  sql("ALTER TABLE cxgw_agreements ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\";"
      "ALTER TABLE cxgw_transfers ALTER COLUMN id TYPE text COLLATE \"en-US-x-icu\";");
  ASSERT_EQ(count("SELECT count(*) FROM (VALUES ('tp-a'), ('tp-B')) v(id) "
                  "WHERE id COLLATE \"en-US-x-icu\" < 'tp-B'"),
            1);
  for (const char* id : {"tp-a", "tp-B"}) {
    ASSERT_TRUE(store->createTransfer(transferFor(id, ProcessRole::kConsumer)).ok());
    ASSERT_TRUE(
        store
            ->createAgreement(agreementFor(std::string("agr") + (id + 2), ProcessRole::kConsumer,
                                           "asset-1", "2020-05-01T10:00:00Z"))
            .ok());
  }
  auto transfers = store->transfersForAgreement("agreement-1");
  ASSERT_TRUE(transfers.ok()) << transfers.error().describe();
  ASSERT_EQ(transfers.value().size(), 2U);
  EXPECT_EQ(transfers.value()[0].id, "tp-B");
  auto agreements = store->agreementsForAsset(ProcessRole::kConsumer, "asset-1");
  ASSERT_TRUE(agreements.ok()) << agreements.error().describe();
  ASSERT_EQ(agreements.value().size(), 2U);
  EXPECT_EQ(agreements.value()[0].id, "agr-B");
}

TEST_F(PostgresProcessStore, RefusesADatabaseOfANewerBuild) {
  ASSERT_NE(create(), nullptr);
  sql("INSERT INTO cxgw_schema_migrations (version, description) VALUES (999, 'future')");
  auto opened = openPostgresProcessStore({connectionString()});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(opened.error().message.find("999"), std::string::npos) << opened.error().message;
}

TEST_F(PostgresProcessStore, TablesRejectRowsBreakingTheRecordRules) {
  ASSERT_NE(create(), nullptr);
  const std::string negotiation_columns =
      "INSERT INTO cxgw_negotiations (id, role, provider_pid, consumer_pid, counterparty_bpn, "
      "counterparty_address, protocol, state, asset_id, offer_id, contract_definition_id, "
      "policy_json, agreement_id, error_detail, version, created_at, updated_at) VALUES ";
  EXPECT_THROW(sql(negotiation_columns + "('n', 'broker', 'n', 'c', '', '', '', '', '', '', '', "
                                         "'', '', '', 1, now(), now())"),
               pqxx::check_violation);
  EXPECT_THROW(sql(negotiation_columns + "('n', 'consumer', 'n', 'c', '', '', '', '', '', '', "
                                         "'', '', '', '', 1, now(), now())"),
               pqxx::check_violation)
      << "a consumer's id must be its consumer_pid";
  EXPECT_THROW(sql(negotiation_columns + "('n', 'provider', 'n', 'c', '', '', '', '', '', '', "
                                         "'', '', '', '', 0, now(), now())"),
               pqxx::check_violation);
  EXPECT_THROW(sql("INSERT INTO cxgw_agreements (id, negotiation_id, role, asset_id, "
                   "provider_bpn, consumer_bpn, policy_json, signed_at, retired_reason) VALUES "
                   "('a', 'n', 'nobody', 'x', '', '', '', now(), '')"),
               pqxx::check_violation);
  EXPECT_THROW(sql("INSERT INTO cxgw_transfers (id, role, provider_pid, consumer_pid, "
                   "agreement_id, asset_id, counterparty_bpn, counterparty_address, protocol, "
                   "transfer_type, state, data_address_json, error_detail, version, created_at, "
                   "updated_at) VALUES ('t', 'provider', 'other', 'c', '', '', '', '', '', '', "
                   "'', '', '', 1, now(), now())"),
               pqxx::check_violation);
}

TEST_F(PostgresProcessStore, ABrokenConnectionIsReopenedOnTheNextCall) {
  auto store = create({connectionString() + " application_name=cxgw_process_store_test"});
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->createNegotiation(negotiationFor("neg-1", ProcessRole::kProvider)).ok());
  count(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE application_name = 'cxgw_process_store_test'");
  for (int i = 0; i < 100 && count("SELECT count(*) FROM pg_stat_activity WHERE "
                                   "application_name = 'cxgw_process_store_test'") > 0;
       ++i) {
    std::this_thread::sleep_for(50ms);
  }
  auto failed = store->negotiation("neg-1");
  ASSERT_FALSE(failed.ok()) << "the pooled connection was terminated";
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable) << failed.error().describe();
  auto found = store->negotiation("neg-1");
  ASSERT_TRUE(found.ok()) << found.error().describe();
  EXPECT_TRUE(found.value().has_value());
}

TEST_F(PostgresProcessStore, UpdateGivesUpWhenTheRowStaysLocked) {
  PostgresProcessStoreOptions options;
  options.lock_timeout = 200ms;
  auto store = create(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->createNegotiation(negotiationFor("neg-1", ProcessRole::kProvider)).ok());
  ContractNegotiationRecord next = *store->negotiation("neg-1").value();
  next.state = "AGREED";
  pqxx::connection blocker(connectionString());
  {
    pqxx::work holding(blocker);
    holding.exec("SELECT * FROM cxgw_negotiations WHERE id = 'neg-1' FOR UPDATE");
    const auto started = std::chrono::steady_clock::now();
    auto blocked = store->updateNegotiation(next);
    ASSERT_FALSE(blocked.ok());
    EXPECT_EQ(blocked.error().code, ErrorCode::kInternal);
    EXPECT_NE(blocked.error().message.find("lock timeout"), std::string::npos)
        << blocked.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  }  // rolled back: the lock is released
  auto updated = store->updateNegotiation(next);
  ASSERT_TRUE(updated.ok()) << updated.error().describe();
  EXPECT_EQ(updated.value().version, 2);
}

TEST_F(PostgresProcessStore, OneConnectionServesManyThreadsInTurn) {
  PostgresProcessStoreOptions options;
  options.connections = 1;
  auto store = create(options);
  ASSERT_NE(store, nullptr);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string id = "tp-" + std::to_string(t) + "-" + std::to_string(i);
        if (!store->createTransfer(transferFor(id, ProcessRole::kProvider)).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM cxgw_transfers"), 40);
  EXPECT_EQ(count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND pid <> pg_backend_pid()"),
            1)
      << "the store holds one connection";
}

TEST_F(PostgresProcessStore, RejectsOptionsOutOfRange) {
  PostgresProcessStoreOptions no_connections{connectionString()};
  no_connections.connections = 0;
  auto opened = openPostgresProcessStore(no_connections);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().key, "connections");
  PostgresProcessStoreOptions negative{connectionString()};
  negative.statement_timeout = -1ms;
  opened = openPostgresProcessStore(negative);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().key, "statement_timeout");
}

TEST_F(PostgresProcessStore, UnreachableDatabaseIsReportedUnavailable) {
  auto opened = openPostgresProcessStore({"host=127.0.0.1 port=1 dbname=x connect_timeout=2"});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cxgw::store
