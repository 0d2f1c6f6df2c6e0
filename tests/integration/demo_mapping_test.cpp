// The demo mapping (deploy/demo/erp/mapping.yaml) against the demo ERP: what a supplier gets
// from the worked example, and whether an independent validator accepts every payload.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "cxgw/adapters/sync_engine.hpp"
#include "cxgw/adapters/twin_identity.hpp"
#include "support/child_process.hpp"
#include "support/postgres_cluster.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::adapters {
namespace {

const std::filesystem::path kSourceDir = CXGW_SOURCE_DIR;
constexpr const char* kSupplier = "BPNL00000000SUPP";
constexpr int kScale = 600;

class DemoMapping : public testing::PostgresTestSuite {
 protected:
  static void SetUpTestSuite() {
    PostgresTestSuite::SetUpTestSuite();
    if (!sharedCluster().running()) return;
    for (const std::string file : {"schema.sql", "generate.sql"}) {
      testing::SpawnOptions psql;
      psql.argv = {"psql",
                   "-q",
                   "-X",
                   "-v",
                   "ON_ERROR_STOP=1",
                   "-v",
                   "scale=" + std::to_string(kScale),
                   "-d",
                   connectionString(),
                   "-f",
                   (kSourceDir / "deploy/demo/erp" / file).string()};
      auto status = testing::ChildProcess::run(psql);
      loaded_ = loaded_ && status.ok() && status.value() == 0;
    }
  }

  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(loaded_) << "loading the demo ERP with psql failed";
    auto registry = schemas::SchemaRegistry::load({});
    ASSERT_TRUE(registry.ok()) << registry.error().describe();
    registry_.emplace(std::move(registry).value());
    auto mapping = loadMapping(kSourceDir / "deploy/demo/erp/mapping.yaml",
                               MappingContext{{{"supplier.bpnl", kSupplier}}});
    ASSERT_TRUE(mapping.ok()) << mapping.error().describe();
    mapping_.emplace(std::move(mapping).value());
    // The suite's database instead of the demo's; the same read-only role and password.
    mapping_->source.connection = connectionString() + " user=cxgw_reader";
    ASSERT_NO_FATAL_FAILURE(sync());
  }

  void sync(SyncReport* out = nullptr) {
    auto source =
        connectPostgresSource(mapping_->source, {{"CXGW_DEMO_ERP_PASSWORD", "cxgw-demo"}});
    ASSERT_TRUE(source.ok()) << source.error().describe();
    SyncEngine engine(*mapping_, *source.value(), *store_, *registry_, kSupplier);
    auto report = engine.run({});
    ASSERT_TRUE(report.ok()) << report.error().describe();
    if (out != nullptr) *out = report.value();
  }

  static void sql(const std::string& statement) {
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec(statement);
    tx.commit();
  }

  static int64_t count(const std::string& query) {
    pqxx::connection connection(connectionString());
    pqxx::read_transaction tx(connection);
    return tx.exec1(query)[0].as<int64_t>();
  }

  // Every stored payload, by aspect URN.
  std::map<std::string, std::vector<std::string>> payloads() {
    std::map<std::string, std::vector<std::string>> out;
    store::ChangeQuery all;
    all.limit = 1'000'000;
    auto changes = store_->changes(all);
    EXPECT_TRUE(changes.ok());
    for (const auto& change : changes.value()) {
      auto aspect = store_->aspect(change.global_asset_id, change.aspect_urn);
      EXPECT_TRUE(aspect.ok() && aspect.value());
      if (aspect.ok() && aspect.value()) out[change.aspect_urn].push_back(aspect.value()->payload);
    }
    return out;
  }

  static inline bool loaded_ = true;
  std::optional<schemas::SchemaRegistry> registry_;
  std::optional<Mapping> mapping_;
  std::unique_ptr<store::StateStore> store_ = store::createMemoryStateStore();
};

