// The project's own aspect schemas against the official Catena-X artifacts under
// $CX_REFERENCE_DIR/catenax-semantic-models (a copy of eclipse-tractusx/sldt-semantic-models).
//
// Per aspect: the official example is valid under our schema and under the official one, loaded
// through the registry's extra-directory path; both require the same paths; removing any
// required property is rejected by both; and no mutation of a leaf value is accepted by ours
// but rejected by the official schema (ours may be stricter, never looser).

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cxgw/schemas/schema_registry.hpp"

namespace cxgw::schemas {
namespace {

namespace fs = std::filesystem;

struct Aspect {
  const char* model_namespace;
  const char* version;
  const char* name;

  AspectUrn urn() const { return AspectUrn{model_namespace, version, name}; }
  fs::path folder(const fs::path& models) const {
    return models / model_namespace / version / "gen";
  }
};

void PrintTo(const Aspect& aspect, std::ostream* out) {
  *out << aspect.urn().toString();
}

constexpr Aspect kAspects[] = {
    {"io.catenax.serial_part", "4.0.0", "SerialPart"},
    {"io.catenax.batch", "4.0.0", "Batch"},
    {"io.catenax.just_in_sequence_part", "4.0.0", "JustInSequencePart"},
    {"io.catenax.part_type_information", "2.0.0", "PartTypeInformation"},
    {"io.catenax.single_level_bom_as_built", "4.0.0", "SingleLevelBomAsBuilt"},
    {"io.catenax.single_level_usage_as_built", "4.0.0", "SingleLevelUsageAsBuilt"},
    {"io.catenax.special_characteristics.measurement", "2.0.0",
     "SpecialCharacteristicsMeasurement"},
    {"io.catenax.manufactured_parts_quality_information", "3.0.0",
     "ManufacturedPartsQualityInformation"},
    {"io.catenax.serial_part", "3.0.1", "SerialPart"},
    {"io.catenax.batch", "3.0.1", "Batch"},
    {"io.catenax.single_level_bom_as_built", "3.0.0", "SingleLevelBomAsBuilt"},
};

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string toJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

std::string escapeToken(const std::string& token) {
  std::string escaped;
  for (char c : token) escaped += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return escaped;
}

std::string describe(const std::optional<ValidationIssue>& issue) {
  return issue ? "'" + issue->field + "': " + issue->reason : "valid";
}

// Loaded once for all tests: our built-ins, and a registry where the whole official models
// folder, loaded as an extra directory, overrides them.
struct Registries {
  std::string skip_reason;
  fs::path models;
  std::optional<SchemaRegistry> ours;
  std::optional<SchemaRegistry> official;
};

const Registries& registries() {
  static const Registries loaded = [] {
    Registries result;
    const char* reference = std::getenv("CX_REFERENCE_DIR");
    if (reference == nullptr || *reference == '\0') {
      result.skip_reason = "CX_REFERENCE_DIR is not set";
      return result;
    }
    result.models = fs::path(reference) / "catenax-semantic-models";
    if (!fs::is_directory(result.models)) {
      result.skip_reason = result.models.string() + " is not a directory";
      return result;
    }
    auto ours = SchemaRegistry::load({});
    auto official = SchemaRegistry::load({result.models});
    EXPECT_TRUE(ours.ok()) << ours.error().describe();
    EXPECT_TRUE(official.ok()) << official.error().describe();
    if (ours.ok()) result.ours.emplace(std::move(ours).value());
    if (official.ok()) result.official.emplace(std::move(official).value());
    return result;
  }();
  return loaded;
}

class AspectSchemaConformance : public ::testing::TestWithParam<Aspect> {
 protected:
  void SetUp() override {
    const Registries& loaded = registries();
    if (!loaded.skip_reason.empty()) {
      std::cout << "SKIPPED: " << loaded.skip_reason << std::endl;
      GTEST_SKIP() << loaded.skip_reason;
    }
    ASSERT_TRUE(loaded.ours && loaded.official);
    ours_ = &*loaded.ours;
    official_ = &*loaded.official;
    folder_ = GetParam().folder(loaded.models);
    example_text_ = readFile(folder_ / (std::string(GetParam().name) + ".json"));
    ASSERT_FALSE(example_text_.empty()) << "no example in " << folder_;
    example_.Parse(example_text_.c_str());
    ASSERT_FALSE(example_.HasParseError()) << folder_;
  }

  // The example after `edit`, as JSON text.
  std::string exampleWith(const std::function<void(rapidjson::Document&)>& edit) const {
    rapidjson::Document copy;
    copy.CopyFrom(example_, copy.GetAllocator());
    edit(copy);
    return toJson(copy);
  }

