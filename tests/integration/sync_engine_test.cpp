// The sync engine against a real PostgreSQL ERP and the real PostgreSQL store.
#include "cxgw/adapters/sync_engine.hpp"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "cxgw/adapters/twin_identity.hpp"
#include "cxgw/store/postgres_state_store.hpp"
#include "support/postgres_cluster.hpp"
#include "support/temp_directory.hpp"
#include "test_erp.hpp"

namespace cxgw::adapters {
namespace {

class SyncEngineTest : public testing::PostgresTestSuite {
 protected:
  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    sql(kErp);
    auto registry = schemas::SchemaRegistry::load({});
    ASSERT_TRUE(registry.ok()) << registry.error().describe();
    registry_.emplace(std::move(registry).value());
    auto mapping = loadMapping(dir_.write("erp.yaml", mappingYaml(connectionString(), 7)),
                               MappingContext{{{"supplier.bpnl", kSupplier}}});
    ASSERT_TRUE(mapping.ok()) << mapping.error().describe();
    mapping_.emplace(std::move(mapping).value());
    store_ = openStore({});
    ASSERT_NE(store_, nullptr);
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

  std::unique_ptr<store::StateStore> openStore(std::function<Status()> before_commit) {
    auto opened = store::openPostgresStateStore({connectionString(), std::move(before_commit)});
    EXPECT_TRUE(opened.ok()) << opened.error().describe();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  Result<SyncReport> sync(store::StateStore& store, bool full = false, bool lookahead = false) {
    auto source = connectPostgresSource(mapping_->source, {});
    if (!source) return source.error();
    const auto ahead = connectReadAhead(mapping_->source, {}, lookahead ? 2 : 0);
    if (ahead.size() != (lookahead ? 2U : 0U)) return Error{ErrorCode::kUnavailable, "", "", "", 0};
    SyncEngine engine(*mapping_, *source.value(), store, *registry_, kSupplier, ahead);
    SyncOptions options;
    options.full = full;
    return engine.run(options);
  }

  static const StreamReport& stream(const SyncReport& report, const std::string& name) {
    for (const auto& s : report.streams) {
      if (s.stream == name) return s;
    }
    static const StreamReport kNone;
    ADD_FAILURE() << "no stream " << name;
    return kNone;
  }

  std::string idOf(const std::string& serial) {
    return twinGlobalAssetId(supplierTwinNamespace(kSupplier), "serial", {serial});
  }

  std::optional<store::StoredAspect> serialPart(store::StateStore& store,
                                                const std::string& serial) {
    auto found = store.aspect(idOf(serial), kSerialPartUrn);
    EXPECT_TRUE(found.ok());
    return found.ok() ? found.value() : std::nullopt;
  }

  testing::TempDirectory dir_;
  std::optional<schemas::SchemaRegistry> registry_;
  std::optional<Mapping> mapping_;
  std::unique_ptr<store::StateStore> store_;
};

TEST_F(SyncEngineTest, FullSyncMatchesTheSqlCountsAndQuarantinesEachKindOfDirt) {
  auto report = sync(*store_);
  ASSERT_TRUE(report.ok()) << report.error().describe();

  // Expected from the ERP itself: parts with a serial, not cancelled, whose deliveries all go
  // to well-formed BPNLs; their SerialParts minus the ones with a bad country or no customer
  // part number.
  const int64_t expected_twins = count(
      "SELECT count(*) FROM erp.parts p WHERE serial_no IS NOT NULL AND status <> 'CANCELLED' "
      "AND NOT EXISTS (SELECT 1 FROM erp.deliveries d WHERE d.serial_no = p.serial_no "
      "AND d.customer_bpnl !~ '^BPNL[0-9A-Z]{12}$')");
  const int64_t expected_aspects = count(
      "SELECT count(*) FROM erp.parts p WHERE serial_no IS NOT NULL AND status <> 'CANCELLED' "
      "AND country = 'DE' AND customer_part_no IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
      "erp.deliveries d WHERE d.serial_no = p.serial_no AND d.customer_bpnl !~ "
      "'^BPNL[0-9A-Z]{12}$')");
  auto counts = store_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(static_cast<int64_t>(counts.value().twins), expected_twins);
  EXPECT_EQ(static_cast<int64_t>(counts.value().aspects), expected_aspects);
  EXPECT_EQ(stream(report.value(), "twin:serial").rows,
            static_cast<uint64_t>(count(
                "SELECT count(*) FROM erp.parts p LEFT JOIN erp.deliveries d USING (serial_no)")));

  auto quarantine = store_->quarantine("test-erp");
  ASSERT_TRUE(quarantine.ok());
  std::map<std::string, std::string> reasons;  // "stream|row key" -> field: reason
  for (const auto& entry : quarantine.value()) {
    reasons[entry.stream + "|" + entry.entry.row_key] =
        entry.entry.field + ": " + entry.entry.reason;
  }
  EXPECT_NE(reasons["serial_parts|serial_no=SN-7"].find("/manufacturingInformation/country: 'XX'"),
            std::string::npos)
      << reasons["serial_parts|serial_no=SN-7"];
  EXPECT_NE(reasons["serial_parts|serial_no=SN-8"].find("customerPartId"), std::string::npos)
      << reasons["serial_parts|serial_no=SN-8"];
  EXPECT_NE(reasons["twin:serial|serial_no=SN-9"].find("BPNL12345"), std::string::npos);
  EXPECT_NE(reasons["serial_parts|serial_no=SN-9"].find("no twin"), std::string::npos);
  EXPECT_NE(reasons["twin:serial|(row with NULL key)"].find("serial_no"), std::string::npos);
  EXPECT_EQ(reasons.count("serial_parts|serial_no=SN-10"), 0U) << "cancelled rows are filtered";

  // A twin delivered to two OEMs is visible to both; an undelivered one to nobody.
  auto twin = store_->twin(idOf("SN-10"));
  ASSERT_TRUE(twin.ok());
  EXPECT_FALSE(twin.value().has_value()) << "a cancelled order yields no twin";
  twin = store_->twin(idOf("SN-20"));
  ASSERT_TRUE(twin.ok() && twin.value());
  EXPECT_EQ(twin.value()->twin.visible_to,
            (std::vector<std::string>{"BPNL000000000OEM", "BPNL00000000OEM2"}));
  twin = store_->twin(idOf("SN-21"));
  ASSERT_TRUE(twin.ok() && twin.value());
  EXPECT_TRUE(twin.value()->twin.visible_to.empty());
  EXPECT_EQ(twin.value()->twin.id_short, "ITEM-1_SN-21");

  // The watermark is the last row's values exactly, last column included.
  auto mark = store_->watermark("test-erp", "serial_parts");
  ASSERT_TRUE(mark.ok() && mark.value());
  EXPECT_EQ(mark.value()->values.back(),
            std::to_string(count("SELECT id FROM erp.parts WHERE status <> 'CANCELLED' "
                                 "ORDER BY updated_at DESC, id DESC LIMIT 1")));

  const auto payload = serialPart(*store_, "SN-21");
  ASSERT_TRUE(payload);
  EXPECT_NE(payload->payload.find("\"productionDate\":\"2026-01-01\""), std::string::npos)
      << payload->payload;
  EXPECT_NE(payload->payload.find("\"nameAtManufacturer\":\"Mirror\""), std::string::npos);
}

TEST_F(SyncEngineTest, IncrementalSyncPicksUpInsertsUpdatesFixesCancellationsAndDeletes) {
  ASSERT_TRUE(sync(*store_).ok());
  const auto before = serialPart(*store_, "SN-20");
  ASSERT_TRUE(before);

  sql(R"sql(
    INSERT INTO erp.parts (serial_no, item_no, names, country, produced_at, status,
                           customer_part_no, customer_part_name, updated_at)
      SELECT 'SN-NEW-' || i, 'ITEM-9', '{"en":"New"}', 'CZ', timestamptz '2026-02-01 10:00+00',
             'DONE', 'C-N' || i, 'new part', timestamptz '2026-03-01 00:00:00+00' + i * interval '1 second'
        FROM generate_series(1, 3) i;
    UPDATE erp.parts SET item_no = 'ITEM-CHANGED', updated_at = '2026-03-02 00:00+00' WHERE serial_no = 'SN-20';
    UPDATE erp.parts SET country = 'DE', updated_at = '2026-03-02 00:00:01+00' WHERE serial_no = 'SN-7';
    UPDATE erp.parts SET status = 'CANCELLED', updated_at = '2026-03-02 00:00:02+00' WHERE serial_no = 'SN-40';
    INSERT INTO erp.deleted_records (record_key, deleted_at) VALUES ('SN-30', '2026-03-03 00:00+00');
    DELETE FROM erp.parts WHERE serial_no = 'SN-30';
  )sql");

  auto report = sync(*store_);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_EQ(stream(report.value(), "serial_parts").rows, 5U) << "3 new, SN-20 and SN-7";
  EXPECT_EQ(stream(report.value(), "serial_parts").aspects_changed, 5U);
  EXPECT_EQ(stream(report.value(), "twin:serial").withdrawn, 1U) << "SN-40 cancelled";
  EXPECT_EQ(stream(report.value(), "deleted:serial").withdrawn, 1U) << "SN-30 deleted";

  const auto after = serialPart(*store_, "SN-20");
  ASSERT_TRUE(after);
  EXPECT_GT(after->change_sequence, before->change_sequence);
  EXPECT_NE(after->payload.find("ITEM-CHANGED"), std::string::npos);
  EXPECT_TRUE(serialPart(*store_, "SN-NEW-2").has_value());
  EXPECT_TRUE(serialPart(*store_, "SN-7").has_value()) << "fixed in the ERP, so served now";
  auto quarantine = store_->quarantine("test-erp");
  ASSERT_TRUE(quarantine.ok());
  for (const auto& entry : quarantine.value()) {
    EXPECT_NE(entry.entry.row_key, "serial_no=SN-7") << "a fixed row leaves quarantine";
  }
  for (const char* gone : {"SN-30", "SN-40"}) {
    auto twin = store_->twin(idOf(gone));
    ASSERT_TRUE(twin.ok() && twin.value()) << gone;
    EXPECT_TRUE(twin.value()->withdrawn) << gone;
    EXPECT_TRUE(serialPart(*store_, gone)->withdrawn) << gone;
  }

  auto idle = sync(*store_);
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(stream(idle.value(), "serial_parts").rows, 0U) << "nothing changed, nothing read";
}

TEST_F(SyncEngineTest, CrashBetweenBatchWriteAndCommitLosesAndDuplicatesNothing) {
  int commits = 0;
  auto crashing = openStore([&commits]() -> Status {
    if (++commits == 4) return Error{ErrorCode::kUnavailable, "injected crash", "", "", 0};
    return {};
  });
  ASSERT_NE(crashing, nullptr);
  auto failed = sync(*crashing);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("injected crash"), std::string::npos);

