#include "cxgw/store/postgres_audit_trail.hpp"

#include <atomic>
#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "cxgw/store/postgres_state_store.hpp"
#include "store/audit_trail_contract.hpp"
#include "support/postgres_cluster.hpp"

namespace cxgw::store {
namespace {

using namespace std::chrono_literals;

// Each test starts from an empty database: the suite's schema is dropped and created again.
struct PostgresTrail : testing::PostgresTestSuite {
  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  }
  static std::unique_ptr<AuditTrail> create(std::function<Status()> before_commit,
                                            size_t verify_page_size = 10000) {
    auto opened = openPostgresAuditTrail(
        {connectionString(), 5000ms, verify_page_size, std::move(before_commit)});
    EXPECT_TRUE(opened.ok()) << opened.error().describe();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  static void sql(const std::string& statements) {
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec0(statements);
    tx.commit();
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, AuditTrailContract, PostgresTrail);

// Tampering straight in SQL, as someone with write access to the tables could.
class PostgresAuditTrail : public AuditTrailContract<PostgresTrail> {
 protected:
  void SetUp() override {
    AuditTrailContract<PostgresTrail>::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    trail_ = create({}, /*verify_page_size=*/3);  // several pages for ten records
    ASSERT_NE(trail_, nullptr);
    std::vector<AuditEntry> entries;
    for (int n = 1; n <= 10; ++n) {
      entries.push_back(entry("BPNL" + std::to_string(n % 3), "asset-" + std::to_string(n),
                              n % 2 == 0 ? AuditDecision::kAllow : AuditDecision::kDeny));
    }
    ASSERT_EQ(appendOk(entries).size(), 10U);
    const AuditVerification intact = verifyOk();
    ASSERT_TRUE(intact.intact()) << intact.first_break->reason;
  }

  void expectBreak(int64_t sequence, const std::string& reason) {
    const AuditVerification result = verifyOk();
    ASSERT_FALSE(result.intact());
    EXPECT_EQ(result.first_break->sequence, sequence);
    EXPECT_EQ(result.first_break->reason, reason);
  }
};

TEST_F(PostgresAuditTrail, UpdatedReasonIsNamed) {
  sql("UPDATE cxgw_audit_records SET reason = 'nothing to see' WHERE sequence = 7");
  expectBreak(7, "record 7: hash does not match its content (edited)");
}

TEST_F(PostgresAuditTrail, UpdatedTimeIsNamed) {
  sql("UPDATE cxgw_audit_records SET recorded_at = recorded_at + interval '1 microsecond' "
      "WHERE sequence = 2");
  expectBreak(2, "record 2: hash does not match its content (edited)");
}

TEST_F(PostgresAuditTrail, DeletedMiddleRowIsNamed) {
  sql("DELETE FROM cxgw_audit_records WHERE sequence = 5");
  expectBreak(5, "record 5 missing: sequence jumps from 4 to 6 (deleted)");
}

TEST_F(PostgresAuditTrail, SwappedRowsAreNamed) {
  sql(R"sql(
    UPDATE cxgw_audit_records a SET
      recorded_at = b.recorded_at, decision = b.decision, scope = b.scope,
      partner_bpn = b.partner_bpn, partner_did = b.partner_did, asset_id = b.asset_id,
      twin_id = b.twin_id, policy_id = b.policy_id, policy_hash = b.policy_hash,
      agreement_id = b.agreement_id, reason = b.reason, previous_hash = b.previous_hash,
      hash = b.hash
    FROM cxgw_audit_records b
    WHERE (a.sequence, b.sequence) IN ((4, 5), (5, 4)))sql");
  expectBreak(4, "record 4: previous_hash does not link to record 3 (reordered or replaced)");
}

TEST_F(PostgresAuditTrail, DeletedNewestRowIsCaughtByTheHead) {
  sql("DELETE FROM cxgw_audit_records WHERE sequence = 10");
  expectBreak(10, "the chain ends at 9 but the head says 10 (the newest record was deleted)");
}

TEST_F(PostgresAuditTrail, DeletedHeadIsNamed) {
  sql("DELETE FROM cxgw_audit_head");
  const AuditVerification result = verifyOk();
  ASSERT_FALSE(result.intact());
  EXPECT_NE(result.first_break->reason.find("cxgw_audit_head is missing"), std::string::npos)
      << result.first_break->reason;
  EXPECT_FALSE(trail_->append(entry("BPNL1", "x", AuditDecision::kAllow)).ok())
      << "an append without a head must fail";
}

TEST_F(PostgresAuditTrail, UnreadableDecisionIsNamed) {
  sql("ALTER TABLE cxgw_audit_records DROP CONSTRAINT cxgw_audit_records_decision_check;"
      "UPDATE cxgw_audit_records SET decision = 'maybe' WHERE sequence = 3");
  expectBreak(3, "record 3: decision 'maybe' is neither allow nor deny (edited)");
}

TEST_F(PostgresAuditTrail, AppendAfterTamperingStillLinksToTheHead) {
  sql("DELETE FROM cxgw_audit_records WHERE sequence = 10");
  auto appended = trail_->append(entry("BPNL1", "x", AuditDecision::kAllow));
  ASSERT_TRUE(appended.ok()) << appended.error().describe();
  EXPECT_EQ(appended.value().sequence, 11);
  expectBreak(10, "record 10 missing: sequence jumps from 9 to 11 (deleted)");
}

using PostgresAuditTrailWrites = PostgresTrail;

TEST_F(PostgresAuditTrailWrites, TwoReplicasAppendingAtOnceKeepOneChain) {
  auto first = create({});
  auto second = create({});
  ASSERT_TRUE(first && second);
  constexpr int kBatches = 40;
  const auto appendMany = [](AuditTrail& trail, const std::string& bpn, int& failures) {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<AuditEntry> batch;
      for (int i = 0; i <= b % 3; ++i) {
        batch.push_back(auditEntryFor(bpn, std::to_string(b), AuditDecision::kAllow));
      }
      if (!trail.append(batch).ok()) ++failures;
    }
  };
  int first_failures = 0, second_failures = 0;
  std::thread a([&] { appendMany(*first, "BPNL1", first_failures); });
  std::thread b([&] { appendMany(*second, "BPNL2", second_failures); });
  a.join();
  b.join();
  EXPECT_EQ(first_failures + second_failures, 0);
  auto result = first->verify();
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_TRUE(result.value().intact()) << result.value().first_break->reason;
  // Each replica appends 40 batches of 1, 2 or 3 records: 79 records each.
  EXPECT_EQ(result.value().records_checked, 158U);
  EXPECT_EQ(result.value().head.sequence, 158);
  auto seen_by_second = second->query({"BPNL1", "", {}, {}, {}, 0, 1000});
  ASSERT_TRUE(seen_by_second.ok());
  EXPECT_EQ(seen_by_second.value().size(), 79U);
}

TEST_F(PostgresAuditTrailWrites, AppendWithoutInsertPrivilegeFailsAndStoresNothing) {
  ASSERT_NE(create({}), nullptr);  // migrated by the owner
  sql("DROP ROLE IF EXISTS cxgw_audit_no_insert; CREATE ROLE cxgw_audit_no_insert LOGIN;"
      "GRANT USAGE ON SCHEMA public TO cxgw_audit_no_insert;"
      "GRANT SELECT ON ALL TABLES IN SCHEMA public TO cxgw_audit_no_insert;"
      "GRANT UPDATE ON cxgw_audit_head TO cxgw_audit_no_insert;");
  auto limited = openPostgresAuditTrail({connectionString() + " user=cxgw_audit_no_insert"});
  ASSERT_TRUE(limited.ok()) << limited.error().describe();
  auto appended = limited.value()->append(auditEntryFor("BPNL1", "a", AuditDecision::kAllow));
  ASSERT_FALSE(appended.ok());
  EXPECT_NE(appended.error().message.find("permission denied"), std::string::npos)
      << appended.error().message;
  auto result = limited.value()->verify();
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_TRUE(result.value().intact());
  EXPECT_EQ(result.value().head, AuditHead{});
  limited.value().reset();
  sql("DROP OWNED BY cxgw_audit_no_insert; DROP ROLE cxgw_audit_no_insert;");
}

TEST_F(PostgresAuditTrailWrites, ReadOnlyRoleCanVerifyAndQueryAMigratedStore) {
  auto owner = create({});
  ASSERT_NE(owner, nullptr);
  ASSERT_TRUE(owner->append(auditEntryFor("BPNL1", "a", AuditDecision::kAllow)).ok());
  sql("DROP ROLE IF EXISTS cxgw_audit_reader; CREATE ROLE cxgw_audit_reader LOGIN;"
      "GRANT USAGE ON SCHEMA public TO cxgw_audit_reader;"
      "GRANT SELECT ON ALL TABLES IN SCHEMA public TO cxgw_audit_reader;");
  {
    auto reader = openPostgresAuditTrail({connectionString() + " user=cxgw_audit_reader"});
    ASSERT_TRUE(reader.ok()) << reader.error().describe();
    auto result = reader.value()->verify();
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_TRUE(result.value().intact());
    EXPECT_EQ(result.value().records_checked, 1U);
    auto records = reader.value()->query({});
    ASSERT_TRUE(records.ok()) << records.error().describe();
    EXPECT_EQ(records.value().size(), 1U);
  }
  sql("DROP OWNED BY cxgw_audit_reader; DROP ROLE cxgw_audit_reader;");
}

TEST_F(PostgresAuditTrailWrites, AppendGivesUpWhenTheHeadStaysLocked) {
  auto opened = openPostgresAuditTrail({connectionString(), 200ms});
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  AuditTrail& trail = *opened.value();
  pqxx::connection blocker(connectionString());
  {
    pqxx::work holding(blocker);
    holding.exec0("LOCK TABLE cxgw_audit_head IN ACCESS EXCLUSIVE MODE");
    const auto started = std::chrono::steady_clock::now();
    auto appended = trail.append(auditEntryFor("BPNL1", "a", AuditDecision::kAllow));
    ASSERT_FALSE(appended.ok());
    EXPECT_NE(appended.error().message.find("lock timeout"), std::string::npos)
        << appended.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  }  // rolled back: the lock is released
  auto appended = trail.append(auditEntryFor("BPNL1", "a", AuditDecision::kAllow));
  ASSERT_TRUE(appended.ok()) << appended.error().describe();
  EXPECT_EQ(appended.value().sequence, 1);
}

// Appends that arrive while a transaction is being written share the next one (group commit),
// and each caller still gets exactly the records of its own entries.
TEST_F(PostgresAuditTrailWrites, ConcurrentAppendsShareCommitsAndEachGetsItsOwnRecords) {
  std::atomic<int> commits{0};
  auto trail = create([&commits]() -> Status {
    ++commits;
    std::this_thread::sleep_for(5ms);  // a slow commit: the other callers queue up meanwhile
    return {};
  });
  ASSERT_NE(trail, nullptr);
  constexpr int kThreads = 8;
  constexpr int kAppends = 20;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int a = 0; a < kAppends; ++a) {
        const std::string bpn = "BPNL" + std::to_string(t);
        const std::string asset = "asset-" + std::to_string(a);
        auto records = trail->append({auditEntryFor(bpn, asset, AuditDecision::kAllow),
                                      auditEntryFor(bpn, asset, AuditDecision::kDeny)});
        if (!records.ok() || records.value().size() != 2 ||
            records.value()[0].entry.partner_bpn != bpn ||
            records.value()[1].entry.asset_id != asset ||
            records.value()[1].entry.decision != AuditDecision::kDeny ||
            records.value()[1].sequence != records.value()[0].sequence + 1) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(commits.load(), kThreads * kAppends / 2) << "appends were not grouped";
  auto verified = trail->verify();
  ASSERT_TRUE(verified.ok()) << verified.error().describe();
  EXPECT_TRUE(verified.value().intact());
  EXPECT_EQ(verified.value().records_checked, static_cast<uint64_t>(2 * kThreads * kAppends));
}

// A failed group commit fails every append in it, and stores none of them.
TEST_F(PostgresAuditTrailWrites, AFailedGroupFailsEveryAppendInIt) {
  std::atomic<bool> fail{true};
  auto trail = create([&fail]() -> Status {
    std::this_thread::sleep_for(5ms);
    if (fail) return Error{ErrorCode::kUnavailable, "injected write failure", "", "", 0};
    return {};
  });
  ASSERT_NE(trail, nullptr);
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto records =
          trail->append(auditEntryFor("BPNL" + std::to_string(t), "asset", AuditDecision::kAllow));
      if (records.ok()) ++succeeded;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), 0);
  fail = false;
  auto records = trail->query({});
  ASSERT_TRUE(records.ok()) << records.error().describe();
  EXPECT_TRUE(records.value().empty());
}

