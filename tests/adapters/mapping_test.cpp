#include "cxgw/adapters/mapping.hpp"

#include <gtest/gtest.h>

#include "support/temp_directory.hpp"

namespace cxgw::adapters {
namespace {

const MappingContext kContext{{{"supplier.bpnl", "BPNL00000000SUPP"}}};

constexpr const char* kValid = R"(source:
  name: demo-erp
  connection: host=127.0.0.1 dbname=erp user=cxgw_reader
  password_env: CXGW_ERP_PASSWORD
  sslmode: prefer
  statement_timeout: 30s
  batch_size: 1000
  notify_channel: cxgw_erp_changes
  timezone: Europe/Berlin
twins:
  - class: serial
    query: SELECT serial_no, item_no, customer_bpnl, updated_at, id FROM erp.serials
    key: serial_no
    type: PartInstance
    id_short: {template: "{item_no}-{serial_no}"}
    specific_asset_ids:
      manufacturerId: {config: supplier.bpnl}
      partInstanceId: {column: serial_no}
    visible_to: {column: customer_bpnl}
    incremental: {watermark: [updated_at, id]}
    withdraw_when: {column: status, in: [CANCELLED]}
aspects:
  - name: serial_parts
    twin: serial
    urn: urn:samm:io.catenax.serial_part:4.0.0#SerialPart
    query: SELECT * FROM erp.serial_part_view
    payload:
      globalAssetId: {twin: global_asset_id}
      localIdentifiers:
        - key: manufacturerId
          value: {config: supplier.bpnl}
        - key: partInstanceId
          value: {column: serial_no}
      manufacturingInformation:
        date: {column: produced_at, transform: {date: {timezone: UTC}}}
        country: {column: country, transform: country_alpha3}
      children:
        each_row: {twin_ref: {class: serial, key: [child_serial]}}
        when_present: child_serial
      weight: {column: weight, transform: [number]}
      flag: true
      count: 3
      label: "3"
)";

class MappingFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) { return dir_.write("erp.yaml", text); }
  Error loadError(const std::string& text) {
    auto result = loadMapping(write(text), kContext);
    EXPECT_FALSE(result.ok()) << "expected the mapping to be rejected";
    return result.ok() ? Error{} : result.error();
  }
  // The valid mapping with one line replaced.
  static std::string replaced(const std::string& from, const std::string& to) {
    std::string text = kValid;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  }
  testing::TempDirectory dir_;
};

TEST_F(MappingFile, ParsesAValidMapping) {
  auto mapping = loadMapping(write(kValid), kContext);
  ASSERT_TRUE(mapping.ok()) << mapping.error().describe();
  const Mapping& m = mapping.value();
  EXPECT_EQ(m.source.name, "demo-erp");
  EXPECT_EQ(m.source.statement_timeout, std::chrono::seconds(30));
  EXPECT_EQ(m.source.batch_size, 1000U);
  EXPECT_EQ(m.source.timezone, "Europe/Berlin");
  ASSERT_EQ(m.twins.size(), 1U);
  EXPECT_EQ(m.twins[0].key_columns, std::vector<std::string>{"serial_no"});
  ASSERT_TRUE(m.twins[0].incremental);
  EXPECT_EQ(m.twins[0].incremental->columns, (std::vector<std::string>{"updated_at", "id"}));
  ASSERT_TRUE(m.twins[0].withdraw_when);
  EXPECT_EQ(m.twins[0].withdraw_when->values, std::vector<std::string>{"CANCELLED"});
  EXPECT_EQ(m.twins[0].specific_asset_ids[0].second.constant.text, "BPNL00000000SUPP");
  ASSERT_EQ(m.aspects.size(), 1U);
  EXPECT_EQ(m.aspects[0].urn.name, "SerialPart");
  EXPECT_EQ(m.aspects[0].key_columns, std::vector<std::string>{"serial_no"});
  const auto& members = m.aspects[0].payload.members;
  EXPECT_EQ(members[0].first, "globalAssetId");
  EXPECT_EQ(members[3].second.kind, PayloadTemplate::Kind::kEachRow);
  EXPECT_EQ(members[5].second.value.constant.kind, ValueKind::kBoolean);
  EXPECT_EQ(members[6].second.value.constant.kind, ValueKind::kInteger);
  EXPECT_EQ(members[7].second.value.constant.kind, ValueKind::kText) << "a quoted 3 is text";
}

TEST_F(MappingFile, TransformsTakeTheSourceTimezoneByDefault) {
  auto mapping = loadMapping(write(replaced("{date: {timezone: UTC}}", "datetime")), kContext);
  ASSERT_TRUE(mapping.ok()) << mapping.error().describe();
  const auto& date = mapping.value().aspects[0].payload.members[2].second.members[0].second;
  EXPECT_EQ(date.value.transforms.at(0).timezone, "Europe/Berlin");
}

TEST_F(MappingFile, UnknownKeyIsNamedWithFileLineAndPath) {
  const Error error = loadError(replaced("    type: PartInstance", "    typ: PartInstance"));
  EXPECT_EQ(error.key, "twins[0].typ");
  EXPECT_EQ(error.line, 14);
  EXPECT_NE(error.file.find("erp.yaml"), std::string::npos);
  EXPECT_NE(error.message.find("unknown key"), std::string::npos);
}