TEST_F(DemoMapping, ServesEveryCleanPartAndQuarantinesTheDirt) {
  // Serials whose own or parent's delivery went to a malformed BPN are quarantined (fail
  // closed); the others are twins, cancelled orders excepted.
  const int64_t dirty_serials = count(R"sql(
      SELECT count(DISTINCT s.id) FROM erp.serials s
        LEFT JOIN erp.consumptions c ON c.child_serial_id = s.id
        JOIN erp.deliveries d ON d.serial_id IN (s.id, c.parent_serial_id)
        JOIN erp.customers cu ON cu.id = d.customer_id
       WHERE cu.bpnl !~ '^BPNL[0-9A-Z]{12}$')sql");
  const int64_t cancelled = count(
      "SELECT count(*) FROM erp.serials s JOIN erp.production_orders po ON "
      "po.id = s.production_order_id WHERE po.status = 'CANCELLED'");
  const int64_t produced_lots = count(
      "SELECT count(*) FROM erp.lots l JOIN erp.production_orders po ON po.id = "
      "l.production_order_id WHERE po.status <> 'CANCELLED'");
  ASSERT_GT(dirty_serials, 0) << "the demo ERP should contain malformed BPNs";
  auto counts = store_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(static_cast<int64_t>(counts.value().twins),
            kScale - dirty_serials - cancelled + produced_lots);

  const auto by_urn = payloads();
  EXPECT_EQ(
      static_cast<int64_t>(by_urn.at("urn:samm:io.catenax.serial_part:4.0.0#SerialPart").size()),
      kScale - dirty_serials - cancelled);
  EXPECT_EQ(by_urn.at("urn:samm:io.catenax.serial_part:3.0.1#SerialPart").size(),
            by_urn.at("urn:samm:io.catenax.serial_part:4.0.0#SerialPart").size());
  EXPECT_EQ(static_cast<int64_t>(by_urn.at("urn:samm:io.catenax.batch:4.0.0#Batch").size()),
            produced_lots);
  EXPECT_GT(
      by_urn.count("urn:samm:io.catenax.single_level_bom_as_built:4.0.0#SingleLevelBomAsBuilt"),
      0U);
  EXPECT_GT(by_urn.count("urn:samm:io.catenax.special_characteristics.measurement:2.0.0#"
                         "SpecialCharacteristicsMeasurement"),
            0U);

  auto quarantine = store_->quarantine("demo-erp");
  ASSERT_TRUE(quarantine.ok());
  std::set<std::string> reasons;
  for (const auto& entry : quarantine.value()) {
    if (entry.stream == "twin:serial") {
      reasons.insert(entry.entry.reason.substr(0, entry.entry.reason.find("' ") + 1));
    }
    EXPECT_TRUE(entry.stream == "twin:serial" || entry.entry.field == "/globalAssetId")
        << "only twins with a malformed partner BPN and their aspects may be quarantined: "
        << entry.stream << " " << entry.entry.row_key << " " << entry.entry.field << " "
        << entry.entry.reason;
  }
  EXPECT_EQ(reasons,
            (std::set<std::string>{"partner BPN 'BPNL12345'", "partner BPN 'bpnl00000000adri'"}));
}

