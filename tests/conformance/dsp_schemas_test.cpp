// The independent DSP schema validator (tests/support/dsp_schema_validator.hpp, running
// tests/conformance/validator/validate-dsp.mjs) against the official DSP 2025-1 artifacts in
// $CX_REFERENCE_DIR/dsp/2025-1 (see its SOURCE.md).
//
// It registers every official schema under its $id; every official example is valid for the
// schema of its type (one explicitly listed upstream inconsistency excepted); and every example
// stops being valid when a property the official schema requires is removed or its type is
// changed. That last part proves that the validator can fail, so that later tests may trust an
// OK for what the gateway emits.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/dsp_schema_validator.hpp"

namespace cxgw::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kIdPrefix = "https://w3id.org/dspace/2025/1/";

// The schema of each kind of example: by "@type" for DSP messages and catalog objects, by the
// DID "type" for DID service entries, and the version response, which has neither, by its
// "protocolVersions" member.
struct SchemaOfType {
  const char* type;
  const char* schema;  // relative to dsp/2025-1
};
constexpr SchemaOfType kSchemaOfType[] = {
    {"Catalog", "catalog/catalog-schema.json"},
    {"CatalogError", "catalog/catalog-error-schema.json"},
    {"CatalogRequestMessage", "catalog/catalog-request-message-schema.json"},
    {"Dataset", "catalog/dataset-schema.json"},
    {"DatasetRequestMessage", "catalog/dataset-request-message-schema.json"},
    {"CatalogService", "common/did-service-schema.json"},
    {"DataService", "common/did-service-schema.json"},
    {"ContractAgreementMessage", "negotiation/contract-agreement-message-schema.json"},
    {"ContractAgreementVerificationMessage",
     "negotiation/contract-agreement-verification-message-schema.json"},
    {"ContractNegotiation", "negotiation/contract-negotiation-schema.json"},
    {"ContractNegotiationError", "negotiation/contract-negotiation-error-schema.json"},
    {"ContractNegotiationEventMessage",
     "negotiation/contract-negotiation-event-message-schema.json"},
    {"ContractNegotiationTerminationMessage",
     "negotiation/contract-negotiation-termination-message-schema.json"},
    {"ContractOfferMessage", "negotiation/contract-offer-message-schema.json"},
    {"ContractRequestMessage", "negotiation/contract-request-message-schema.json"},
    {"TransferCompletionMessage", "transfer/transfer-completion-message-schema.json"},
    {"TransferError", "transfer/transfer-error-schema.json"},
    {"TransferProcess", "transfer/transfer-process-schema.json"},
    {"TransferRequestMessage", "transfer/transfer-request-message-schema.json"},
    {"TransferStartMessage", "transfer/transfer-start-message-schema.json"},
    {"TransferSuspensionMessage", "transfer/transfer-suspension-message-schema.json"},
    {"TransferTerminationMessage", "transfer/transfer-termination-message-schema.json"},
};
constexpr const char* kProtocolVersionSchema = "common/protocol-version-schema.json";

// Official examples that the official schemas reject, with the error that says why.
struct UpstreamInconsistency {
  const char* example;  // relative to dsp/2025-1
  const char* error;    // must occur in the validator's errors
  const char* why;
};
constexpr UpstreamInconsistency kInvalidOfficialExamples[] = {
    {"common/example/dataservice-did-service.json", "/serviceEndpoint must match pattern",
     "did-service-schema.json requires every serviceEndpoint to end in /catalog, also for type "
     "DataService, whose example points at /.well-known/dspace-version"},
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

std::string stringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject() || !object.HasMember(name) || !object[name].IsString()) return {};
  return object[name].GetString();
}

struct Example {
  std::string name;  // relative to dsp/2025-1
  std::string text;
  std::string schema;  // relative to dsp/2025-1; empty when no schema matches
  const UpstreamInconsistency* inconsistency = nullptr;
};

