// cxgw's JsonLdExpander (bundled contexts) against jsonld.js, an independent JSON-LD 1.1
// processor (tests/conformance/validator/expand-jsonld.mjs), on every official DSP 2025-1 and
// v0.8 example message in $CX_REFERENCE_DIR. jsonld.js gets the official context files from the
// reference folder, never from the network.
//
// Both expansions must be the same JSON value. Examples that cxgw refuses on purpose (its
// fail-closed rules, docs/jsonld.md) are listed with the reason; the test checks that cxgw
// refuses them for that reason and what jsonld.js does with them instead.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cxgw/core/json_text.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"
#include "support/child_process.hpp"
#include "support/dsp_schema_validator.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::schemas {
namespace {

namespace fs = std::filesystem;
using cxgw::testing::ChildProcess;
using cxgw::testing::SpawnOptions;
using cxgw::testing::TempDirectory;

// The official context files served to jsonld.js, by URL (docs/jsonld.md has the same URLs for
// the bundled copies). Relative to $CX_REFERENCE_DIR.
struct OfficialContext {
  const char* url;
  const char* file;
};
constexpr OfficialContext kOfficialContexts[] = {
    {"https://w3id.org/dspace/2025/1/context.jsonld", "dsp/2025-1/context/dspace.jsonld"},
    {"https://w3id.org/dspace/2025/1/odrl-profile.jsonld", "dsp/2025-1/context/odrl.jsonld"},
    {"https://w3id.org/dspace/2024/1/context.json", "dsp/2024-1/common/schema/context.json"},
    {"https://w3id.org/dspace/v0.8/context.json", "dsp/v0.8/common/schema/context.json"},
    {"http://www.w3.org/ns/odrl.jsonld", "jsonld-contexts/w3c-odrl.jsonld"},
    {"https://www.w3.org/ns/odrl.jsonld", "jsonld-contexts/w3c-odrl.jsonld"},
    {"https://w3id.org/catenax/2025/9/policy/context.jsonld",
     "jsonld-contexts/catenax-2025-9-policy-context.jsonld"},
    {"https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
     "jsonld-contexts/catenax-2025-9-policy-odrl.jsonld"},
    {"https://w3id.org/tractusx/policy/v1.0.0", "jsonld-contexts/tractusx-policy-v1.0.0.jsonld"},
    {"https://w3id.org/tractusx/auth/v1.0.0", "jsonld-contexts/tractusx-auth-v1.0.0.jsonld"},
};

// Examples cxgw refuses on purpose, why, and what jsonld.js does instead.
struct Refusal {
  enum class JsonLdJs {
    kRefusesToo,      // jsonld.js fails too; its error contains `detail`
    kDropsSilently,   // jsonld.js expands it exactly as if the member at `detail` (a JSON
                      // pointer) were absent
    kKeepsAKeyAsIri,  // jsonld.js keeps the key `detail` as if it were an absolute IRI
  };
  const char* example;  // relative to $CX_REFERENCE_DIR/dsp
  const char* reason;   // must occur in cxgw's error
  JsonLdJs jsonld_js;
  const char* detail;
  // What jsonld.js says in its safe mode (which fails where it would lose data, as cxgw does),
  // or nullptr where its safe mode objects to something else first.
  const char* safe_mode_error;
};
constexpr Refusal kRefusals[] = {
    // The DID core context is not bundled: nothing is fetched, so the document cannot be read.
    {"2025-1/common/example/catalogservice-did-service.json",
     "unknown remote context 'https://www.w3.org/ns/did/v1'", Refusal::JsonLdJs::kRefusesToo,
     "https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/did/v1"},
    {"2025-1/common/example/dataservice-did-service.json",
     "unknown remote context 'https://www.w3.org/ns/did/v1'", Refusal::JsonLdJs::kRefusesToo,
     "https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/did/v1"},
    // "target" is no term of the v0.8 context, which has no @vocab: a conforming processor drops
    // the offer's target without a word.
    {"v0.8/negotiation/message/contract-offer-message_initial.json",
     "dspace:offer.target: property 'target' does not expand to an absolute IRI",
     Refusal::JsonLdJs::kDropsSilently, "/dspace:offer/target",
     "Dropping property that did not expand into an absolute IRI"},
    // The typo "oderl:" is an undefined prefix; a conforming processor takes "oderl:rightOperand"
    // for an IRI of the scheme "oderl", so the constraint loses its right operand. (jsonld.js's
    // safe mode stops earlier, at the relative "@id": "some-other-id".)
    {"v0.8/negotiation/message/example/contract.agreement.message.http.transfer.json",
     "uses the undefined prefix 'oderl'", Refusal::JsonLdJs::kKeepsAKeyAsIri, "oderl:rightOperand",
     nullptr},
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

// JSON text with object members sorted by key (byte order) and arrays in their order (or, with
// `sort_arrays`, sorted by their items' text, except @list arrays). Numbers are written by value,
// so that 1, 1.0 and 1e0 read the same: cxgw writes numbers as they were read, jsonld.js as
// JavaScript prints them.
void appendCanonical(const rapidjson::Value& value, std::string& out, bool sort_arrays = false,
                     bool is_list = false) {
  if (value.IsObject()) {
    std::vector<std::pair<std::string, const rapidjson::Value*>> members;
    for (const auto& m : value.GetObject()) {
      members.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()), &m.value);
    }
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      json::appendString(out, members[i].first);
      out += ':';
      appendCanonical(*members[i].second, out, sort_arrays, members[i].first == "@list");
    }
    out += '}';
  } else if (value.IsArray()) {
    std::vector<std::string> items;
    for (const auto& item : value.GetArray()) {
      items.emplace_back();
      appendCanonical(item, items.back(), sort_arrays);
    }
    if (sort_arrays && !is_list) std::sort(items.begin(), items.end());
    out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ',';
      out += items[i];
    }
    out += ']';
  } else if (value.IsNumber() && !value.IsInt64() && !value.IsUint64()) {
    const double number = value.GetDouble();
    if (std::trunc(number) == number && std::fabs(number) < 9007199254740992.0) {
      out += std::to_string(static_cast<long long>(number));
    } else {
      out += toJson(value);
    }
  } else {
    out += toJson(value);
  }
}