TEST_F(DemoMapping, ProducedLotConsumedIntoASerialIsAChildItemOfItsBom) {
  const std::string parent = std::to_string(count(
      "SELECT s.id FROM erp.serials s JOIN erp.items i ON i.id = s.item_id "
      "JOIN erp.production_orders po ON po.id = s.production_order_id JOIN erp.deliveries d ON "
      "d.serial_id = s.id JOIN erp.customers c ON c.id = d.customer_id WHERE i.category = "
      "'FINISHED' AND po.status = 'COMPLETED' AND c.bpnl = 'BPNL000000000OEM' ORDER BY s.id LIMIT "
      "1"));
  const std::string lot = std::to_string(count(
      "SELECT l.id FROM erp.lots l JOIN erp.production_orders po ON po.id = l.production_order_id "
      "WHERE po.status <> 'CANCELLED' ORDER BY l.id LIMIT 1"));
  sql("INSERT INTO erp.consumptions (parent_serial_id, child_lot_id, production_order_id, "
      "quantity, "
      "uom, consumed_at) SELECT " +
      parent + ", " + lot +
      ", s.production_order_id, 2.5, 'KG', now() "
      "FROM erp.serials s WHERE s.id = " +
      parent);
  ASSERT_NO_FATAL_FAILURE(sync());
  pqxx::connection connection(connectionString());
  pqxx::read_transaction tx(connection);
  const auto keys = tx.exec1(
      "SELECT i.part_number, s.serial_no, li.part_number, l.lot_no FROM erp.serials s "
      "JOIN erp.items i ON i.id = s.item_id, erp.lots l JOIN erp.items li ON "
      "li.id = l.item_id WHERE s.id = " +
      parent + " AND l.id = " + lot);
  const auto ns = supplierTwinNamespace(kSupplier);
  auto bom = store_->aspect(
      twinGlobalAssetId(ns, "serial", {keys[0].as<std::string>(), keys[1].as<std::string>()}),
      "urn:samm:io.catenax.single_level_bom_as_built:4.0.0#SingleLevelBomAsBuilt");
  ASSERT_TRUE(bom.ok() && bom.value()) << "the BoM of the parent is served";
  EXPECT_NE(bom.value()->payload.find(twinGlobalAssetId(
                ns, "lot", {keys[2].as<std::string>(), keys[3].as<std::string>()})),
            std::string::npos)
      << bom.value()->payload;
  EXPECT_NE(bom.value()->payload.find("\"unit\":\"unit:kilogram\""), std::string::npos);
}

// The incremental queries of the demo mapping restrict themselves with :changed_since to the
// twins that a row with a newer updated_at belongs to. A table missing from that restriction
// would hide its changes from incremental syncs: touch one row of a table a watermark reads,
// and the streams that read that table must see the change.
//
// The restriction keeps rows of exactly the watermark's time (>=), so twins of the last change
// before come back through their own branch and could hide a missing one. Hence one touch per
// test, and before it a warm-up change of another serial and lot that moves every stream's
// watermark to now, past the generated data's times.
struct Touch {
  std::string table;
  std::string update;  // bumps updated_at (the ERP's trigger does on every UPDATE)
  std::vector<std::string> streams;
};

