// The demo ERP (deploy/demo/erp/): schema.sql and generate.sql loaded by psql into a throwaway
// PostgreSQL, then checked with SQL. The scripts are the product here, so the tests run them the
// way the README tells a user to.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/postgres_cluster.hpp"

namespace cxgw::testing {
namespace {

const std::filesystem::path kErpDirectory =
    std::filesystem::path(CXGW_SOURCE_DIR) / "deploy" / "demo" / "erp";
constexpr int kScale = 2000;

// The tables of schema erp that carry updated_at, and all of its tables.
const std::vector<std::string> kChangingTables = {
    "plants", "customers", "items",        "bom_lines",   "customer_items", "production_orders",
    "lots",   "serials",   "consumptions", "inspections", "measurements",   "deliveries"};
const std::vector<std::string> kAllTables = [] {
  std::vector<std::string> tables = kChangingTables;
  tables.push_back("deleted_records");
  return tables;
}();

struct PsqlRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class DemoErp : public PostgresTestSuite {
 protected:
  // Runs psql (from PATH) with ON_ERROR_STOP on the suite database.
  static PsqlRun runPsql(const std::vector<std::string>& arguments) {
    SpawnOptions options;
    options.argv = {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", connectionString()};
    options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
    auto child = ChildProcess::spawn(options);
    if (!child) return {-1, child.error().describe()};
    PsqlRun run;
    run.output = child.value()->readAll(std::chrono::minutes(5));
    run.exit_code = child.value()->waitFor(std::chrono::seconds(30)).value_or(-1);
    return run;
  }

  static void loadSchema() {
    const PsqlRun run = runPsql({"-f", (kErpDirectory / "schema.sql").string()});
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }

  static void generate(int scale) {
    const PsqlRun run = runPsql(
        {"-v", "scale=" + std::to_string(scale), "-f", (kErpDirectory / "generate.sql").string()});
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }

  static void loadAndGenerate() {
    ASSERT_NO_FATAL_FAILURE(loadSchema());
    ASSERT_NO_FATAL_FAILURE(generate(kScale));
  }

  // The single value of `query`, as text ("" for NULL), as the superuser.
  static std::string queryValue(const std::string& query) {
    pqxx::connection connection(connectionString());
    pqxx::nontransaction work(connection);
    const pqxx::field field = work.exec1(query)[0];
    return field.is_null() ? std::string() : field.as<std::string>();
  }

  static long queryCount(const std::string& query) { return std::stol(queryValue(query)); }

  // md5 of each table's rows in id order, rendered in UTC.
  static std::map<std::string, std::string> tableDigests() {
    pqxx::connection connection(connectionString());
    pqxx::nontransaction work(connection);
    work.exec("SET TimeZone = 'UTC'");
    std::map<std::string, std::string> digests;
    for (const std::string& table : kAllTables) {
      const pqxx::field field = work.exec1(
          "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM erp." + table + " t")[0];
      digests[table] = field.is_null() ? "(empty)" : field.as<std::string>();
    }
    return digests;
  }

  static std::string readerConnectionString() {
    return "host=127.0.0.1 port=" + std::to_string(sharedCluster().port()) +
           " dbname=" + databaseName() + " user=cxgw_reader password=cxgw-demo";
  }
};

TEST_F(DemoErp, SchemaLoadsTwiceAndStartsEmptyEachTime) {
  ASSERT_NO_FATAL_FAILURE(loadSchema());
  queryValue(
      "INSERT INTO erp.plants (plant_code, name, country_code, city, time_zone) "
      "VALUES ('XX01', 'left over', 'DE', 'Berlin', 'Europe/Berlin') RETURNING id");
  ASSERT_EQ(queryCount("SELECT count(*) FROM erp.plants"), 1);

  ASSERT_NO_FATAL_FAILURE(loadSchema());

  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.plants"), 0);
  EXPECT_EQ(queryCount("SELECT count(*) FROM pg_tables WHERE schemaname = 'erp'"),
            static_cast<long>(kAllTables.size()));
  EXPECT_EQ(queryCount("SELECT count(*) FROM pg_roles WHERE rolname = 'cxgw_reader'"), 1);
}

TEST_F(DemoErp, EveryChangingTableHasUpdatedAtTriggerAndWatermarkIndex) {
  ASSERT_NO_FATAL_FAILURE(loadSchema());
  for (const std::string& table : kChangingTables) {
    SCOPED_TRACE(table);
    EXPECT_EQ(queryCount("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'erp." + table +
                         "'::regclass AND tgname = 'touch_updated_at'"),
              1);
    EXPECT_EQ(
        queryCount("SELECT count(*) FROM pg_indexes WHERE schemaname = 'erp' AND tablename = '" +
                   table + "' AND indexdef LIKE '%(updated_at, id)'"),
        1);
  }
}

TEST_F(DemoErp, ScaleCountsSerializedPartsExactly) {
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());

  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.serials"), kScale);
  // Blocks of 12 serials hold 3 finished goods; 2000 = 166 blocks + 8 serials holding 2 more.
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.serials s JOIN erp.items i ON i.id = s.item_id "
                       "WHERE i.category = 'FINISHED'"),
            500);
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.serials s JOIN erp.items i ON i.id = s.item_id "
                       "WHERE i.category = 'COMPONENT'"),
            1500);
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.serials s JOIN erp.items i ON i.id = s.item_id "
                       "WHERE NOT i.is_serialized"),
            0);
}

