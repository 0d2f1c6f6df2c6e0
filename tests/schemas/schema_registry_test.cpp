#include "cxgw/schemas/schema_registry.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_directory.hpp"

namespace cxgw::schemas {
namespace {

AspectUrn urn(std::string_view text) {
  return parseAspectUrn(text).value();
}

const AspectUrn kSerialPart = urn("urn:samm:io.catenax.serial_part:4.0.0#SerialPart");

constexpr std::string_view kValidSerialPart = R"({
  "globalAssetId": "urn:uuid:6a1d6b56-0d0c-4b8e-9e3a-2f7e1c5a9b01",
  "localIdentifiers": [
    {"key": "manufacturerId", "value": "BPNL0000000001AB"},
    {"key": "partInstanceId", "value": "SN-ÄÖÜ-0001"}
  ],
  "manufacturingInformation": {
    "productionDate": "2024-02-29",
    "country": "DEU",
    "sites": [{"siteId": "BPNS0000000001XY", "function": "production"}]
  },
  "partTypeInformation": {
    "nameAtCustomer": "Door handle front left",
    "customerPartId": "OEM-4711",
    "manufacturerPartId": "DH-100-L",
    "partClassification": [{"standard": "GIN 20510-21513", "id": "1004712"}]
  }
})";

SchemaRegistry loadRegistry(const std::vector<std::filesystem::path>& directories = {}) {
  auto registry = SchemaRegistry::load(directories);
  EXPECT_TRUE(registry.ok()) << registry.error().describe();
  return std::move(registry).value();
}

const SchemaRegistry& builtIns() {
  static const SchemaRegistry registry = loadRegistry();
  return registry;
}

// kValidSerialPart after `edit`, as JSON text.
std::string serialPartWith(const std::function<void(rapidjson::Document&)>& edit) {
  rapidjson::Document document;
  document.Parse(kValidSerialPart.data(), kValidSerialPart.size());
  EXPECT_FALSE(document.HasParseError());
  edit(document);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
  return buffer.GetString();
}

std::string serialPartWithout(const char* pointer) {
  return serialPartWith([&](rapidjson::Document& document) {
    ASSERT_TRUE(rapidjson::Pointer(pointer).Erase(document)) << pointer;
  });
}

template <typename T>
std::string serialPartWithValue(const char* pointer, T value) {
  return serialPartWith(
      [&](rapidjson::Document& document) { rapidjson::Pointer(pointer).Set(document, value); });
}

ValidationIssue expectIssue(const AspectUrn& aspect, std::string_view payload) {
  const auto issue = builtIns().validate(aspect, payload);
  EXPECT_TRUE(issue.has_value()) << "accepted: " << payload;
  return issue.value_or(ValidationIssue{"<accepted>", "<accepted>"});
}

TEST(SchemaRegistry, BuiltInsHoldTheElevenAspectModelsSorted) {
  std::vector<std::string> urns;
  for (const auto& known : builtIns().urns()) urns.push_back(known.toString());
  EXPECT_EQ(urns, (std::vector<std::string>{
                      "urn:samm:io.catenax.batch:3.0.1#Batch",
                      "urn:samm:io.catenax.batch:4.0.0#Batch",
                      "urn:samm:io.catenax.just_in_sequence_part:4.0.0#JustInSequencePart",
                      "urn:samm:io.catenax.manufactured_parts_quality_information:3.0.0#"
                      "ManufacturedPartsQualityInformation",
                      "urn:samm:io.catenax.part_type_information:2.0.0#PartTypeInformation",
                      "urn:samm:io.catenax.serial_part:3.0.1#SerialPart",
                      "urn:samm:io.catenax.serial_part:4.0.0#SerialPart",
                      "urn:samm:io.catenax.single_level_bom_as_built:3.0.0#SingleLevelBomAsBuilt",
                      "urn:samm:io.catenax.single_level_bom_as_built:4.0.0#SingleLevelBomAsBuilt",
                      "urn:samm:io.catenax.single_level_usage_as_built:4.0.0#"
                      "SingleLevelUsageAsBuilt",
                      "urn:samm:io.catenax.special_characteristics.measurement:2.0.0#"
                      "SpecialCharacteristicsMeasurement",
                  }));
  for (const auto& known : builtIns().urns()) {
    EXPECT_TRUE(builtIns().contains(known));
    EXPECT_EQ(builtIns().source(known), "built-in");
  }
}