// `s`: a delivered serial with a child serial, measurements and customer part numbers;
// `lot`: a produced lot.
std::vector<Touch> touches(const std::string& s, const std::string& lot) {
  return {
      {"serials",
       "UPDATE erp.serials SET status = status WHERE id = " + s,
       {"twin:serial", "serial_parts", "serial_parts_v3"}},
      {"production_orders_of_a_serial",
       "UPDATE erp.production_orders SET status = status WHERE id = (SELECT production_order_id "
       "FROM erp.serials WHERE id = " +
           s + ")",
       {"twin:serial"}},
      {"deliveries",
       "UPDATE erp.deliveries SET uom = uom WHERE serial_id = " + s,
       {"twin:serial", "serial_parts"}},
      {"customers",
       "UPDATE erp.customers SET city = city WHERE id IN (SELECT customer_id FROM "
       "erp.deliveries WHERE serial_id = " +
           s + ")",
       {"twin:serial"}},
      {"consumptions_of_a_child_serial",
       "UPDATE erp.consumptions SET uom = uom WHERE child_serial_id IS NOT NULL AND "
       "parent_serial_id = " +
           s,
       {"twin:serial", "bom_as_built"}},
      {"items",
       "UPDATE erp.items SET name = name WHERE id = (SELECT item_id FROM erp.serials "
       "WHERE id = " +
           s + ")",
       {"serial_parts", "serial_parts_v3"}},
      {"plants",
       "UPDATE erp.plants SET bpns = bpns WHERE id = (SELECT plant_id FROM erp.serials "
       "WHERE id = " +
           s + ")",
       {"serial_parts"}},
      {"customer_items",
       "UPDATE erp.customer_items SET customer_part_number = "
       "customer_part_number WHERE item_id = (SELECT item_id FROM erp.serials "
       "WHERE id = " +
           s + ")",
       {"serial_parts"}},
      {"inspections",
       "UPDATE erp.inspections SET rework = rework WHERE serial_id = " + s,
       {"eol_measurements"}},
      {"measurements",
       "UPDATE erp.measurements SET unit = unit WHERE inspection_id IN (SELECT id "
       "FROM erp.inspections WHERE serial_id = " +
           s + ")",
       {"eol_measurements"}},
      {"lots", "UPDATE erp.lots SET uom = uom WHERE id = " + lot, {"twin:lot", "batches"}},
      {"production_orders_of_a_lot",
       "UPDATE erp.production_orders SET status = status WHERE id = (SELECT production_order_id "
       "FROM erp.lots WHERE id = " +
           lot + ")",
       {"twin:lot"}},
      {"consumptions_of_a_child_lot",  // produced lots are consumed nowhere yet
       "INSERT INTO erp.consumptions (parent_serial_id, child_lot_id, production_order_id, "
       "quantity, uom, consumed_at) SELECT id, " +
           lot +
           ", production_order_id, 1, 'KG', now() "
           "FROM erp.serials WHERE id = " +
           s,
       {"twin:lot", "bom_as_built"}},
  };
}

class DemoMappingIncremental : public DemoMapping, public ::testing::WithParamInterface<size_t> {};