std::string canonical(const rapidjson::Value& value) {
  std::string out;
  appendCanonical(value, out);
  return out;
}

std::string canonical(const std::string& json_text, bool sort_arrays = false) {
  rapidjson::Document document;
  document.Parse(json_text.c_str(), json_text.size());
  if (document.HasParseError()) return "invalid JSON: " + json_text;
  std::string out;
  appendCanonical(document, out, sort_arrays);
  return out;
}

struct JsonLdJsOutcome {
  bool expanded = false;
  std::string result;  // canonical expansion, or jsonld.js's error
};

class JsonLdCrossCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("CX_REFERENCE_DIR");
    std::string skip;
    if (dir == nullptr || *dir == '\0') {
      skip = "CX_REFERENCE_DIR is not set";
    } else if (!fs::is_directory(fs::path(dir) / "dsp") ||
               !fs::is_directory(fs::path(dir) / "jsonld-contexts")) {
      skip = std::string(dir) + " lacks dsp/ or jsonld-contexts/";
    } else if (!(node_ = cxgw::testing::findNodeExecutable())) {
      skip = "node (Node.js) is not in PATH";
    } else if (!fs::exists(script()) ||
               !fs::is_directory(cxgw::testing::conformanceValidatorFolder() / "node_modules" /
                                 "jsonld")) {
      skip = "jsonld.js is not installed (deploy/scripts/test.sh runs npm ci in " +
             cxgw::testing::conformanceValidatorFolder().string() + ")";
    }
    if (!skip.empty()) {
      std::cout << "SKIPPED: " << skip << std::endl;
      GTEST_SKIP() << skip;
    }
    reference_ = dir;
  }

  static fs::path script() {
    return cxgw::testing::conformanceValidatorFolder() / "expand-jsonld.mjs";
  }

  // Every DSP 2025-1 and v0.8 example message: files with a top-level @context, except the
  // context documents themselves and the JSON schemas. Names are relative to dsp/.
  std::map<std::string, std::string> exampleMessages() const {
    std::map<std::string, std::string> examples;
    const fs::path dsp = reference_ / "dsp";
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dsp / "2025-1")) {
      if (!fs::is_directory(entry.path() / "example")) continue;
      for (const auto& example : fs::directory_iterator(entry.path() / "example")) {
        files.push_back(example.path());
      }
    }
    for (const auto& entry : fs::recursive_directory_iterator(dsp / "v0.8")) {
      files.push_back(entry.path());
    }
    for (const auto& path : files) {
      const std::string name = fs::relative(path, dsp).generic_string();
      if (path.extension() != ".json" || !fs::is_regular_file(path) ||
          path.filename() == "context.json" || name.find("/schema/") != std::string::npos) {
        continue;
      }
      std::string text = readFile(path);
      rapidjson::Document document;
      document.Parse(text.c_str());
      if (document.IsObject() && document.HasMember("@context")) examples[name] = std::move(text);
    }
    return examples;
  }

  // One run of expand-jsonld.mjs for all `documents` (name -> JSON text), in safe mode or not.
  std::map<std::string, JsonLdJsOutcome> expandWithJsonLdJs(
      const std::vector<std::pair<std::string, std::string>>& documents, bool safe = false) const {
    TempDirectory folder("cxgw-jsonld-crosscheck");
    std::string contexts = "{";
    for (const auto& context : kOfficialContexts) {
      if (contexts.size() > 1) contexts += ",\n";
      contexts +=
          json::quote(context.url) + ": " + json::quote((reference_ / context.file).string());
    }
    contexts += "}";
    std::string batch = "[";
    for (const auto& [name, text] : documents) {
      if (batch.size() > 1) batch += ",\n";
      batch += R"({"name": )" + json::quote(name) + R"(, "document": )" + text + "}";
    }
    batch += "]";
    SpawnOptions options;
    options.argv = {node_->string(), script().string()};
    if (safe) options.argv.push_back("--safe");
    options.argv.push_back(folder.write("contexts.json", contexts).string());
    options.argv.push_back(folder.write("batch.json", batch).string());
    auto child = ChildProcess::spawn(options);
    EXPECT_TRUE(child.ok()) << child.error().describe();
    if (!child.ok()) return {};
    const std::string output = child.value()->readAll(std::chrono::minutes(5));
    const auto status = child.value()->waitFor(std::chrono::seconds(30));
    EXPECT_TRUE(status == 0 || status == 1) << "expand-jsonld.mjs failed:\n" << output;

    std::map<std::string, JsonLdJsOutcome> outcomes;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      rapidjson::Document item;
      item.Parse(line.c_str());
      if (!item.IsObject() || !item.HasMember("name")) continue;  // e.g. a Node.js warning
      JsonLdJsOutcome& outcome = outcomes[item["name"].GetString()];
      outcome.expanded = item.HasMember("expanded");
      outcome.result =
          outcome.expanded ? canonical(item["expanded"]) : std::string(item["error"].GetString());
    }
    EXPECT_EQ(outcomes.size(), documents.size()) << output;
    return outcomes;
  }

  fs::path reference_;
  std::optional<fs::path> node_;
  JsonLdExpander ours_;
};