  auto recovered = sync(*store_);
  ASSERT_TRUE(recovered.ok()) << recovered.error().describe();
  auto after_crash = store_->counts();
  ASSERT_TRUE(after_crash.ok());

  // The same ERP synced in one go into a fresh store gives the same result.
  sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  auto clean = openStore({});
  ASSERT_TRUE(clean);
  ASSERT_TRUE(sync(*clean).ok());
  auto reference = clean->counts();
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(after_crash.value().twins, reference.value().twins);
  EXPECT_EQ(after_crash.value().aspects, reference.value().aspects);
  EXPECT_EQ(after_crash.value().quarantined_rows, reference.value().quarantined_rows);
  EXPECT_EQ(
      count("SELECT count(*) - count(DISTINCT (global_asset_id, aspect_urn)) FROM cxgw_aspects"),
      0);
}

TEST_F(SyncEngineTest, ReadingAheadOnMoreConnectionsStoresWhatOneConnectionStores) {
  auto ahead = sync(*store_, /*full=*/true, /*lookahead=*/true);
  ASSERT_TRUE(ahead.ok()) << ahead.error().describe();
  auto quarantined_ahead = store_->quarantine("");
  ASSERT_TRUE(quarantined_ahead.ok());
  auto counts_ahead = store_->counts();
  ASSERT_TRUE(counts_ahead.ok());

  // The same rows synced again over one connection find everything already stored.
  auto single = sync(*store_, /*full=*/true);
  ASSERT_TRUE(single.ok()) << single.error().describe();
  ASSERT_EQ(ahead.value().streams.size(), single.value().streams.size());
  for (size_t i = 0; i < single.value().streams.size(); ++i) {
    const StreamReport& a = ahead.value().streams[i];
    const StreamReport& b = single.value().streams[i];
    EXPECT_EQ(a.stream, b.stream);
    EXPECT_EQ(a.rows, b.rows) << a.stream;
    EXPECT_EQ(b.aspects_changed, 0U) << b.stream;
    EXPECT_EQ(a.aspects_changed, b.aspects_unchanged) << b.stream;
  }
  EXPECT_GT(counts_ahead.value().aspects, 0U);
  auto counts_single = store_->counts();
  ASSERT_TRUE(counts_single.ok());
  EXPECT_EQ(counts_single.value().twins, counts_ahead.value().twins);
  EXPECT_EQ(counts_single.value().aspects, counts_ahead.value().aspects);
  EXPECT_EQ(counts_single.value().last_change_sequence, counts_ahead.value().last_change_sequence);
  auto quarantined_single = store_->quarantine("");
  ASSERT_TRUE(quarantined_single.ok());
  ASSERT_EQ(quarantined_single.value().size(), quarantined_ahead.value().size());
  for (size_t i = 0; i < quarantined_single.value().size(); ++i) {
    EXPECT_EQ(quarantined_single.value()[i].entry.row_key,
              quarantined_ahead.value()[i].entry.row_key);
  }
}

TEST_F(SyncEngineTest, FullResyncChangesNothingThatDidNotChange) {
  ASSERT_TRUE(sync(*store_).ok());
  auto counts = store_->counts();
  ASSERT_TRUE(counts.ok());
  auto again = sync(*store_, /*full=*/true);
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(stream(again.value(), "serial_parts").aspects_changed, 0U);
  EXPECT_EQ(stream(again.value(), "serial_parts").aspects_unchanged, counts.value().aspects);
  auto after = store_->counts();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.value().last_change_sequence, counts.value().last_change_sequence);
}

// The source streams rows in COPY's text format, which escapes these bytes; what the ERP holds
// must arrive, and be stored, byte for byte.
TEST_F(SyncEngineTest, ErpTextWithCopyEscapesArrivesByteForByte) {
  const std::string item = "IT\tEM\n\r\\\\N \xC3\x84\\";
  pqxx::connection connection(connectionString());
  pqxx::work tx(connection);
  tx.exec_params0("UPDATE erp.parts SET item_no = $1 WHERE serial_no = 'SN-3'", item);
  tx.commit();
  auto report = sync(*store_);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  auto twin = store_->twin(idOf("SN-3"));
  ASSERT_TRUE(twin.ok() && twin.value().has_value());
  EXPECT_EQ(twin.value()->twin.id_short, item + "_SN-3");
  const auto& ids = twin.value()->twin.specific_asset_ids;
  EXPECT_NE(std::find(ids.begin(), ids.end(), store::SpecificAssetId{"manufacturerPartId", item}),
            ids.end());
}

TEST_F(SyncEngineTest, UnreachableSourceIsReportedAsUnavailable) {
  SourceSettings settings = mapping_->source;
  settings.connection = "host=127.0.0.1 port=1 dbname=erp connect_timeout=2";
  auto source = connectPostgresSource(settings, {});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().code, ErrorCode::kUnavailable);
}

TEST_F(SyncEngineTest, MissingPasswordVariableIsNamed) {
  SourceSettings settings = mapping_->source;
  settings.password_env = "CXGW_TEST_NO_SUCH_PASSWORD";
  auto source = connectPostgresSource(settings, {});
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.error().message.find("CXGW_TEST_NO_SUCH_PASSWORD"), std::string::npos);
}

TEST_F(SyncEngineTest, SourceSessionIsReadOnly) {
  auto source = connectPostgresSource(mapping_->source, {});
  ASSERT_TRUE(source.ok()) << source.error().describe();
  const Status status = source.value()->stream(
      "SELECT 1 AS x FROM (SELECT nextval('erp.parts_id_seq')) s", 10,
      [](const std::vector<QueryColumn>&, std::vector<SourceRow>&) { return Status(); });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("read-only"), std::string::npos) << status.error().message;
}

}  // namespace
}  // namespace cxgw::adapters