TEST_F(DemoErp, GenealogyQualityAndDeliveriesHaveTheDocumentedShape) {
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());

  // Each finished serial consumes 2-4 component serials and 1-2 lots.
  EXPECT_EQ(queryCount(R"sql(
      SELECT count(*) FROM erp.serials s JOIN erp.items i ON i.id = s.item_id
      WHERE i.category = 'FINISHED'
        AND ((SELECT count(*) FROM erp.consumptions c
              WHERE c.parent_serial_id = s.id AND c.child_serial_id IS NOT NULL) NOT BETWEEN 2 AND 4
          OR (SELECT count(*) FROM erp.consumptions c
              WHERE c.parent_serial_id = s.id AND c.child_lot_id IS NOT NULL) NOT BETWEEN 1 AND 2))sql"),
            0);
  // A component is built in at most once, and only into a finished good made after it, per BOM.
  EXPECT_EQ(queryCount("SELECT count(*) - count(DISTINCT child_serial_id) FROM erp.consumptions "
                       "WHERE child_serial_id IS NOT NULL"),
            0);
  EXPECT_EQ(queryCount(R"sql(
      SELECT count(*) FROM erp.consumptions c
      JOIN erp.serials child ON child.id = c.child_serial_id
      JOIN erp.serials parent ON parent.id = c.parent_serial_id
      WHERE NOT (child.manufactured_at < c.consumed_at AND c.consumed_at < parent.manufactured_at)
         OR NOT EXISTS (SELECT FROM erp.bom_lines b WHERE b.parent_item_id = parent.item_id
                                                      AND b.child_item_id = child.item_id))sql"),
            0);
  // Finished serials have an inspection with 2-5 measurements.
  EXPECT_EQ(queryCount(R"sql(
      SELECT count(*) FROM erp.serials s JOIN erp.items i ON i.id = s.item_id
      WHERE i.category = 'FINISHED'
        AND (SELECT count(*) FROM erp.inspections q JOIN erp.measurements m ON m.inspection_id = q.id
             WHERE q.serial_id = s.id) NOT BETWEEN 2 AND 5)sql"),
            0);
  // About 70 % of the finished serials are delivered, most of them to the Catena-X partners.
  const long delivered =
      queryCount("SELECT count(*) FROM erp.deliveries WHERE serial_id IS NOT NULL");
  EXPECT_GE(delivered, 300);
  EXPECT_LE(delivered, 400);
  EXPECT_GT(queryCount("SELECT count(*) FROM erp.deliveries d JOIN erp.customers c "
                       "ON c.id = d.customer_id WHERE c.bpnl ~ '^BPNL[0-9A-Z]{12}$'"),
            delivered * 3 / 4);
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.serials s WHERE (s.status = 'DELIVERED') <> "
                       "EXISTS (SELECT FROM erp.deliveries d WHERE d.serial_id = s.id)"),
            0);
}