// What the official schema demands at the top level of a document: the "required" members and
// whether the type member ("@type", or "type" of DID services) is fixed by a const or an enum.
// Collected through "$ref" and "allOf" only; a member required by just one branch of a "oneOf"
// is not required as such.
struct TopLevelDemands {
  std::set<std::string> required;
  std::set<std::string> constrained_type_members;
};

class OfficialSchemas {
 public:
  explicit OfficialSchemas(const fs::path& folder) {
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      const std::string file = entry.path().filename().string();
      if (!entry.is_regular_file() || !file.ends_with("-schema.json")) continue;
      auto schema = std::make_unique<rapidjson::Document>();
      schema->Parse(readFile(entry.path()).c_str());
      const std::string id = stringMember(*schema, "$id");
      if (!id.empty()) by_id_[id] = std::move(schema);
    }
  }

  size_t size() const { return by_id_.size(); }

  TopLevelDemands demandsOf(const std::string& id) const {
    TopLevelDemands demands;
    const auto found = by_id_.find(id);
    if (found != by_id_.end()) collect(id, *found->second, demands, 0);
    return demands;
  }

 private:
  void collect(const std::string& id, const rapidjson::Value& node, TopLevelDemands& demands,
               int depth) const {
    if (!node.IsObject() || depth > 16) return;
    if (node.HasMember("$ref") && node["$ref"].IsString()) {
      const std::string ref = node["$ref"].GetString();
      const size_t hash = ref.find('#');
      const std::string target_id = hash == 0 ? id : ref.substr(0, hash);
      std::string fragment = hash == std::string::npos ? "" : ref.substr(hash + 1);
      // Three official transfer schemas write "#definitions/..." for "#/definitions/..."; the
      // validator reads them the same way (see validate-dsp.mjs).
      if (!fragment.empty() && fragment.front() != '/') fragment.insert(0, "/");
      const auto target = by_id_.find(target_id);
      if (target != by_id_.end()) {
        const rapidjson::Value* referenced =
            rapidjson::Pointer(fragment.c_str()).Get(*target->second);
        if (referenced != nullptr) collect(target_id, *referenced, demands, depth + 1);
      }
    }
    if (node.HasMember("required") && node["required"].IsArray()) {
      for (const auto& name : node["required"].GetArray()) {
        if (name.IsString()) demands.required.insert(name.GetString());
      }
    }
    if (node.HasMember("properties") && node["properties"].IsObject()) {
      for (const char* member : {"@type", "type"}) {
        const auto& properties = node["properties"];
        if (properties.HasMember(member) &&
            (properties[member].HasMember("const") || properties[member].HasMember("enum"))) {
          demands.constrained_type_members.insert(member);
        }
      }
    }
    if (node.HasMember("allOf") && node["allOf"].IsArray()) {
      for (const auto& branch : node["allOf"].GetArray()) collect(id, branch, demands, depth + 1);
    }
  }

  std::map<std::string, std::unique_ptr<rapidjson::Document>> by_id_;
};

class DspSchemaConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    auto validator = DspSchemaValidator::fromEnvironment();
    if (!validator) {
      std::cout << "SKIPPED: " << validator.error().message << std::endl;
      GTEST_SKIP() << validator.error().message;
    }
    validator_.emplace(std::move(validator).value());
    folder_ = validator_->schemaFolder();
  }

  std::vector<Example> officialExamples() const {
    std::vector<Example> examples;
    for (const auto& area : fs::directory_iterator(folder_)) {
      if (!fs::is_directory(area.path() / "example")) continue;
      for (const auto& entry : fs::directory_iterator(area.path() / "example")) {
        if (entry.path().extension() != ".json") continue;
        Example example;
        example.name = fs::relative(entry.path(), folder_).generic_string();
        example.text = readFile(entry.path());
        rapidjson::Document document;
        document.Parse(example.text.c_str());
        std::string type = stringMember(document, "@type");
        if (type.empty()) type = stringMember(document, "type");
        for (const auto& entry_of_type : kSchemaOfType) {
          if (type == entry_of_type.type) example.schema = entry_of_type.schema;
        }
        if (type.empty() && document.IsObject() && document.HasMember("protocolVersions")) {
          example.schema = kProtocolVersionSchema;
        }
        for (const auto& known : kInvalidOfficialExamples) {
          if (example.name == known.example) example.inconsistency = &known;
        }
        examples.push_back(std::move(example));
      }
    }
    std::sort(examples.begin(), examples.end(),
              [](const Example& a, const Example& b) { return a.name < b.name; });
    return examples;
  }

  std::optional<DspSchemaValidator> validator_;
  fs::path folder_;
};