TEST_F(MappingFile, ChangedSinceNeedsAnIncrementalWatermark) {
  std::string text =
      replaced("query: SELECT * FROM erp.serial_part_view",
               "query: SELECT * FROM erp.serial_part_view WHERE :changed_since IS NULL");
  auto with_watermark = loadMapping(
      write(replaced("query: SELECT * FROM erp.serial_part_view",
                     "query: SELECT * FROM erp.serial_part_view WHERE :changed_since IS NULL\n"
                     "    incremental: {watermark: [changed_at, id]}")),
      kContext);
  EXPECT_TRUE(with_watermark.ok()) << with_watermark.error().describe();
  const Error error = loadError(text);
  EXPECT_EQ(error.key, "aspects[0].query");
  EXPECT_EQ(error.line, 26);
  EXPECT_NE(error.message.find(":changed_since"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("no incremental watermark"), std::string::npos) << error.message;
}

TEST_F(MappingFile, UnknownTransformIsNamed) {
  const Error error = loadError(replaced("transform: country_alpha3", "transform: country_code"));
  EXPECT_EQ(error.key, "aspects[0].payload.manufacturingInformation.country.transform");
  EXPECT_NE(error.message.find("unknown transform 'country_code'"), std::string::npos);
  EXPECT_EQ(error.line, 36);
}

TEST_F(MappingFile, UnknownTimeZoneIsNamed) {
  const Error error = loadError(replaced("timezone: UTC", "timezone: Mars/Olympus"));
  EXPECT_EQ(error.key, "aspects[0].payload.manufacturingInformation.date.transform.date.timezone");
  EXPECT_NE(error.message.find("Mars/Olympus"), std::string::npos);
}

TEST_F(MappingFile, ExpressionNeedsExactlyOneSource) {
  const Error error =
      loadError(replaced("{column: weight, transform: [number]}", "{column: weight, const: 1}"));
  EXPECT_EQ(error.key, "aspects[0].payload.weight");
  EXPECT_NE(error.message.find("exactly one"), std::string::npos);
}

TEST_F(MappingFile, UnknownConfigSettingIsNamed) {
  const Error error = loadError(replaced("manufacturerId: {config: supplier.bpnl}",
                                         "manufacturerId: {config: supplier.name}"));
  EXPECT_EQ(error.key, "twins[0].specific_asset_ids.manufacturerId.config");
  EXPECT_NE(error.message.find("supplier.bpnl"), std::string::npos) << "lists what exists";
}

TEST_F(MappingFile, AssetIdNameWithEqualsSignIsNamed) {
  const Error error = loadError(replaced("manufacturerId: {config: supplier.bpnl}",
                                         "\"manufacturer=Id\": {config: supplier.bpnl}"));
  EXPECT_EQ(error.key, "twins[0].specific_asset_ids.manufacturer=Id");
  EXPECT_NE(error.message.find("'='"), std::string::npos) << error.message;
}

TEST_F(MappingFile, BadUrnIsNamed) {
  const Error error = loadError(replaced("urn:samm:io.catenax.serial_part:4.0.0#SerialPart",
                                         "urn:samm:io.catenax.serial_part:4.0#SerialPart"));
  EXPECT_EQ(error.key, "aspects[0].urn");
  EXPECT_EQ(error.line, 25);
}

TEST_F(MappingFile, AspectOfUnknownTwinClassIsRejected) {
  const Error error = loadError(replaced("    twin: serial", "    twin: batch"));
  EXPECT_EQ(error.key, "aspects[0].twin");
  EXPECT_NE(error.message.find("'batch'"), std::string::npos);
}

TEST_F(MappingFile, TwinReferenceToUnknownClassIsRejected) {
  const Error error = loadError(
      replaced("{class: serial, key: [child_serial]}", "{class: lot, key: [child_serial]}"));
  EXPECT_EQ(error.key, "aspects[0].payload.children.each_row.twin_ref.class");
}

TEST_F(MappingFile, SourceSettingsAreChecked) {
  EXPECT_EQ(loadError(replaced("sslmode: prefer", "sslmode: maybe")).key, "source.sslmode");
  EXPECT_EQ(loadError(replaced("batch_size: 1000", "batch_size: 0")).key, "source.batch_size");
  EXPECT_EQ(loadError(replaced("statement_timeout: 30s", "statement_timeout: soon")).key,
            "source.statement_timeout");
  EXPECT_EQ(loadError(replaced("  name: demo-erp\n", "")).key, "source.name");
}

TEST_F(MappingFile, DuplicateAspectNameIsRejected) {
  std::string text = kValid;
  const size_t aspects = text.find("  - name: serial_parts");
  text += text.substr(aspects);
  const Error error = loadError(text);
  EXPECT_EQ(error.key, "aspects[1].name");
}

TEST_F(MappingFile, YamlMergeKeysAreRejectedRatherThanMisread) {
  const Error error = loadError(
      replaced("      flag: true\n", "      flag: true\n      extra:\n        <<: {a: 1}\n"));
  EXPECT_EQ(error.key, "aspects[0].payload.extra.<<");
  EXPECT_NE(error.message.find("merge keys"), std::string::npos);
}

TEST_F(MappingFile, InvalidYamlAndMissingFileAreReported) {
  EXPECT_EQ(loadError("source: [unclosed\n").code, ErrorCode::kInvalidArgument);
  auto missing = loadMapping(dir_.path() / "nope.yaml", kContext);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cxgw::adapters