TEST_F(DemoErp, EveryReferenceResolvesAndForeignKeysSurviveTheLoad) {
  ASSERT_NO_FATAL_FAILURE(loadSchema());
  const long foreign_keys = queryCount(
      "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = "
      "'erp'::regnamespace");
  const long indexes = queryCount("SELECT count(*) FROM pg_indexes WHERE schemaname = 'erp'");
  ASSERT_GT(foreign_keys, 0);
  ASSERT_NO_FATAL_FAILURE(generate(kScale));

  // generate.sql drops foreign keys and indexes for the load; they must all be back.
  EXPECT_EQ(queryCount("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = "
                       "'erp'::regnamespace AND convalidated"),
            foreign_keys);
  EXPECT_EQ(queryCount("SELECT count(*) FROM pg_indexes WHERE schemaname = 'erp'"), indexes);
  EXPECT_EQ(queryCount(R"sql(
      SELECT count(*) FROM erp.consumptions c
      WHERE NOT EXISTS (SELECT FROM erp.serials s WHERE s.id = c.parent_serial_id)
         OR (c.child_serial_id IS NOT NULL
             AND NOT EXISTS (SELECT FROM erp.serials s WHERE s.id = c.child_serial_id))
         OR (c.child_lot_id IS NOT NULL
             AND NOT EXISTS (SELECT FROM erp.lots l WHERE l.id = c.child_lot_id))
         OR NOT EXISTS (SELECT FROM erp.production_orders o WHERE o.id = c.production_order_id))sql"),
            0);
  EXPECT_EQ(queryCount(R"sql(
      SELECT count(*) FROM erp.deliveries d
      WHERE NOT EXISTS (SELECT FROM erp.customers c WHERE c.id = d.customer_id)
         OR (d.serial_id IS NOT NULL AND NOT EXISTS (SELECT FROM erp.serials s WHERE s.id = d.serial_id))
         OR (d.lot_id IS NOT NULL AND NOT EXISTS (SELECT FROM erp.lots l WHERE l.id = d.lot_id)))sql"),
            0);
  // New rows get ids after the generated ones.
  EXPECT_NO_THROW(
      queryValue("INSERT INTO erp.customers (customer_no, name, country_code, city) "
                 "VALUES ('999999', 'New customer', 'AT', 'Wien') RETURNING id"));
}

TEST_F(DemoErp, SameScaleGivesIdenticalData) {
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());
  const std::map<std::string, std::string> first = tableDigests();
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());
  const std::map<std::string, std::string> second = tableDigests();

  EXPECT_EQ(first, second);
  for (const auto& [table, digest] : first) {
    if (table != "deleted_records") {
      EXPECT_NE(digest, "(empty)") << table;
    }
  }
}

TEST_F(DemoErp, ContainsEachDocumentedKindOfDirt) {
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());
  const std::vector<std::pair<std::string, std::string>> dirt = {
      {"customers with a malformed BPN that received deliveries",
       "SELECT count(DISTINCT c.id) >= 2 FROM erp.customers c JOIN erp.deliveries d "
       "ON d.customer_id = c.id WHERE c.bpnl !~ '^BPNL[0-9A-Z]{12}$'"},
      {"a lower-case BPN", "SELECT count(*) > 0 FROM erp.customers WHERE bpnl <> upper(bpnl)"},
      {"non-partner customers that received deliveries",
       "SELECT count(DISTINCT c.id) >= 2 FROM erp.customers c JOIN erp.deliveries d "
       "ON d.customer_id = c.id WHERE c.bpnl IS NULL"},
      {"a plant without BPNS that made serials",
       "SELECT count(*) > 0 FROM erp.plants p JOIN erp.serials s ON s.plant_id = p.id "
       "WHERE p.bpns IS NULL"},
      {"a good finished serial not yet delivered",
       "SELECT count(*) > 0 FROM erp.serials s JOIN erp.items i ON i.id = s.item_id "
       "WHERE i.category = 'FINISHED' AND s.status = 'IN_STOCK' "
       "AND NOT EXISTS (SELECT FROM erp.deliveries d WHERE d.serial_id = s.id)"},
      {"a cancelled production order whose serials exist",
       "SELECT count(*) > 0 FROM erp.production_orders o JOIN erp.serials s "
       "ON s.production_order_id = o.id WHERE o.status = 'CANCELLED'"},
      {"a completed production order without finish date",
       "SELECT count(*) > 0 FROM erp.production_orders "
       "WHERE status = 'COMPLETED' AND finished_at IS NULL"},
      {"an item without weight", "SELECT count(*) > 0 FROM erp.items WHERE weight_kg IS NULL"},
      {"an item without English name",
       "SELECT count(*) > 0 FROM erp.items WHERE NOT name ? 'en' AND name ? 'de'"},
      {"a non-ASCII serial number delivered to a partner",
       "SELECT count(*) > 0 FROM erp.serials s JOIN erp.deliveries d ON d.serial_id = s.id "
       "JOIN erp.customers c ON c.id = d.customer_id "
       "WHERE s.serial_no !~ '^[ -~]*$' AND c.bpnl ~ '^BPNL[0-9A-Z]{12}$'"},
      {"a Cyrillic serial number",
       "SELECT count(*) > 0 FROM erp.serials WHERE serial_no ~ '[А-я]'"},
      {"a serial number with a trailing blank",
       "SELECT count(*) > 0 FROM erp.serials WHERE serial_no <> rtrim(serial_no)"},
      {"a measurement without unit",
       "SELECT count(*) > 0 FROM erp.measurements WHERE unit IS NULL"},
      {"a failed end-of-line test",
       "SELECT count(*) > 0 FROM erp.inspections q JOIN erp.measurements m "
       "ON m.inspection_id = q.id WHERE q.result = 'FAIL' AND NOT m.passed"},
      {"a reworked part", "SELECT count(*) > 0 FROM erp.inspections WHERE rework"},
  };
  for (const auto& [description, query] : dirt) {
    EXPECT_EQ(queryValue(query), "t") << description << ": " << query;
  }
}