  const SchemaRegistry* ours_ = nullptr;
  const SchemaRegistry* official_ = nullptr;
  fs::path folder_;
  std::string example_text_;
  rapidjson::Document example_;
};

TEST_P(AspectSchemaConformance, OfficialExampleIsValidUnderOurSchema) {
  ASSERT_EQ(ours_->source(GetParam().urn()), "built-in");
  const auto issue = ours_->validate(GetParam().urn(), example_text_);
  EXPECT_FALSE(issue) << describe(issue);
}

TEST_P(AspectSchemaConformance, OfficialExampleIsValidUnderOfficialSchemaLoadedFromItsFolder) {
  EXPECT_EQ(official_->source(GetParam().urn()),
            (folder_ / (std::string(GetParam().name) + "-schema.json")).string());
  const auto issue = official_->validate(GetParam().urn(), example_text_);
  EXPECT_FALSE(issue) << describe(issue);
}

TEST_P(AspectSchemaConformance, BothRequireTheSamePaths) {
  EXPECT_EQ(ours_->requiredPaths(GetParam().urn()), official_->requiredPaths(GetParam().urn()));
}

TEST_P(AspectSchemaConformance, RemovingATopLevelRequiredPropertyIsRejectedByBoth) {
  rapidjson::Document official_schema;
  official_schema.Parse(
      readFile(folder_ / (std::string(GetParam().name) + "-schema.json")).c_str());
  ASSERT_TRUE(official_schema.IsObject() && official_schema.HasMember("required"));
  ASSERT_GT(official_schema["required"].Size(), 0u);
  for (const auto& name : official_schema["required"].GetArray()) {
    const std::string property = name.GetString();
    SCOPED_TRACE("without " + property);
    const std::string payload = exampleWith(
        [&](rapidjson::Document& document) { document.RemoveMember(property.c_str()); });
    const auto our_issue = ours_->validate(GetParam().urn(), payload);
    const auto official_issue = official_->validate(GetParam().urn(), payload);
    ASSERT_TRUE(our_issue.has_value());
    EXPECT_EQ(our_issue->field, "/" + property);
    EXPECT_EQ(our_issue->reason, "required property '" + property + "' is missing");
    EXPECT_TRUE(official_issue.has_value());
  }
}

// Every required path the example reaches ("*" taken as the first item) is removed in turn.
TEST_P(AspectSchemaConformance, RemovingAnyRequiredPropertyIsRejectedByBoth) {
  for (const std::string& path : official_->requiredPaths(GetParam().urn())) {
    std::string concrete;
    for (size_t start = 0; start < path.size();) {
      const size_t end = std::min(path.find('/', start + 1), path.size());
      const std::string token = path.substr(start, end - start);
      concrete += token == "/*" ? "/0" : token;
      start = end;
    }
    rapidjson::Document copy;
    copy.CopyFrom(example_, copy.GetAllocator());
    if (!rapidjson::Pointer(concrete.c_str()).Erase(copy)) continue;
    SCOPED_TRACE("without " + concrete);
    const std::string payload = toJson(copy);
    EXPECT_TRUE(ours_->validate(GetParam().urn(), payload).has_value());
    EXPECT_TRUE(official_->validate(GetParam().urn(), payload).has_value());
  }
}

// Leaves replaced by values that break patterns, enums and types; and an unknown property
// added to every object. Whatever ours accepts, the official schema must accept too.
TEST_P(AspectSchemaConformance, OursAcceptsNoMutationTheOfficialSchemaRejects) {
  std::vector<std::string> pointers;
  std::vector<std::string> objects;
  const std::function<void(const rapidjson::Value&, const std::string&)> collect =
      [&](const rapidjson::Value& value, const std::string& pointer) {
        if (value.IsObject()) {
          objects.push_back(pointer);
          for (const auto& entry : value.GetObject()) {
            collect(entry.value, pointer + "/" + escapeToken(entry.name.GetString()));
          }
        } else if (value.IsArray()) {
          for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
            collect(value[i], pointer + "/" + std::to_string(i));
          }
        } else {
          pointers.push_back(pointer);
        }
      };
  collect(example_, "");

  std::vector<std::string> mutants;
  for (const auto& pointer : pointers) {
    for (const char* replacement :
         {R"("not a valid value: \u00e4")", R"("")", "0", "-1.5", "true", "null", "{}"}) {
      mutants.push_back(exampleWith([&](rapidjson::Document& document) {
        rapidjson::Document value(&document.GetAllocator());
        value.Parse(replacement);
        rapidjson::Pointer(pointer.c_str()).Set(document, value);
      }));
    }
  }
  for (const auto& pointer : objects) {
    mutants.push_back(exampleWith([&](rapidjson::Document& document) {
      rapidjson::Pointer((pointer + "/cxgwUnknownProperty").c_str()).Set(document, "x");
    }));
  }

  int rejected_by_ours = 0;
  for (const auto& payload : mutants) {
    const auto our_issue = ours_->validate(GetParam().urn(), payload);
    const auto official_issue = official_->validate(GetParam().urn(), payload);
    if (our_issue) ++rejected_by_ours;
    EXPECT_TRUE(our_issue || !official_issue) << "ours accepts what the official schema rejects ("
                                              << describe(official_issue) << "): " << payload;
  }
  EXPECT_GT(rejected_by_ours, 0);
}

std::string aspectTestName(const ::testing::TestParamInfo<Aspect>& info) {
  std::string name = std::string(info.param.name) + "_" + info.param.version;
  for (char& c : name) {
    if (c == '.') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(CatenaX, AspectSchemaConformance, ::testing::ValuesIn(kAspects),
                         aspectTestName);

}  // namespace
}  // namespace cxgw::schemas
