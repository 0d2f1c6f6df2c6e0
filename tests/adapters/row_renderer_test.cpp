#include "cxgw/adapters/row_renderer.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "cxgw/adapters/twin_identity.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::adapters {
namespace {

SourceValue text(std::string v) {
  return {ValueKind::kText, std::move(v)};
}
SourceValue number(std::string v) {
  return {ValueKind::kNumber, std::move(v)};
}
const SourceValue kNull{};

// Parses a mapping whose single aspect has `payload` (YAML, indented by 6) as its payload.
Mapping mappingWithPayload(const std::string& payload) {
  static testing::TempDirectory dir;
  const auto file = dir.write("m.yaml", R"(source: {name: erp, connection: "dbname=x"}
twins:
  - {class: serial, query: "SELECT 1", key: serial_no, id_short: {column: serial_no}}
aspects:
  - name: a
    twin: serial
    urn: urn:samm:io.catenax.x:1.0.0#X
    query: SELECT 1
    payload:
)" + payload);
  auto mapping = loadMapping(file, MappingContext{{{"supplier.bpnl", "BPNL00000000SUPP"}}});
  EXPECT_TRUE(mapping.ok()) << mapping.error().describe();
  return mapping.ok() ? mapping.value() : Mapping{};
}

class PayloadRendering : public ::testing::Test {
 protected:
  ColumnIndex columns_{{"serial_no", "produced_at", "child_serial", "qty", "unit", "note"}};
  RenderContext context_{"urn:uuid:00000000-0000-5000-8000-000000000001",
                         supplierTwinNamespace("BPNL00000000SUPP")};

