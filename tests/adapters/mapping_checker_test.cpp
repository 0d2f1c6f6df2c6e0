#include "cxgw/adapters/mapping_checker.hpp"

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"

namespace cxgw::adapters {
namespace {

// A fake ERP port: describe() answers from a table of query -> columns.
class DescribedSource final : public SourceConnector {
 public:
  std::map<std::string, std::vector<QueryColumn>> described;

  Result<std::vector<QueryColumn>> describe(const std::string& query) override {
    const auto it = described.find(query);
    if (it == described.end())
      return Error{ErrorCode::kInvalidArgument, "relation does not exist", "", "", 0};
    return it->second;
  }
  Status stream(const std::string&, size_t,
                const std::function<Status(const std::vector<QueryColumn>&,
                                           std::vector<SourceRow>&)>&) override {
    return Error{ErrorCode::kInternal, "not used by the checker", "", "", 0};
  }
  std::string quote(const std::string& text) override { return "'" + text + "'"; }
  Result<bool> awaitNotification(std::chrono::milliseconds) override { return false; }
};

constexpr const char* kMapping = R"(source: {name: erp, connection: "dbname=erp"}
twins:
  - class: serial
    query: TWINS
    key: serial_no
    id_short: {column: serial_no}
    visible_to: {column: customer_bpnl}
    incremental: {watermark: [updated_at, id]}
aspects:
  - name: serial_parts
    twin: serial
    urn: urn:samm:io.catenax.serial_part:4.0.0#SerialPart
    query: ASPECT
    payload:
      globalAssetId: {twin: global_asset_id}
      localIdentifiers:
        - {key: manufacturerId, value: {config: supplier.bpnl}}
      manufacturingInformation:
        productionDate: {column: produced_at, transform: date}
      partTypeInformation:
        manufacturerPartId: {column: item_no}
)";

class MappingCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = schemas::SchemaRegistry::load({});
    ASSERT_TRUE(registry.ok()) << registry.error().describe();
    registry_.emplace(std::move(registry).value());
    auto mapping = loadMapping(dir_.write("m.yaml", kMapping),
                               MappingContext{{{"supplier.bpnl", "BPNL00000000SUPP"}}});
    ASSERT_TRUE(mapping.ok()) << mapping.error().describe();
    mapping_.emplace(std::move(mapping).value());
    source_.described["TWINS"] = {
        {"serial_no", ValueKind::kText, "text"},
        {"customer_bpnl", ValueKind::kText, "text"},
        {"updated_at", ValueKind::kTimestampTz, "timestamp with time zone"},
        {"id", ValueKind::kInteger, "bigint"}};
    source_.described["ASPECT"] = {
        {"serial_no", ValueKind::kText, "text"},
        {"produced_at", ValueKind::kTimestampTz, "timestamp with time zone"},
        {"item_no", ValueKind::kText, "text"}};
  }

  std::vector<MappingFinding> findings() {
    auto report = checkMapping(*mapping_, source_, *registry_);
    EXPECT_TRUE(report.ok()) << report.error().describe();
    return report.ok() ? report.value().findings : std::vector<MappingFinding>{};
  }

  static bool has(const std::vector<MappingFinding>& findings, const std::string& text) {
    for (const auto& f : findings) {
      if ((f.key + ": " + f.message).find(text) != std::string::npos) return true;
    }
    return false;
  }

  testing::TempDirectory dir_;
  std::optional<schemas::SchemaRegistry> registry_;
  std::optional<Mapping> mapping_;
  DescribedSource source_;
};

TEST_F(MappingCheck, ReportsRequiredPropertiesThatNothingMaps) {
  const auto found = findings();
  EXPECT_TRUE(has(found, "requires /partTypeInformation/customerPartId"));
  EXPECT_TRUE(has(found, "requires /partTypeInformation/partClassification/*/id"));
  EXPECT_FALSE(has(found, "requires /localIdentifiers/*/value"));
  EXPECT_FALSE(has(found, "requires /globalAssetId"));
  EXPECT_FALSE(has(found, "requires /manufacturingInformation/productionDate"));
}

TEST_F(MappingCheck, ReportsUnknownColumnsWithTheirKey) {
  source_.described["TWINS"].erase(source_.described["TWINS"].begin() + 3);    // no id column
  source_.described["ASPECT"].erase(source_.described["ASPECT"].begin() + 2);  // no item_no
  const auto found = findings();
  EXPECT_TRUE(has(found, "twins[0].incremental: column 'id' is not returned"));
  EXPECT_TRUE(
      has(found, "aspects[0].payload.partTypeInformation.manufacturerPartId: column 'item_no'"));
}

TEST_F(MappingCheck, ReportsTypeMismatches) {
  source_.described["ASPECT"][1] = {"produced_at", ValueKind::kBoolean, "boolean"};
  EXPECT_TRUE(has(findings(), "column 'produced_at' is of type boolean"));
}

TEST_F(MappingCheck, QueryThatCannotBeDescribedIsAnError) {
  source_.described.erase("ASPECT");
  auto report = checkMapping(*mapping_, source_, *registry_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().key, "aspects[0].query");
  EXPECT_NE(report.error().message.find("relation does not exist"), std::string::npos);
}

}  // namespace
}  // namespace cxgw::adapters