TEST_F(JsonLdCrossCheck, DspExampleMessagesExpandAsWithJsonLdJs) {
  const auto examples = exampleMessages();
  ASSERT_GE(examples.size(), 50u);
  for (const auto& refusal : kRefusals) {
    ASSERT_TRUE(examples.contains(refusal.example)) << refusal.example << " no longer exists";
  }

  std::vector<std::pair<std::string, std::string>> batch(examples.begin(), examples.end());
  // For an example jsonld.js should silently lose a member of: the same example without it.
  std::map<std::string, std::string> without_member;
  for (const auto& refusal : kRefusals) {
    if (refusal.jsonld_js != Refusal::JsonLdJs::kDropsSilently) continue;
    rapidjson::Document document;
    document.Parse(examples.at(refusal.example).c_str());
    ASSERT_TRUE(rapidjson::Pointer(refusal.detail).Erase(document))
        << refusal.example << " has no " << refusal.detail;
    const std::string name = std::string(refusal.example) + " without " + refusal.detail;
    without_member[refusal.example] = name;
    batch.emplace_back(name, toJson(document));
  }
  const auto theirs = expandWithJsonLdJs(batch);
  ASSERT_EQ(theirs.size(), batch.size());
  std::vector<std::pair<std::string, std::string>> refused;
  for (const auto& refusal : kRefusals) {
    refused.emplace_back(refusal.example, examples.at(refusal.example));
  }
  const auto theirs_in_safe_mode = expandWithJsonLdJs(refused, true);
  ASSERT_EQ(theirs_in_safe_mode.size(), refused.size());

  size_t compared = 0;
  for (const auto& [name, text] : examples) {
    SCOPED_TRACE(name);
    const auto ours = ours_.expand(text);
    const JsonLdJsOutcome& jsonld_js = theirs.at(name);
    const auto* refusal = std::find_if(std::begin(kRefusals), std::end(kRefusals),
                                       [&](const Refusal& r) { return name == r.example; });
    if (refusal != std::end(kRefusals)) {
      ASSERT_FALSE(ours.ok()) << "cxgw no longer refuses it (" << refusal->reason << "):\n"
                              << ours.value();
      EXPECT_NE(ours.error().describe().find(refusal->reason), std::string::npos)
          << ours.error().describe();
      switch (refusal->jsonld_js) {
        case Refusal::JsonLdJs::kRefusesToo:
          EXPECT_FALSE(jsonld_js.expanded) << jsonld_js.result;
          EXPECT_NE(jsonld_js.result.find(refusal->detail), std::string::npos) << jsonld_js.result;
          break;
        case Refusal::JsonLdJs::kDropsSilently: {
          ASSERT_TRUE(jsonld_js.expanded) << jsonld_js.result;
          const JsonLdJsOutcome& reduced = theirs.at(without_member.at(name));
          ASSERT_TRUE(reduced.expanded) << reduced.result;
          EXPECT_EQ(jsonld_js.result, reduced.result)
              << "jsonld.js no longer drops " << refusal->detail << " silently";
          break;
        }
        case Refusal::JsonLdJs::kKeepsAKeyAsIri:
          ASSERT_TRUE(jsonld_js.expanded) << jsonld_js.result;
          EXPECT_NE(jsonld_js.result.find(json::quote(refusal->detail) + ":"), std::string::npos)
              << jsonld_js.result;
          break;
      }
      const JsonLdJsOutcome& safe_mode = theirs_in_safe_mode.at(name);
      EXPECT_FALSE(safe_mode.expanded) << "jsonld.js accepts it in safe mode: " << safe_mode.result;
      if (refusal->safe_mode_error != nullptr) {
        EXPECT_NE(safe_mode.result.find(refusal->safe_mode_error), std::string::npos)
            << safe_mode.result;
      }
      continue;
    }
    ASSERT_TRUE(ours.ok()) << ours.error().describe();
    ASSERT_TRUE(jsonld_js.expanded) << "jsonld.js: " << jsonld_js.result;
    // Expansion keeps document order in every array (@type values, multi-valued properties,
    // @list), and both processors follow it, so arrays are compared in order: none of these
    // examples needed sorting. Should they ever differ only in the order of a set-valued array,
    // the message says so; whether that is acceptable is then a decision to make, not to hide.
    const std::string ours_canonical = canonical(ours.value());
    EXPECT_EQ(ours_canonical, jsonld_js.result)
        << "cxgw (first) and jsonld.js differ"
        << (canonical(ours.value(), true) == canonical(jsonld_js.result, true)
                ? ", only in the order of array items"
                : "");
    ++compared;
  }
  EXPECT_EQ(compared + std::size(kRefusals), examples.size());
  std::cout << compared << " example messages expand identically with cxgw and jsonld.js, "
            << std::size(kRefusals) << " refused on purpose\n";
}