TEST_P(DemoMappingIncremental, SyncSeesAChangeInEveryTableAWatermarkReads) {
  const std::string s = std::to_string(count(R"sql(
      SELECT s.id FROM erp.serials s
        JOIN erp.production_orders po ON po.id = s.production_order_id
        JOIN erp.deliveries d ON d.serial_id = s.id JOIN erp.customers cu ON cu.id = d.customer_id
       WHERE po.status <> 'CANCELLED' AND cu.bpnl ~ '^BPNL[0-9A-Z]{12}$'
         AND EXISTS (SELECT 1 FROM erp.consumptions c
                      WHERE c.parent_serial_id = s.id AND c.child_serial_id IS NOT NULL)
         AND EXISTS (SELECT 1 FROM erp.inspections i JOIN erp.measurements m
                       ON m.inspection_id = i.id WHERE i.serial_id = s.id)
         AND EXISTS (SELECT 1 FROM erp.customer_items ci WHERE ci.item_id = s.item_id)
       ORDER BY s.id LIMIT 1)sql"));
  const std::string lot = std::to_string(count(R"sql(
      SELECT l.id FROM erp.lots l JOIN erp.production_orders po ON po.id = l.production_order_id
       WHERE po.status <> 'CANCELLED' ORDER BY l.id LIMIT 1)sql"));
  const std::string other = std::to_string(count(
      "SELECT s.id FROM erp.serials s JOIN erp.production_orders po ON po.id = "
      "s.production_order_id WHERE po.status <> 'CANCELLED' AND s.item_id <> (SELECT item_id "
      "FROM erp.serials WHERE id = " +
      s +
      ") AND EXISTS (SELECT 1 FROM erp.consumptions c WHERE c.parent_serial_id = "
      "s.id) AND EXISTS (SELECT 1 FROM erp.inspections i WHERE i.serial_id = s.id) ORDER BY s.id "
      "LIMIT 1"));
  const std::string other_lot =
      std::to_string(count("SELECT l.id FROM erp.lots l JOIN erp.production_orders po ON po.id = "
                           "l.production_order_id WHERE po.status <> 'CANCELLED' AND l.id <> " +
                           lot + " ORDER BY l.id LIMIT 1"));
  sql("UPDATE erp.serials SET status = status WHERE id = " + other +
      "; UPDATE erp.consumptions SET uom = uom WHERE parent_serial_id = " + other +
      "; UPDATE erp.inspections SET rework = rework WHERE serial_id = " + other +
      "; UPDATE erp.lots SET uom = uom WHERE id = " + other_lot);
  SyncReport warm_up;
  ASSERT_NO_FATAL_FAILURE(sync(&warm_up));
  for (const auto& stream : warm_up.streams) {
    if (stream.stream.rfind("deleted:", 0) == 0) continue;
    EXPECT_GT(stream.rows, 0U) << stream.stream << " did not see the warm-up change";
  }
  SyncReport idle;
  ASSERT_NO_FATAL_FAILURE(sync(&idle));
  for (const auto& stream : idle.streams) {
    EXPECT_EQ(stream.rows, 0U) << stream.stream << " read rows though nothing changed";
  }
  const Touch touch = touches(s, lot).at(GetParam());
  sql(touch.update);
  SyncReport report;
  ASSERT_NO_FATAL_FAILURE(sync(&report));
  for (const std::string& name : touch.streams) {
    uint64_t rows = 0;
    for (const auto& stream : report.streams) {
      if (stream.stream == name) rows = stream.rows;
    }
    EXPECT_GT(rows, 0U) << "a change in " << touch.table << " did not reach " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(EachTable, DemoMappingIncremental,
                         ::testing::Range<size_t>(0, touches("0", "0").size()),
                         [](const ::testing::TestParamInfo<size_t>& param) {
                           return touches("0", "0").at(param.param).table;
                         });

TEST_F(DemoMapping, EveryPayloadIsValidForTheOfficialSchemaByAnIndependentValidator) {
  const char* reference = std::getenv("CX_REFERENCE_DIR");
  if (reference == nullptr || !std::filesystem::is_directory(std::filesystem::path(reference) /
                                                             "catenax-semantic-models")) {
    const std::string reason = "CX_REFERENCE_DIR is not set or has no catenax-semantic-models";
    std::cout << "SKIPPED: " << reason << "\n";
    GTEST_SKIP() << reason;
  }
  const auto validator = kSourceDir / "tests/conformance/validator";
  if (!std::filesystem::is_directory(validator / "node_modules/ajv-draft-04")) {
    const std::string reason =
        "ajv is not installed (deploy/scripts/test.sh runs npm ci in " + validator.string() + ")";
    std::cout << "SKIPPED: " << reason << "\n";
    GTEST_SKIP() << reason;
  }
  testing::TempDirectory dir;
  for (const auto& [urn_text, list] : payloads()) {
    const auto urn = schemas::parseAspectUrn(urn_text).value();
    const auto schema = std::filesystem::path(reference) / "catenax-semantic-models" /
                        urn.model_namespace / urn.version / "gen" / (urn.name + "-schema.json");
    ASSERT_TRUE(std::filesystem::exists(schema)) << schema;
    testing::SpawnOptions node;
    node.argv = {"node", (validator / "validate.mjs").string(), schema.string()};
    for (size_t i = 0; i < list.size(); ++i) {
      node.argv.push_back(
          dir.write(urn.name + "-" + urn.version + "-" + std::to_string(i) + ".json", list[i])
              .string());
    }
    auto child = testing::ChildProcess::spawn(node);
    ASSERT_TRUE(child.ok()) << child.error().describe();
    const std::string output = child.value()->readAll(std::chrono::minutes(5));
    EXPECT_EQ(child.value()->waitFor(std::chrono::minutes(1)), 0) << urn_text << "\n" << output;
    EXPECT_NE(output.find(std::to_string(list.size()) + " valid, 0 invalid"), std::string::npos)
        << output;
  }
}

}  // namespace
}  // namespace cxgw::adapters