TEST(SchemaRegistry, UnknownUrnHasNoSourceAndNoRequiredPaths) {
  const auto unknown = urn("urn:samm:io.catenax.pcf:7.0.0#Pcf");
  EXPECT_FALSE(builtIns().contains(unknown));
  EXPECT_EQ(builtIns().source(unknown), "");
  EXPECT_TRUE(builtIns().requiredPaths(unknown).empty());
}

TEST(SchemaRegistry, ValidSerialPartIsAccepted) {
  const auto issue = builtIns().validate(kSerialPart, kValidSerialPart);
  EXPECT_FALSE(issue.has_value()) << issue->field << ": " << issue->reason;
}

TEST(SchemaRegistry, MissingRequiredPropertyDeepInTheTreeNamesIt) {
  EXPECT_EQ(expectIssue(kSerialPart, serialPartWithout("/localIdentifiers/1/key")),
            (ValidationIssue{"/localIdentifiers/1/key", "required property 'key' is missing"}));
  EXPECT_EQ(expectIssue(kSerialPart, serialPartWithout("/manufacturingInformation/productionDate")),
            (ValidationIssue{"/manufacturingInformation/productionDate",
                             "required property 'productionDate' is missing"}));
  EXPECT_EQ(expectIssue(kSerialPart, serialPartWithout("/globalAssetId")),
            (ValidationIssue{"/globalAssetId", "required property 'globalAssetId' is missing"}));
}

TEST(SchemaRegistry, WrongTypeNamesFieldAndTypes) {
  EXPECT_EQ(expectIssue(kSerialPart, serialPartWithValue("/localIdentifiers/0/value", 42)),
            (ValidationIssue{"/localIdentifiers/0/value", "is a number, expected string"}));
  EXPECT_EQ(expectIssue(kSerialPart, serialPartWithValue("/manufacturingInformation", "DEU")),
            (ValidationIssue{"/manufacturingInformation", "is a string, expected object"}));
}

TEST(SchemaRegistry, EnumViolationListsTheAllowedValues) {
  const auto issue =
      expectIssue(kSerialPart, serialPartWithValue("/localIdentifiers/0/key", "serialNumber"));
  EXPECT_EQ(issue.field, "/localIdentifiers/0/key");
  EXPECT_EQ(issue.reason.rfind("\"serialNumber\" is not one of the allowed values: "
                               "\"manufacturerId\", \"batchId\",",
                               0),
            0u)
      << issue.reason;
}

TEST(SchemaRegistry, PatternViolationOnBpnQuotesThePattern) {
  EXPECT_EQ(expectIssue(kSerialPart, serialPartWithValue("/manufacturingInformation/sites/0/siteId",
                                                         "BPNL0000000001XY")),
            (ValidationIssue{"/manufacturingInformation/sites/0/siteId",
                             "does not match pattern ^BPNS[a-zA-Z0-9]{12}$"}));
  const auto bom = urn("urn:samm:io.catenax.single_level_bom_as_built:4.0.0#SingleLevelBomAsBuilt");
  const auto issue = expectIssue(bom, R"({
    "globalAssetId": "6a1d6b56-0d0c-4b8e-9e3a-2f7e1c5a9b01",
    "childItems": [{
      "quantity": {"value": 2, "unit": "unit:piece"}, "hasAlternatives": false,
      "createdOn": "2024-05-01T10:00:00Z",
      "globalAssetId": "urn:uuid:6a1d6b56-0d0c-4b8e-9e3a-2f7e1c5a9b02",
      "businessPartner": "BPNL-MALFORMED"}]})");
  EXPECT_EQ(issue, (ValidationIssue{"/childItems/0/businessPartner",
                                    "does not match pattern ^BPNL[a-zA-Z0-9]{12}$"}));
}