// The comparison itself can fail: a document whose expansion differs in one IRI, one value or
// the order of a list is told apart from the original by jsonld.js's own output.
TEST_F(JsonLdCrossCheck, TheComparisonSeesADifferenceInOneTermValueOrOrder) {
  const std::string context = R"("@context": "https://w3id.org/dspace/2025/1/context.jsonld")";
  const std::vector<std::pair<std::string, std::string>> documents = {
      {"original", "{" + context +
                       R"(, "@type": "TransferStartMessage", "providerPid": "urn:p",
                           "consumerPid": "urn:c"})"},
      {"another type", "{" + context +
                           R"(, "@type": "TransferCompletionMessage", "providerPid": "urn:p",
                               "consumerPid": "urn:c"})"},
      {"another value", "{" + context +
                            R"(, "@type": "TransferStartMessage", "providerPid": "urn:p",
                                "consumerPid": "urn:other"})"},
      {"members reordered", "{" + context +
                                R"(, "consumerPid": "urn:c", "providerPid": "urn:p",
                                    "@type": "TransferStartMessage"})"},
  };
  const auto theirs = expandWithJsonLdJs(documents);
  ASSERT_EQ(theirs.size(), documents.size());
  for (const auto& [name, text] : documents) {
    const auto ours = ours_.expand(text);
    ASSERT_TRUE(ours.ok()) << name << ": " << ours.error().describe();
    ASSERT_TRUE(theirs.at(name).expanded) << name << ": " << theirs.at(name).result;
    EXPECT_EQ(canonical(ours.value()), theirs.at(name).result) << name;
  }
  EXPECT_NE(theirs.at("original").result, theirs.at("another type").result);
  EXPECT_NE(theirs.at("original").result, theirs.at("another value").result);
  EXPECT_EQ(theirs.at("original").result, theirs.at("members reordered").result);
  EXPECT_NE(canonical(R"([{"a":[{"@value":1}]},{"b":[2]}])"),
            canonical(R"([{"b":[2]},{"a":[{"@value":1}]}])"));
  EXPECT_EQ(canonical(R"([{"a":[{"@value":1}]},{"b":[2]}])", true),
            canonical(R"([{"b":[2]},{"a":[{"@value":1}]}])", true));
  EXPECT_NE(canonical(R"([{"@list":[1,2]}])", true), canonical(R"([{"@list":[2,1]}])", true));
  EXPECT_EQ(canonical(R"([{"a":1.0,"b":[true,null]}])"), canonical(R"([{"b":[true,null],"a":1}])"));
}

}  // namespace
}  // namespace cxgw::schemas