TEST_F(DspSchemaConformance, RegistersEveryOfficialSchemaUnderItsId) {
  std::map<std::string, std::string> expected;  // file -> $id read from the file
  for (const auto& entry : fs::recursive_directory_iterator(folder_)) {
    const std::string file = fs::relative(entry.path(), folder_).generic_string();
    if (!entry.is_regular_file() || !file.ends_with("-schema.json")) continue;
    rapidjson::Document schema;
    schema.Parse(readFile(entry.path()).c_str());
    const std::string id = stringMember(schema, "$id");
    EXPECT_EQ(id, kIdPrefix + file) << "the $id of " << file;
    expected[file] = id;
  }
  ASSERT_GE(expected.size(), 20u);

  const auto listed = validator_->listSchemas();
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  std::map<std::string, std::string> registered;
  for (const auto& schema : listed.value()) registered[schema.file] = schema.id;
  EXPECT_EQ(registered, expected);
  for (const auto& entry : kSchemaOfType) {
    EXPECT_TRUE(registered.contains(entry.schema)) << entry.schema;
  }
}

TEST_F(DspSchemaConformance, EveryOfficialExampleIsValidForTheSchemaOfItsType) {
  const std::vector<Example> examples = officialExamples();
  ASSERT_GE(examples.size(), 25u);
  std::vector<DspSchemaCheck> checks;
  for (const auto& example : examples) {
    EXPECT_FALSE(example.schema.empty()) << example.name << ": no schema for its type";
    checks.push_back({example.name, example.schema, example.text});
  }
  const auto verdicts = validator_->validate(checks);
  ASSERT_TRUE(verdicts.ok()) << verdicts.error().describe();
  ASSERT_EQ(verdicts.value().size(), examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const DspSchemaVerdict& verdict = verdicts.value()[i];
    EXPECT_EQ(verdict.name, examples[i].name);
    if (examples[i].inconsistency == nullptr) {
      EXPECT_TRUE(verdict.valid) << examples[i].name << " (" << examples[i].schema
                                 << "): " << verdict.errors;
    } else {
      EXPECT_FALSE(verdict.valid) << examples[i].name << " was listed as rejected upstream ("
                                  << examples[i].inconsistency->why << ") but is valid now";
      EXPECT_NE(verdict.errors.find(examples[i].inconsistency->error), std::string::npos)
          << examples[i].name << ": " << verdict.errors;
    }
  }
  for (const auto& known : kInvalidOfficialExamples) {
    EXPECT_TRUE(std::any_of(examples.begin(), examples.end(),
                            [&](const Example& e) { return e.name == known.example; }))
        << known.example << " is listed as inconsistent but no longer exists";
  }
  std::cout << examples.size() << " official examples validated\n" << validator_->lastDiagnostics();
}