TEST(SchemaRegistry, PatternsWithGroupsAndEscapesAreEnforced) {
  EXPECT_EQ(
      expectIssue(kSerialPart, serialPartWithValue("/globalAssetId", "urn:uuid:not-a-uuid")).field,
      "/globalAssetId");
  EXPECT_FALSE(
      builtIns()
          .validate(kSerialPart,
                    serialPartWithValue("/globalAssetId", "6A1D6B56-0D0C-4B8E-9E3A-2F7E1C5A9B01"))
          .has_value());
  const auto serial_part_3 = urn("urn:samm:io.catenax.serial_part:3.0.1#SerialPart");
  const std::string payload_3 = R"({"catenaXId": "6a1d6b56-0d0c-4b8e-9e3a-2f7e1c5a9b01",
    "localIdentifiers": [{"key": "KEY", "value": "x"}],
    "manufacturingInformation": {"date": "2024-05-01T10:00:00+02:00"},
    "partTypeInformation": {"manufacturerPartId": "A", "nameAtManufacturer": "B"}})";
  EXPECT_EQ(expectIssue(serial_part_3, payload_3).field, "/localIdentifiers/0/key");
  std::string custom_key = payload_3;
  custom_key.replace(custom_key.find("KEY"), 3, "customKey:line_7");
  EXPECT_FALSE(builtIns().validate(serial_part_3, custom_key).has_value());
}

TEST(SchemaRegistry, ProductionDateMustBeARealCalendarDate) {
  const char* date = "/manufacturingInformation/productionDate";
  for (const char* invalid : {"2023-02-29", "2024-04-31", "2024-13-01", "2024-5-1",
                              "2024-05-01T00:00:00Z", "1900-02-29"}) {
    EXPECT_EQ(expectIssue(kSerialPart, serialPartWithValue(date, invalid)).field, date) << invalid;
  }
  for (const char* valid : {"2024-02-29", "2000-02-29", "2023-12-31", "2023-11-30"}) {
    EXPECT_FALSE(builtIns().validate(kSerialPart, serialPartWithValue(date, valid)).has_value())
        << valid;
  }
}

// The official generated schemas set no additionalProperties, so neither do ours.
TEST(SchemaRegistry, ExtraPropertyIsAcceptedLikeTheOfficialModelDoes) {
  EXPECT_FALSE(builtIns()
                   .validate(kSerialPart, serialPartWithValue("/partTypeInformation/colour", "red"))
                   .has_value());
}

TEST(SchemaRegistry, DuplicateArrayItemIsRejected) {
  const std::string duplicated = serialPartWith([](rapidjson::Document& document) {
    rapidjson::Value copy(document["localIdentifiers"][0], document.GetAllocator());
    document["localIdentifiers"].PushBack(copy, document.GetAllocator());
  });
  EXPECT_EQ(
      expectIssue(kSerialPart, duplicated),
      (ValidationIssue{"/localIdentifiers/2", "repeats an earlier item; items must be unique"}));
}

TEST(SchemaRegistry, MinimumIsEnforced) {
  const auto quality =
      urn("urn:samm:io.catenax.manufactured_parts_quality_information:3.0.0#"
          "ManufacturedPartsQualityInformation");
  const auto issue = expectIssue(quality, R"({"manufacturedParts": [{
      "partName": "ECU", "qualityTaskId": "6a1d6b56-0d0c-4b8e-9e3a-2f7e1c5a9b01",
      "plant": {"plantIdentifier": "P1"}, "numberOfConductedEndOfLineTests": 0}]})");
  EXPECT_EQ(issue, (ValidationIssue{"/manufacturedParts/0/numberOfConductedEndOfLineTests",
                                    "is less than the minimum 1"}));
}

// std::regex recurses per character; a huge string must be refused, not crash the process.
TEST(SchemaRegistry, OverlongStringUnderAPatternIsRejectedWithoutMatching) {
  const std::string huge(200000, 'A');
  const auto issue = expectIssue(
      kSerialPart, serialPartWithValue("/manufacturingInformation/sites/0/siteId", huge.c_str()));
  EXPECT_EQ(issue.field, "/manufacturingInformation/sites/0/siteId");
  EXPECT_EQ(issue.reason, "is longer than 4096 characters, the most cxgw checks against a pattern");
  EXPECT_FALSE(builtIns()
                   .validate(kSerialPart, serialPartWithValue("/partTypeInformation/nameAtCustomer",
                                                              huge.c_str()))
                   .has_value());
}