TEST_F(DemoErp, ReaderRoleCanSelectButNotWrite) {
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());
  const long deliveries = queryCount("SELECT count(*) FROM erp.deliveries");
  pqxx::connection connection(readerConnectionString());

  {
    pqxx::work work(connection);
    EXPECT_EQ(work.exec1("SELECT count(*) FROM erp.serials")[0].as<long>(), kScale);
    EXPECT_EQ(work.exec1("SELECT count(*) FROM erp.deleted_records")[0].as<long>(), 0);
    EXPECT_EQ(work.exec1("SELECT current_user")[0].as<std::string>(), "cxgw_reader");
  }
  // Turning off the role's default read-only transactions must not help: no write privilege.
  const std::vector<std::string> writes = {
      "INSERT INTO erp.plants (plant_code, name, country_code, city, time_zone) "
      "VALUES ('XX01', 'intruder', 'DE', 'Berlin', 'Europe/Berlin')",
      "UPDATE erp.serials SET status = 'SCRAPPED' WHERE id = 1",
      "DELETE FROM erp.deliveries",
      "CREATE TABLE erp.intruder (id int)",
  };
  for (const std::string& statement : writes) {
    pqxx::work work(connection);
    work.exec("SET TRANSACTION READ WRITE");
    try {
      work.exec(statement);
      ADD_FAILURE() << "cxgw_reader could run: " << statement;
    } catch (const pqxx::insufficient_privilege&) {
      // SQLSTATE 42501, as wanted (libpqxx 6 maps it to this class but leaves sqlstate() empty)
    } catch (const pqxx::sql_error& error) {
      ADD_FAILURE() << statement << " failed, but not for lack of privilege: " << error.what();
    }
  }
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.deliveries"), deliveries);
  EXPECT_EQ(queryValue("SELECT status FROM erp.serials WHERE id = 1"), "CONSUMED");
}

TEST_F(DemoErp, DeletingSerialRecordsItAndItsCascadedDelivery) {
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());
  const std::string delivery_key = queryValue(
      "SELECT delivery_note_no || '/' || line_no FROM erp.deliveries WHERE serial_id = 3");
  ASSERT_FALSE(delivery_key.empty());
  const std::string item_id = queryValue("SELECT item_id FROM erp.serials WHERE id = 3");

  queryValue("DELETE FROM erp.serials WHERE id = 3 RETURNING id");

  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.deleted_records WHERE table_name = 'serials' "
                       "AND record_id = 3 AND record_key = '" +
                       item_id + "/SN-Ä-000003' AND deleted_at IS NOT NULL"),
            1);
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.deleted_records WHERE table_name = 'deliveries' "
                       "AND record_key = '" +
                       delivery_key + "'"),
            1);
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.deleted_records"), 2);
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.consumptions WHERE parent_serial_id = 3"), 0);
}

TEST_F(DemoErp, UpdateBumpsUpdatedAtInEveryChangingTable) {
  ASSERT_NO_FATAL_FAILURE(loadAndGenerate());
  for (const std::string& table : kChangingTables) {
    SCOPED_TRACE(table);
    // Setting updated_at to its old value must still move it: the trigger owns it.
    const std::string bumped = queryValue(
        "WITH old AS (SELECT id, updated_at FROM erp." + table +
        " ORDER BY id LIMIT 1) "
        "UPDATE erp." +
        table +
        " t SET updated_at = old.updated_at FROM old WHERE t.id = old.id "
        "RETURNING t.updated_at > old.updated_at AND t.updated_at > now() - interval '1 minute'");
    EXPECT_EQ(bumped, "t");
  }
}

TEST_F(DemoErp, GenerateRejectsMissingOrTooSmallScaleAndKeepsData) {
  ASSERT_NO_FATAL_FAILURE(loadSchema());
  ASSERT_NO_FATAL_FAILURE(generate(300));
  for (const std::vector<std::string>& scale :
       {std::vector<std::string>{}, {"-v", "scale=299"}, {"-v", "scale=lots"}}) {
    std::vector<std::string> arguments = scale;
    arguments.insert(arguments.end(), {"-f", (kErpDirectory / "generate.sql").string()});
    const PsqlRun run = runPsql(arguments);
    EXPECT_NE(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("scale=N with N >= 300"), std::string::npos) << run.output;
  }
  EXPECT_EQ(queryCount("SELECT count(*) FROM erp.serials"), 300);
}

}  // namespace
}  // namespace cxgw::testing