// Each example loses, in turn, every member its official schema requires at the top level, and
// has its type changed where the schema fixes it. Every such mutant must be rejected, and for
// the reason the mutation introduced.
TEST_F(DspSchemaConformance, ExamplesMissingARequiredMemberOrOfAnotherTypeAreInvalid) {
  const OfficialSchemas schemas(folder_);
  ASSERT_GE(schemas.size(), 20u);
  struct Mutant {
    std::string example;
    std::string expected_error;  // must occur in the validator's errors
  };
  std::vector<Mutant> mutants;
  std::vector<DspSchemaCheck> checks;
  size_t examples_mutated = 0;
  for (const auto& example : officialExamples()) {
    if (example.schema.empty() || example.inconsistency != nullptr) continue;
    rapidjson::Document original;
    original.Parse(example.text.c_str());
    ASSERT_TRUE(original.IsObject()) << example.name;
    const TopLevelDemands demands = schemas.demandsOf(kIdPrefix + example.schema);
    const size_t before = checks.size();
    for (const std::string& member : demands.required) {
      if (!original.HasMember(member.c_str())) continue;
      rapidjson::Document mutant;
      mutant.CopyFrom(original, mutant.GetAllocator());
      mutant.RemoveMember(member.c_str());
      checks.push_back({example.name + " without " + member, example.schema, toJson(mutant)});
      mutants.push_back({example.name, "required property '" + member + "'"});
    }
    for (const std::string& member : demands.constrained_type_members) {
      if (!original.HasMember(member.c_str())) continue;
      rapidjson::Document mutant;
      mutant.CopyFrom(original, mutant.GetAllocator());
      mutant[member.c_str()].SetString("CxgwNotADspType");
      checks.push_back({example.name + " with another " + member, example.schema, toJson(mutant)});
      mutants.push_back({example.name, "/" + member + " must be equal to"});
    }
    EXPECT_GT(checks.size(), before) << example.name << ": nothing to mutate";
    if (checks.size() > before) ++examples_mutated;
  }
  ASSERT_GE(examples_mutated, 24u);

  const auto verdicts = validator_->validate(checks);
  ASSERT_TRUE(verdicts.ok()) << verdicts.error().describe();
  ASSERT_EQ(verdicts.value().size(), checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    const DspSchemaVerdict& verdict = verdicts.value()[i];
    EXPECT_FALSE(verdict.valid) << checks[i].name << " is accepted: " << checks[i].document_json;
    EXPECT_NE(verdict.errors.find(mutants[i].expected_error), std::string::npos)
        << checks[i].name << ": " << verdict.errors;
  }
  std::cout << checks.size() << " mutants of " << examples_mutated << " examples rejected\n";
}

// The helper's own contract: verdicts stay with their documents in a mixed batch, and what the
// validator cannot check (an unknown schema, text that is not JSON) is reported, not passed.
TEST_F(DspSchemaConformance, ABatchReportsEachDocumentOnItsOwn) {
  const std::string agreement_verification =
      readFile(folder_ / "negotiation/example/contract-agreement-verification-message.json");
  ASSERT_FALSE(agreement_verification.empty());
  const std::vector<DspSchemaCheck> checks = {
      {"by file name", "contract-agreement-verification-message-schema.json",
       agreement_verification},
      {"by id",
       std::string(kIdPrefix) + "negotiation/contract-agreement-verification-message-schema.json",
       agreement_verification},
      {"wrong schema", "transfer-start-message-schema.json", agreement_verification},
      {"unknown schema", "no-such-schema.json", agreement_verification},
      {"not json", "contract-agreement-verification-message-schema.json", "{\"@type\": "},
      {"by area and file", "negotiation/contract-agreement-verification-message-schema.json",
       agreement_verification},
  };
  const auto verdicts = validator_->validate(checks);
  ASSERT_TRUE(verdicts.ok()) << verdicts.error().describe();
  ASSERT_EQ(verdicts.value().size(), checks.size());
  const auto& v = verdicts.value();
  EXPECT_TRUE(v[0].valid) << v[0].errors;
  EXPECT_TRUE(v[1].valid) << v[1].errors;
  EXPECT_FALSE(v[2].valid);
  EXPECT_NE(v[2].errors.find("/@type must be equal to constant"), std::string::npos) << v[2].errors;
  EXPECT_FALSE(v[3].valid);
  EXPECT_NE(v[3].errors.find("unknown schema 'no-such-schema.json'"), std::string::npos)
      << v[3].errors;
  EXPECT_FALSE(v[4].valid);
  EXPECT_NE(v[4].errors.find("not valid JSON"), std::string::npos) << v[4].errors;
  EXPECT_TRUE(v[5].valid) << v[5].errors;
  for (size_t i = 0; i < checks.size(); ++i) EXPECT_EQ(v[i].name, checks[i].name);
}

}  // namespace
}  // namespace cxgw::testing