// A commit the test holds until it lets it go; counts the commits begun.
struct HeldCommit {
  std::atomic<int> commits{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::function<Status()> hook() {
    return [this]() -> Status {
      ++commits;
      released.wait();
      return {};
    };
  }
};

// What appendThen() hands back, waited for with a bound so that a lost callback fails the test.
struct Callback {
  std::promise<Result<std::vector<AuditRecord>>> promise;
  std::future<Result<std::vector<AuditRecord>>> future = promise.get_future();
  std::atomic<int> calls{0};
  AuditTrail::AppendDone done() {
    return [this](Result<std::vector<AuditRecord>> records) {
      if (calls++ == 0) promise.set_value(std::move(records));
    };
  }
  bool called() const { return calls.load() > 0; }
  Result<std::vector<AuditRecord>> wait() {
    if (future.wait_for(20s) != std::future_status::ready) {
      return Error{ErrorCode::kInternal, "the callback was not called", "", "", 0};
    }
    return future.get();
  }
};

// appendThen() does not wait for the commit: the caller goes on while the group is written,
// the appends that arrive meanwhile share the next transaction, and each callback comes once
// its own records are committed.
TEST_F(PostgresAuditTrailWrites, AppendThenReturnsAtOnceAndCallsBackOnceCommitted) {
  HeldCommit held;
  auto trail = create(held.hook());
  ASSERT_NE(trail, nullptr);
  Callback first;
  Callback second;
  Callback third;
  trail->appendThen({auditEntryFor("BPNL1", "a", AuditDecision::kAllow)}, first.done());
  while (held.commits.load() == 0) std::this_thread::sleep_for(1ms);
  trail->appendThen({auditEntryFor("BPNL2", "b", AuditDecision::kAllow),
                     auditEntryFor("BPNL2", "c", AuditDecision::kDeny)},
                    second.done());
  trail->appendThen({auditEntryFor("BPNL3", "d", AuditDecision::kAllow)}, third.done());
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(first.called() || second.called() || third.called())
      << "called back before the commit";
  held.release.set_value();

  auto one = first.wait();
  auto two = second.wait();
  auto three = third.wait();
  ASSERT_TRUE(one.ok() && two.ok() && three.ok());
  ASSERT_EQ(one.value().size(), 1U);
  ASSERT_EQ(two.value().size(), 2U);
  ASSERT_EQ(three.value().size(), 1U);
  EXPECT_EQ(one.value()[0].sequence, 1);
  EXPECT_EQ(two.value()[0].entry.asset_id, "b");
  EXPECT_EQ(two.value()[1].entry.asset_id, "c");
  EXPECT_EQ(two.value()[1].sequence, two.value()[0].sequence + 1);
  EXPECT_EQ(three.value()[0].entry.asset_id, "d");
  EXPECT_EQ(held.commits.load(), 2) << "the appends queued during a commit were not grouped";
  EXPECT_EQ(first.calls.load() + second.calls.load() + third.calls.load(), 3);
  auto stored = trail->query({});
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(stored.value().size(), 4U);
}

// A trail closed with appends still queued commits them before it is gone.
TEST_F(PostgresAuditTrailWrites, ClosingTheTrailCommitsWhatIsQueued) {
  HeldCommit held;
  auto trail = create(held.hook());
  ASSERT_NE(trail, nullptr);
  Callback first;
  Callback second;
  trail->appendThen({auditEntryFor("BPNL1", "a", AuditDecision::kAllow)}, first.done());
  while (held.commits.load() == 0) std::this_thread::sleep_for(1ms);
  trail->appendThen({auditEntryFor("BPNL2", "b", AuditDecision::kAllow)}, second.done());
  std::thread closing([&trail] { trail.reset(); });
  std::this_thread::sleep_for(20ms);
  held.release.set_value();
  closing.join();
  EXPECT_TRUE(first.wait().ok());
  EXPECT_TRUE(second.wait().ok());
  auto reopened = create({});
  ASSERT_NE(reopened, nullptr);
  auto stored = reopened->query({});
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(stored.value().size(), 2U);
}

TEST_F(PostgresAuditTrailWrites, UnreachableDatabaseIsReportedUnavailable) {
  auto opened = openPostgresAuditTrail({"host=127.0.0.1 port=1 dbname=x connect_timeout=2"});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

TEST_F(PostgresAuditTrailWrites, MigratesAStoreOfAnOlderVersionOnce) {
  auto v2 = openPostgresStateStore({connectionString(), {}, /*migrate_to=*/2});
  ASSERT_TRUE(v2.ok()) << v2.error().describe();
  ASSERT_NE(create({}), nullptr);
  auto store = openPostgresStateStore({connectionString(), {}});
  ASSERT_TRUE(store.ok()) << store.error().describe();
  pqxx::connection connection(connectionString());
  pqxx::read_transaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM cxgw_schema_migrations")[0].as<int>(),
            postgresStoreSchemaVersion());
  EXPECT_EQ(tx.exec1("SELECT sequence FROM cxgw_audit_head")[0].as<int>(), 0);
}

}  // namespace
}  // namespace cxgw::store