  std::variant<std::string, RenderIssue> render(const Mapping& mapping,
                                                const std::vector<SourceRow>& rows) {
    std::vector<const SourceRow*> group;
    for (const auto& row : rows) group.push_back(&row);
    return renderPayload(mapping.aspects.at(0).payload, columns_, group, context_);
  }
};

TEST_F(PayloadRendering, BuildsTypedJsonAndLeavesNullsOut) {
  const Mapping mapping = mappingWithPayload(R"(      globalAssetId: {twin: global_asset_id}
      localIdentifiers:
        - {key: manufacturerId, value: {config: supplier.bpnl}}
        - {key: partInstanceId, value: {column: serial_no}}
      info:
        date: {column: produced_at, transform: date}
        note: {column: note}
      quantity: {column: qty}
      flag: false
)");
  const auto json = render(mapping, {{text("SN-\xC3\x84-1"),
                                      {ValueKind::kTimestampTz, "2026-11-23 07:00:00+00"},
                                      kNull,
                                      number("2.5"),
                                      text("mm"),
                                      kNull}});
  ASSERT_TRUE(std::holds_alternative<std::string>(json)) << std::get<RenderIssue>(json).reason;
  EXPECT_EQ(std::get<std::string>(json),
            "{\"globalAssetId\":\"urn:uuid:00000000-0000-5000-8000-000000000001\","
            "\"localIdentifiers\":[{\"key\":\"manufacturerId\",\"value\":\"BPNL00000000SUPP\"},"
            "{\"key\":\"partInstanceId\",\"value\":\"SN-\xC3\x84-1\"}],"
            "\"info\":{\"date\":\"2026-11-23\"},\"quantity\":2.5,\"flag\":false}");
}

TEST_F(PayloadRendering, EachRowBuildsOneElementPerChildRowWithoutDuplicates) {
  const Mapping mapping = mappingWithPayload(R"(      childItems:
        each_row:
          globalAssetId: {twin_ref: {class: serial, key: [child_serial]}}
          quantity: {value: {column: qty}, unit: {column: unit, transform: unit}}
        when_present: child_serial
)");
  const std::vector<SourceRow> rows = {
      {text("P1"), kNull, text("C1"), number("1"), text("pcs"), kNull},
      {text("P1"), kNull, text("C2"), number("2"), text("pcs"), kNull},
      {text("P1"), kNull, text("C1"), number("1"), text("pcs"), kNull},  // join duplicate
      {text("P1"), kNull, kNull, kNull, kNull, kNull},                   // no child
  };
  const auto json = render(mapping, rows);
  ASSERT_TRUE(std::holds_alternative<std::string>(json)) << std::get<RenderIssue>(json).reason;
  rapidjson::Document document;
  document.Parse(std::get<std::string>(json).c_str());
  ASSERT_FALSE(document.HasParseError());
  const auto& children = document["childItems"];
  ASSERT_EQ(children.Size(), 2U);
  std::set<std::string> ids{children[0]["globalAssetId"].GetString(),
                            children[1]["globalAssetId"].GetString()};
  EXPECT_EQ(ids,
            (std::set<std::string>{twinGlobalAssetId(context_.twin_namespace, "serial", {"C1"}),
                                   twinGlobalAssetId(context_.twin_namespace, "serial", {"C2"})}));
  EXPECT_STREQ(children[1]["quantity"]["unit"].GetString(), "unit:piece");
  EXPECT_EQ(children[1]["quantity"]["value"].GetInt(), 2);
}

TEST_F(PayloadRendering, EachRowInsideAListSplicesItsElementsIntoThatList) {
  const Mapping mapping = mappingWithPayload(R"(      childItems:
        - {kind: fixed}
        - each_row: {kind: serial, id: {column: child_serial}}
          when_present: child_serial
        - each_row: {kind: note, text: {column: note}}
          when_present: note
)");
  const auto json = render(mapping, {{text("P1"), kNull, text("C1"), kNull, kNull, kNull},
                                     {text("P1"), kNull, kNull, kNull, kNull, text("lot L7")},
                                     {text("P1"), kNull, text("C2"), kNull, kNull, kNull}});
  ASSERT_TRUE(std::holds_alternative<std::string>(json)) << std::get<RenderIssue>(json).reason;
  EXPECT_EQ(std::get<std::string>(json),
            "{\"childItems\":[{\"kind\":\"fixed\"},{\"kind\":\"serial\",\"id\":\"C1\"},"
            "{\"kind\":\"serial\",\"id\":\"C2\"},{\"kind\":\"note\",\"text\":\"lot L7\"}]}");
}

TEST_F(PayloadRendering, RowOrderDoesNotChangeThePayload) {
  const Mapping mapping = mappingWithPayload(R"(      results:
        each_row: {id: {column: child_serial}, value: {column: qty}}
)");
  const std::vector<SourceRow> rows = {{text("P1"), kNull, text("B"), number("2"), kNull, kNull},
                                       {text("P1"), kNull, text("A"), number("1"), kNull, kNull},
                                       {text("P1"), kNull, text("C"), number("3"), kNull, kNull}};
  const std::vector<SourceRow> reversed(rows.rbegin(), rows.rend());
  const auto forward = render(mapping, rows);
  const auto backward = render(mapping, reversed);
  ASSERT_TRUE(std::holds_alternative<std::string>(forward));
  ASSERT_TRUE(std::holds_alternative<std::string>(backward));
  EXPECT_EQ(std::get<std::string>(forward), std::get<std::string>(backward));
}

TEST_F(PayloadRendering, FailedTransformNamesTheField) {
  const Mapping mapping = mappingWithPayload(R"(      childItems:
        each_row:
          quantity: {unit: {column: unit, transform: unit}}
        when_present: child_serial
)");
  const auto result =
      render(mapping, {{text("P1"), kNull, text("C1"), number("1"), text("pcs"), kNull},
                       {text("P1"), kNull, text("C2"), number("1"), text("furlong"), kNull}});
  ASSERT_TRUE(std::holds_alternative<RenderIssue>(result));
  EXPECT_EQ(std::get<RenderIssue>(result).field, "/childItems/1/quantity/unit");
  EXPECT_NE(std::get<RenderIssue>(result).reason.find("furlong"), std::string::npos);
}

TEST(TwinIdentity, IsStableAndScopedBySupplierAndClass) {
  const std::string ours = supplierTwinNamespace("BPNL00000000SUPP");
  const std::string id = twinGlobalAssetId(ours, "serial", {"SN-1"});
  EXPECT_EQ(id.rfind("urn:uuid:", 0), 0U);
  EXPECT_EQ(id, twinGlobalAssetId(supplierTwinNamespace("BPNL00000000SUPP"), "serial", {"SN-1"}));
  EXPECT_NE(id, twinGlobalAssetId(supplierTwinNamespace("BPNL0000000OTHER"), "serial", {"SN-1"}));
  EXPECT_NE(id, twinGlobalAssetId(ours, "batch", {"SN-1"}));
  EXPECT_NE(twinGlobalAssetId(ours, "serial", {"A", "BC"}),
            twinGlobalAssetId(ours, "serial", {"AB", "C"}));
}

TEST(KeyValues, NullKeyIsAnIssue) {
  const ColumnIndex columns({"serial_no"});
  const auto key = keyValues({"serial_no"}, columns, SourceRow{SourceValue{}});
  ASSERT_TRUE(std::holds_alternative<RenderIssue>(key));
  EXPECT_NE(std::get<RenderIssue>(key).reason.find("serial_no"), std::string::npos);
}

}  // namespace
}  // namespace cxgw::adapters