// RapidJSON's validator does per-value work proportional to the depth: deep input is refused.
TEST(SchemaRegistry, DeeplyNestedPayloadIsRefusedQuickly) {
  const auto nested = [](size_t depth) {
    return R"({"deep": )" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  EXPECT_EQ(expectIssue(kSerialPart, nested(kMaxPayloadNesting - 1)),
            (ValidationIssue{"/globalAssetId", "required property 'globalAssetId' is missing"}));
  EXPECT_EQ(expectIssue(kSerialPart, nested(1000000)),
            (ValidationIssue{"", "nested deeper than 64 levels"}));
}

TEST(SchemaRegistry, UnknownUrnIsAnIssue) {
  EXPECT_EQ(builtIns().validate(urn("urn:samm:io.catenax.pcf:7.0.0#Pcf"), "{}"),
            (ValidationIssue{"", "no schema for aspect model urn:samm:io.catenax.pcf:7.0.0#Pcf"}));
}

TEST(SchemaRegistry, PayloadThatIsNotJsonIsAnIssueWithTheOffset) {
  EXPECT_EQ(builtIns().validate(kSerialPart, R"({"globalAssetId": )"),
            (ValidationIssue{"", "not valid JSON: Invalid value. (offset 18)"}));
  EXPECT_EQ(builtIns().validate(kSerialPart, "{\"globalAssetId\": \"urn:\xFF\"}"),
            (ValidationIssue{"", "not valid JSON: invalid UTF-8 (offset 23)"}));
  for (std::string_view malformed :
       {std::string_view(""), std::string_view("{} {}"), std::string_view("{\"a\": \"\xC3\x28\"}"),
        std::string_view("{}\0{}", 5)}) {
    const auto issue = builtIns().validate(kSerialPart, malformed);
    ASSERT_TRUE(issue.has_value()) << malformed;
    EXPECT_EQ(issue->field, "");
    EXPECT_EQ(issue->reason.rfind("not valid JSON: ", 0), 0u) << issue->reason;
  }
}

TEST(SchemaRegistry, RequiredPathsOfSerialPartFollowRequiredParentsOnly) {
  EXPECT_EQ(builtIns().requiredPaths(kSerialPart),
            (std::vector<std::string>{
                "/globalAssetId",
                "/localIdentifiers",
                "/localIdentifiers/*/key",
                "/localIdentifiers/*/value",
                "/manufacturingInformation",
                "/manufacturingInformation/productionDate",
                "/partTypeInformation",
                "/partTypeInformation/customerPartId",
                "/partTypeInformation/nameAtCustomer",
                "/partTypeInformation/partClassification",
                "/partTypeInformation/partClassification/*/id",
                "/partTypeInformation/partClassification/*/"
                "standard",
            }));
}

TEST(SchemaRegistry, ConcurrentValidationGivesTheSameAnswers) {
  const std::string invalid = serialPartWithValue("/localIdentifiers/0/key", "bogus");
  std::vector<std::thread> threads;
  std::vector<int> wrong_answers(4, 0);
  for (size_t t = 0; t < wrong_answers.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (builtIns().validate(kSerialPart, kValidSerialPart).has_value()) ++wrong_answers[t];
        const auto issue = builtIns().validate(kSerialPart, invalid);
        if (!issue || issue->field != "/localIdentifiers/0/key") ++wrong_answers[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong_answers, std::vector<int>(4, 0));
}

constexpr std::string_view kOnlyNameRequired = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "type": "object",
  "required": ["name"],
  "properties": {"name": {"type": "string"}}
})";

// The layout of the official repository: types under components/schemas, an entity extended
// through allOf.
constexpr std::string_view kOfficialLayoutSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema",
  "type": "object",
  "components": {"schemas": {
    "Bpnl": {"type": "string", "pattern": "^BPNL[a-zA-Z0-9]{12}$"},
    "Base": {"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]},
    "Item": {"type": "object", "allOf": [{"$ref": "#/components/schemas/Base"}],
             "properties": {"owner": {"$ref": "#/components/schemas/Bpnl"}},
             "required": ["owner"]}
  }},
  "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}},
  "required": ["items"]
})";

TEST(SchemaRegistry, ExtraDirectoryInOwnLayoutOverridesTheBuiltIn) {
  testing::TempDirectory directory;
  const auto file = directory.write("io.catenax.serial_part/4.0.0/SerialPart.schema.json",
                                    std::string(kOnlyNameRequired));
  const auto registry = loadRegistry({directory.path()});
  EXPECT_EQ(registry.source(kSerialPart), file.string());
  EXPECT_EQ(registry.urns().size(), builtIns().urns().size());
  EXPECT_FALSE(registry.validate(kSerialPart, R"({"name": "x"})").has_value());
  EXPECT_EQ(registry.validate(kSerialPart, kValidSerialPart),
            (ValidationIssue{"/name", "required property 'name' is missing"}));
  EXPECT_EQ(registry.source(urn("urn:samm:io.catenax.batch:4.0.0#Batch")), "built-in");
}

TEST(SchemaRegistry, ExtraDirectoryInOfficialLayoutAddsModels) {
  testing::TempDirectory directory;
  const auto file = directory.write("io.example.fleet/10.0.0/gen/Fleet-schema.json",
                                    std::string(kOfficialLayoutSchema));
  directory.write("io.example.fleet/9.0.0/gen/Fleet-schema.json", std::string(kOnlyNameRequired));
  directory.write("io.example.fleet/10.0.0/gen/Fleet.json", "{}");
  directory.write("io.example.fleet/RELEASE_NOTES.md", "# notes");
  directory.write(".git/objects/gen/Broken-schema.json", "{");
  directory.write("io.example.Fleet/1.0.0/gen/Broken-schema.json", "{");
  directory.write("documentation/images/Broken.schema.json", "{");
  const auto registry = loadRegistry({directory.path()});

  const auto fleet_10 = urn("urn:samm:io.example.fleet:10.0.0#Fleet");
  const auto fleet_9 = urn("urn:samm:io.example.fleet:9.0.0#Fleet");
  EXPECT_EQ(registry.source(fleet_10), file.string());
  const auto urns = registry.urns();
  const auto position = [&](const AspectUrn& wanted) {
    return std::find(urns.begin(), urns.end(), wanted) - urns.begin();
  };
  EXPECT_LT(position(fleet_9), position(fleet_10));

  EXPECT_FALSE(
      registry.validate(fleet_10, R"({"items": [{"label": "a", "owner": "BPNL0000000001AB"}]})"));
  EXPECT_EQ(registry.validate(fleet_10, R"({"items": [{"label": "a", "owner": "BPNX"}]})"),
            (ValidationIssue{"/items/0/owner", "does not match pattern ^BPNL[a-zA-Z0-9]{12}$"}));
  EXPECT_EQ(registry.validate(fleet_10, R"({"items": [{"owner": "BPNL0000000001AB"}]})"),
            (ValidationIssue{"/items/0/label", "required property 'label' is missing"}));
  EXPECT_EQ(registry.requiredPaths(fleet_10),
            (std::vector<std::string>{"/items", "/items/*/label", "/items/*/owner"}));
}

TEST(SchemaRegistry, LaterDirectoryOverridesEarlierOne) {
  testing::TempDirectory first;
  testing::TempDirectory second;
  first.write("io.catenax.serial_part/4.0.0/gen/SerialPart-schema.json",
              std::string(kOnlyNameRequired));
  const auto winner =
      second.write("io.catenax.serial_part/4.0.0/SerialPart.schema.json", R"({"type": "array"})");
  const auto registry = loadRegistry({first.path(), second.path()});
  EXPECT_EQ(registry.source(kSerialPart), winner.string());
  EXPECT_EQ(registry.validate(kSerialPart, "{}"),
            (ValidationIssue{"", "is an object, expected array"}));
}

void expectLoadError(const std::vector<std::filesystem::path>& directories,
                     const std::filesystem::path& file, std::string_view message_part,
                     int line = 0) {
  const auto registry = SchemaRegistry::load(directories);
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.error().file, file.string()) << registry.error().describe();
  EXPECT_NE(registry.error().message.find(message_part), std::string::npos)
      << registry.error().describe();
  if (line != 0) {
    EXPECT_EQ(registry.error().line, line) << registry.error().describe();
  }
}

TEST(SchemaRegistry, SchemaFileThatIsNotJsonIsAnErrorNamingFileAndLine) {
  testing::TempDirectory directory;
  const auto file = directory.write("io.catenax.batch/4.0.0/Batch.schema.json",
                                    "{\n  \"type\": \"object\",\n  \"required\": [\"a\",]\n}\n");
  expectLoadError({directory.path()}, file, "not valid JSON", 3);
}

TEST(SchemaRegistry, UnusableSchemaIsAnErrorNamingFileAndKeyword) {
  const struct {
    const char* schema;
    const char* key;
    const char* message_part;
  } cases[] = {
      {R"({"properties": {"a": {"$ref": "#/definitions/missing"}}})", "/properties/a/$ref",
       "does not point into this file"},
      {R"({"properties": {"a": {"$ref": "other.json#/a"}}})", "/properties/a/$ref",
       "does not point into this file"},
      {R"({"properties": {"a": {"type": "string", "pattern": "([a-z"}}})", "/properties/a/pattern",
       "is not an ECMAScript regular expression"},
      {R"({"$schema": "https://json-schema.org/draft/2020-12/schema"})", "/$schema",
       "draft-04 only"},
      {R"({"properties": {"a": {"type": "text"}}})", "/properties/a/type", "not a draft-04 type"},
      {R"([{"type": "object"}])", "", "must be a JSON object"},
  };
  for (const auto& broken : cases) {
    SCOPED_TRACE(broken.schema);
    testing::TempDirectory directory;
    const auto file = directory.write("io.catenax.batch/4.0.0/Batch.schema.json", broken.schema);
    const auto registry = SchemaRegistry::load({directory.path()});
    ASSERT_FALSE(registry.ok());
    EXPECT_EQ(registry.error().file, file.string());
    EXPECT_EQ(registry.error().key, broken.key);
    EXPECT_NE(registry.error().message.find(broken.message_part), std::string::npos)
        << registry.error().describe();
  }
}

TEST(SchemaRegistry, PropertiesNamedLikeKeywordsAreNotMistakenForThem) {
  testing::TempDirectory directory;
  directory.write("io.example.words/1.0.0/Words.schema.json", R"({
    "type": "object", "required": ["pattern", "type"],
    "properties": {"pattern": {"type": "string"}, "type": {"type": "number"},
                   "$ref": {"type": "string"}}})");
  const auto registry = loadRegistry({directory.path()});
  const auto words = urn("urn:samm:io.example.words:1.0.0#Words");
  EXPECT_FALSE(registry.validate(words, R"({"pattern": "(", "type": 1})"));
  EXPECT_EQ(registry.requiredPaths(words), (std::vector<std::string>{"/pattern", "/type"}));
}

TEST(SchemaRegistry, SameUrnInBothLayoutsOfOneDirectoryIsAnError) {
  testing::TempDirectory directory;
  directory.write("io.catenax.batch/4.0.0/Batch.schema.json", std::string(kOnlyNameRequired));
  const auto official = directory.write("io.catenax.batch/4.0.0/gen/Batch-schema.json",
                                        std::string(kOnlyNameRequired));
  expectLoadError({directory.path()}, official, "defined twice");
}

TEST(SchemaRegistry, FileWhosePathIsNoUrnIsAnError) {
  testing::TempDirectory directory;
  const auto file =
      directory.write("io.catenax.batch/4.0.0/batch.schema.json", std::string(kOnlyNameRequired));
  expectLoadError({directory.path()}, file, "does not spell an aspect URN");
}

TEST(SchemaRegistry, MissingDirectoryIsNotFound) {
  testing::TempDirectory directory;
  const auto missing = directory.path() / "no-such-directory";
  const auto registry = SchemaRegistry::load({missing});
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(registry.error().file, missing.string());
}

}  // namespace
}  // namespace cxgw::schemas
