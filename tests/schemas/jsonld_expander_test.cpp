#include "cxgw/schemas/jsonld_expander.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace cxgw::schemas {
namespace {

constexpr const char* kOdrl = "http://www.w3.org/ns/odrl/2/";

std::string expandOrDie(const JsonLdExpander& expander, std::string_view document) {
  auto result = expander.expand(document);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().describe());
  return result.ok() ? result.value() : "";
}

std::string expandOrDie(std::string_view document) {
  return expandOrDie(JsonLdExpander(), document);
}

Error expandError(const JsonLdExpander& expander, std::string_view document) {
  auto result = expander.expand(document);
  EXPECT_FALSE(result.ok()) << "expanded to " << (result.ok() ? result.value() : "");
  return result.ok() ? Error{} : result.error();
}

Error expandError(std::string_view document) {
  return expandError(JsonLdExpander(), document);
}

std::string odrl(const std::string& name) {
  return std::string(kOdrl) + name;
}

TEST(JsonLdExpander, ExpandsPlainTermsAgainstVocab) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"},
                             "@id": "asset-1", "name": "Serial part", "count": 3})"),
            R"([{"@id":"asset-1",)"
            R"("https://w3id.org/edc/v0.0.1/ns/count":[{"@value":3}],)"
            R"("https://w3id.org/edc/v0.0.1/ns/name":[{"@value":"Serial part"}]}])");
}

TEST(JsonLdExpander, ExpandsPrefixedTermsThroughThePrefixMap) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"odrl": "http://www.w3.org/ns/odrl/2/"},
                             "@type": "odrl:Set",
                             "odrl:permission": {"odrl:action": {"@id": "odrl:use"}}})"),
            R"([{"@type":[")" + odrl("Set") + R"("],")" + odrl("permission") + R"(":[{")" +
                odrl("action") + R"(":[{"@id":")" + odrl("use") + R"("}]}]}])");
}

TEST(JsonLdExpander, OutputMembersAreSortedByExpandedKey) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"z": "http://a.example/1", "a": "http://b.example/2"},
                             "z": "first", "a": "second"})"),
            R"([{"http://a.example/1":[{"@value":"first"}],)"
            R"("http://b.example/2":[{"@value":"second"}]}])");
}

TEST(JsonLdExpander, ExpandsAJupiterCatenaXPolicy) {
  const std::string expanded = expandOrDie(R"({
    "@context": ["http://www.w3.org/ns/odrl.jsonld", "https://w3id.org/tractusx/policy/v1.0.0"],
    "@type": "Offer",
    "uid": "offer-1",
    "permission": [{
      "action": "use",
      "constraint": {
        "leftOperand": "cx-policy:FrameworkAgreement",
        "operator": "eq",
        "rightOperand": "traceability:1.0"
      }
    }]
  })");
  EXPECT_EQ(expanded, R"([{"@id":"offer-1","@type":[")" + odrl("Offer") + R"("],")" +
                          odrl("permission") + R"(":[{")" + odrl("action") + R"(":[{"@id":")" +
                          odrl("use") + R"("}],")" + odrl("constraint") + R"(":[{")" +
                          odrl("leftOperand") +
                          R"(":[{"@id":"https://w3id.org/catenax/policy/FrameworkAgreement"}],")" +
                          odrl("operator") + R"(":[{"@id":")" + odrl("eq") + R"("}],")" +
                          odrl("rightOperand") + R"(":[{"@value":"traceability:1.0"}]}]}]}])");
}

TEST(JsonLdExpander, ExpandsASaturnCatenaXPolicy) {
  const std::string expanded = expandOrDie(R"({
    "@context": ["https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
                 "https://w3id.org/catenax/2025/9/policy/context.jsonld"],
    "@type": "Set",
    "permission": [{
      "action": "use",
      "constraint": [{"leftOperand": "FrameworkAgreement", "operator": "eq",
                      "rightOperand": "DataExchangeGovernance:1.0"}]
    }]
  })");
  EXPECT_NE(expanded.find(R"("@id":"https://w3id.org/catenax/2025/9/policy/FrameworkAgreement")"),
            std::string::npos)
      << expanded;
  EXPECT_NE(expanded.find(R"({"@value":"DataExchangeGovernance:1.0"})"), std::string::npos);
  EXPECT_EQ(expanded.rfind(R"([{"@type":[")" + odrl("Set") + R"("],)", 0), 0u) << expanded;
}

TEST(JsonLdExpander, UnknownRemoteContextNamesTheUrl) {
  const Error error = expandError(R"({"permission": [{"@context": [
      "http://www.w3.org/ns/odrl.jsonld", "https://example.com/ctx.jsonld"]}],
      "@context": {"permission": "http://example.com/p"}})");
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("'https://example.com/ctx.jsonld'"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("never fetches"), std::string::npos);
  EXPECT_NE(error.message.find("https://w3id.org/dspace/2025/1/context.jsonld"), std::string::npos);
  EXPECT_EQ(error.key, "permission[0].@context");
}

TEST(JsonLdExpander, UndefinedTermIsAnErrorNamingItsPath) {
  const Error error = expandError(R"({
    "@context": "http://www.w3.org/ns/odrl.jsonld",
    "@type": "Set",
    "permission": [{"action": "use", "constraint": [
      {"leftOperand": "purpose", "operator": "eq", "rightOperand": "x"},
      {"leftOperand": "purpose", "operator": "eq", "rightOperand": "y", "foo": "bar"}]}]
  })");
  EXPECT_EQ(error.key, "permission[0].constraint[1].foo");
  EXPECT_NE(error.message.find("would drop"), std::string::npos) << error.message;
}

TEST(JsonLdExpander, UndefinedProhibitionTermIsNotDropped) {
  const Error error = expandError(R"({"@context": {"odrl": "http://www.w3.org/ns/odrl/2/"},
    "odrl:permission": [], "prohibition": [{"odrl:action": {"@id": "odrl:use"}}]})");
  EXPECT_EQ(error.key, "prohibition");
}

TEST(JsonLdExpander, CompactIriWithUndefinedPrefixIsAnError) {
  const Error error = expandError(R"({"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"},
                      "policy": {"odrl:prohibition": [{"odrl:action": "use"}]}})");
  EXPECT_EQ(error.key, "policy.odrl:prohibition");
  EXPECT_NE(error.message.find("undefined prefix 'odrl'"), std::string::npos) << error.message;
}

TEST(JsonLdExpander, IrisWithSchemesWithoutAuthorityAreKept) {
  EXPECT_EQ(expandOrDie(R"({"urn:example:p": "v", "@type": "did:web:example.com"})"),
            R"([{"@type":["did:web:example.com"],"urn:example:p":[{"@value":"v"}]}])");
}

TEST(JsonLdExpander, RelativeTypeIsAnErrorNamingItsPath) {
  const Error error = expandError(R"({"@context": {"p": "http://example.com/p"},
                                      "p": {"@type": ["http://example.com/T", "Relative"]}})");
  EXPECT_EQ(error.key, "p.@type[1]");
  EXPECT_NE(error.message.find("'Relative'"), std::string::npos);
}

TEST(JsonLdExpander, NullValuedPropertiesAreLeftOut) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/"}, "a": null, "b": 1})"),
            R"([{"http://example.com/b":[{"@value":1}]}])");
}

TEST(JsonLdExpander, TermMappedToNullIsAnError) {
  const Error error = expandError(
      R"({"@context": {"@vocab": "http://example.com/", "hidden": null}, "hidden": "x"})");
  EXPECT_EQ(error.key, "hidden");
}

TEST(JsonLdExpander, KeywordAliasesOfTheOdrlContextExpand) {
  EXPECT_EQ(expandOrDie(R"({"@context": "https://www.w3.org/ns/odrl.jsonld",
                             "uid": "http://example.com/policy:1", "type": "Agreement"})"),
            R"([{"@id":"http://example.com/policy:1","@type":[")" + odrl("Agreement") + R"("]}])");
}

TEST(JsonLdExpander, TypeCoercionToIdVocabAndDatatypes) {
  EXPECT_EQ(expandOrDie(R"({"@context": {
      "ex": "http://example.com/", "xsd": "http://www.w3.org/2001/XMLSchema#",
      "Red": "ex:Red",
      "link": {"@id": "ex:link", "@type": "@id"},
      "colour": {"@id": "ex:colour", "@type": "@vocab"},
      "when": {"@id": "ex:when", "@type": "xsd:dateTime"}},
    "link": "ex:target", "colour": "Red", "when": "2025-01-01T00:00:00Z"})"),
            R"([{"http://example.com/colour":[{"@id":"http://example.com/Red"}],)"
            R"("http://example.com/link":[{"@id":"http://example.com/target"}],)"
            R"("http://example.com/when":[{"@type":"http://www.w3.org/2001/XMLSchema#dateTime",)"
            R"("@value":"2025-01-01T00:00:00Z"}]}])");
}

TEST(JsonLdExpander, ValueObjectsAndNativeValues) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/", "@language": "DE"},
      "flag": true, "ratio": 0.5, "label": "Teil",
      "typed": {"@value": "5", "@type": "http://www.w3.org/2001/XMLSchema#integer"},
      "english": {"@value": "part", "@language": "en-GB"}})"),
            R"([{"http://example.com/english":[{"@language":"en-gb","@value":"part"}],)"
            R"("http://example.com/flag":[{"@value":true}],)"
            R"("http://example.com/label":[{"@language":"de","@value":"Teil"}],)"
            R"("http://example.com/ratio":[{"@value":0.5}],)"
            R"("http://example.com/typed":[{"@type":"http://www.w3.org/2001/XMLSchema#integer",)"
            R"("@value":"5"}]}])");
}

TEST(JsonLdExpander, ListSetLanguageAndIndexContainers) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/",
      "steps": {"@container": "@list"}, "tags": {"@container": "@set"},
      "title": {"@container": "@language"}, "byKey": {"@container": "@index"}},
    "steps": ["b", "a"], "tags": "one", "title": {"en": "Part", "de": ["Teil"]},
    "byKey": {"k1": {"name": "x"}}})"),
            R"([{"http://example.com/byKey":[{"@index":"k1",)"
            R"("http://example.com/name":[{"@value":"x"}]}],)"
            R"("http://example.com/steps":[{"@list":[{"@value":"b"},{"@value":"a"}]}],)"
            R"("http://example.com/tags":[{"@value":"one"}],)"
            R"("http://example.com/title":[{"@language":"de","@value":"Teil"},)"
            R"({"@language":"en","@value":"Part"}]}])");
}

TEST(JsonLdExpander, ExplicitListAndSetObjects) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/"},
      "l": {"@list": [1, 2]}, "s": {"@set": [3]}})"),
            R"([{"http://example.com/l":[{"@list":[{"@value":1},{"@value":2}]}],)"
            R"("http://example.com/s":[{"@value":3}]}])");
}

TEST(JsonLdExpander, GraphIncludedAndNest) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/", "meta": "@nest"},
      "@graph": [{"@id": "_:b0", "name": "n", "meta": {"size": 2},
                  "@included": [{"@id": "http://example.com/other", "name": "o"}]}]})"),
            R"([{"@id":"_:b0","@included":[{"@id":"http://example.com/other",)"
            R"("http://example.com/name":[{"@value":"o"}]}],)"
            R"("http://example.com/name":[{"@value":"n"}],)"
            R"("http://example.com/size":[{"@value":2}]}])");
}

TEST(JsonLdExpander, BaseResolvesRelativeIdsButNotProperties) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@base": "http://example.com/assets/",
                                         "@vocab": "http://example.com/vocab#"},
                             "@id": "../parts/1", "ref": {"@id": "2?x=1"}})"),
            R"([{"@id":"http://example.com/parts/1",)"
            R"("http://example.com/vocab#ref":[{"@id":"http://example.com/assets/2?x=1"}]}])");
}

TEST(JsonLdExpander, RelativeIdWithoutBaseIsKept) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/"}, "@id": "asset-1",
                             "p": 1})"),
            R"([{"@id":"asset-1","http://example.com/p":[{"@value":1}]}])");
}

TEST(JsonLdExpander, VocabRelativeToThePreviousVocab) {
  EXPECT_EQ(expandOrDie(R"({"@context": [{"@vocab": "http://example.com/"}, {"@vocab": "ns/"}],
                             "p": 1})"),
            R"([{"http://example.com/ns/p":[{"@value":1}]}])");
}

TEST(JsonLdExpander, PrefixFlagControlsCompactIris) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"ex": {"@id": "http://example.com/", "@prefix": true}},
                             "ex:p": 1})"),
            R"([{"http://example.com/p":[{"@value":1}]}])");
  const Error error = expandError(R"({"@context": {"ex": {"@id": "http://example.com/"}},
                                      "ex:p": 1})");
  EXPECT_EQ(error.key, "ex:p");
}

TEST(JsonLdExpander, PropertyScopedContextAppliesBelowTheProperty) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/",
      "inner": {"@id": "http://example.com/inner", "@context": {"@vocab": "http://other.example/"}}},
    "inner": {"p": 1}, "p": 2})"),
            R"([{"http://example.com/inner":[{"http://other.example/p":[{"@value":1}]}],)"
            R"("http://example.com/p":[{"@value":2}]}])");
}

TEST(JsonLdExpander, TypeScopedContextDoesNotPropagateToNestedNodes) {
  EXPECT_EQ(expandOrDie(R"({"@context": {"@vocab": "http://example.com/",
      "Special": {"@id": "http://example.com/Special", "@context": {"p": "http://special.example/p"}}},
    "@type": "Special", "p": 1, "child": {"p": 2}})"),
            R"([{"@type":["http://example.com/Special"],)"
            R"("http://example.com/child":[{"http://example.com/p":[{"@value":2}]}],)"
            R"("http://special.example/p":[{"@value":1}]}])");
}

TEST(JsonLdExpander, DspDatasetImportsTheOdrlProfileAndPropagatesIt) {
  const std::string expanded = expandOrDie(R"({
    "@context": "https://w3id.org/dspace/2025/1/context.jsonld",
    "@type": "Dataset", "@id": "urn:uuid:3dd1add8",
    "hasPolicy": [{"@type": "Offer", "@id": "urn:uuid:offer",
                   "permission": [{"action": "use", "constraint": [
                     {"leftOperand": "http://example.com/purpose", "operator": "eq",
                      "rightOperand": "x"}]}]}]})");
  EXPECT_NE(expanded.find(R"("http://www.w3.org/ns/odrl/2/hasPolicy":[{"@id":"urn:uuid:offer")"),
            std::string::npos)
      << expanded;
  EXPECT_NE(expanded.find(R"("http://www.w3.org/ns/odrl/2/operator":[{"@id":")" + odrl("eq")),
            std::string::npos)
      << expanded;
  EXPECT_NE(expanded.find(R"("@type":["http://www.w3.org/ns/dcat#Dataset"])"), std::string::npos);
}

TEST(JsonLdExpander, DspTermsOutsideTheirTypeAreErrors) {
  const Error error = expandError(R"({"@context": "https://w3id.org/dspace/2025/1/context.jsonld",
      "@type": "TransferStartMessage", "providerPid": "urn:p", "consumerPid": "urn:c",
      "dataAddress": {"@type": "DataAddress", "endpointType": "https://w3id.org/idsa/v4.1/HTTP",
                      "providerPid": "urn:x"}})");
  EXPECT_EQ(error.key, "dataAddress.providerPid");
}

TEST(JsonLdExpander, ProtectedTermRedefinitionFails) {
  const Error error = expandError(R"({"@context": [
      "https://w3id.org/catenax/2025/9/policy/context.jsonld",
      {"FrameworkAgreement": "http://attacker.example/FrameworkAgreement"}],
    "FrameworkAgreement": "x"})");
  EXPECT_NE(error.message.find("protected term redefinition"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("'FrameworkAgreement'"), std::string::npos);
  EXPECT_EQ(error.key, "@context");
}

TEST(JsonLdExpander, IdenticalRedefinitionOfAProtectedTermIsAllowed) {
  EXPECT_EQ(expandOrDie(R"({"@context": [
      "https://w3id.org/catenax/2025/9/policy/context.jsonld",
      {"Membership": {"@id": "https://w3id.org/catenax/2025/9/policy/Membership"}}],
    "Membership": "active"})"),
            R"([{"https://w3id.org/catenax/2025/9/policy/Membership":[{"@value":"active"}]}])");
}

TEST(JsonLdExpander, NullContextCannotClearProtectedTerms) {
  const Error error = expandError(R"({"@context": [
      "https://w3id.org/catenax/2025/9/policy/context.jsonld", null], "@id": "x"})");
  EXPECT_NE(error.message.find("nullification"), std::string::npos) << error.message;
}

TEST(JsonLdExpander, NullContextClearsUnprotectedTerms) {
  const Error error = expandError(R"({"@context": {"@vocab": "http://example.com/"},
      "child": {"@context": null, "p": 1}})");
  EXPECT_EQ(error.key, "child.p");
}

TEST(JsonLdExpander, InvalidJsonReportsTheOffset) {
  const Error error = expandError(R"({"@context": {}, "a": })");
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("invalid JSON"), std::string::npos);
  EXPECT_NE(error.message.find("offset 22"), std::string::npos) << error.message;
}

TEST(JsonLdExpander, DocumentsNestedTooDeepAreRejected) {
  std::string ok = "{\"@context\": {\"@vocab\": \"http://example.com/\"}, \"p\": ";
  for (std::size_t i = 0; i < kMaxJsonLdNesting - 2; ++i) ok += "[";
  ok += "1";
  for (std::size_t i = 0; i < kMaxJsonLdNesting - 2; ++i) ok += "]";
  ok += "}";
  EXPECT_TRUE(JsonLdExpander().expand(ok).ok());

  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const Error error = expandError(deep);
  EXPECT_NE(error.message.find("nested deeper than 64"), std::string::npos) << error.message;
}

TEST(JsonLdExpander, DocumentsTooLargeAreRejected) {
  const std::string large(kMaxJsonLdDocumentBytes + 1, ' ');
  const Error error = expandError(large);
  EXPECT_NE(error.message.find("larger than"), std::string::npos);
}

TEST(JsonLdExpander, CyclicTermDefinitionsFail) {
  const Error error = expandError(R"({"@context": {"a": "b:x", "b": "a:y"}, "a": 1})");
  EXPECT_NE(error.message.find("cyclic IRI mapping"), std::string::npos) << error.message;
}

TEST(JsonLdExpander, CyclicRemoteContextsFail) {
  JsonLdExpander expander;
  ASSERT_TRUE(expander.addContext("https://example.com/a", R"({"@context": {"a": "http://a/"}})"));
  ASSERT_TRUE(
      expander.addContext("https://example.com/b", R"({"@context": ["https://example.com/a"]})"));
  const Status status =
      expander.addContext("https://example.com/a", R"({"@context": ["https://example.com/b"]})");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("recursive context inclusion"), std::string::npos)
      << status.error().message;
  EXPECT_TRUE(expander.expand(R"({"@context": "https://example.com/b", "a:x": 1})").ok());
}

TEST(JsonLdExpander, ImportedContextThatImportsFails) {
  JsonLdExpander expander;
  ASSERT_TRUE(
      expander.addContext("https://example.com/base", R"({"@context": {"x": "http://x/"}})"));
  ASSERT_TRUE(expander.addContext("https://example.com/importing",
                                  R"({"@context": {"@import": "https://example.com/base"}})"));
  const Error error = expandError(expander, R"({"@context": {
      "@import": "https://example.com/importing"}, "x": 1})");
  EXPECT_NE(error.message.find("has @import itself"), std::string::npos) << error.message;
}

TEST(JsonLdExpander, ImportedTermsAreOverriddenByLocalOnes) {
  JsonLdExpander expander;
  ASSERT_TRUE(expander.addContext("https://example.com/base",
                                  R"({"@context": {"x": "http://x.example/", "y": "http://y/"}})"));
  EXPECT_EQ(expandOrDie(expander, R"({"@context": {"@import": "https://example.com/base",
                                                    "x": "http://local.example/x"},
                                       "x": 1, "y": 2})"),
            R"([{"http://local.example/x":[{"@value":1}],"http://y/":[{"@value":2}]}])");
}

TEST(JsonLdExpander, AddedContextIsServedAndValidated) {
  JsonLdExpander expander;
  const JsonLdExpander before = expander;
  ASSERT_TRUE(expander.addContext("https://example.com/ctx.jsonld",
                                  R"({"@context": {"p": "http://example.com/p"}})"));
  EXPECT_EQ(expandOrDie(expander, R"({"@context": "https://example.com/ctx.jsonld", "p": 1})"),
            R"([{"http://example.com/p":[{"@value":1}]}])");
  EXPECT_FALSE(before.expand(R"({"@context": "https://example.com/ctx.jsonld", "p": 1})").ok());
  EXPECT_FALSE(expander.addContext("https://example.com/bad", R"({"context": {}})").ok());
  EXPECT_FALSE(expander.addContext("https://example.com/bad", R"({"@context": )").ok());
  EXPECT_FALSE(expander.addContext("relative", R"({"@context": {}})").ok());
  EXPECT_FALSE(
      expander.addContext("https://example.com/bad", R"({"@context": {"t": {"@id": 5}}})").ok());
}

TEST(JsonLdExpander, InvalidTermDefinitionsFail) {
  EXPECT_FALSE(JsonLdExpander().expand(R"({"@context": {"@id": "http://x/"}})").ok());
  EXPECT_FALSE(JsonLdExpander().expand(R"({"@context": {"t": {"@foo": 1}}})").ok());
  EXPECT_FALSE(JsonLdExpander()
                   .expand(R"({"@context": {"t": {"@id": "http://x/", "@container": "@graph"}}})")
                   .ok());
  EXPECT_FALSE(JsonLdExpander().expand(R"({"@context": {"t": {"@type": "relative"}}})").ok());
  EXPECT_FALSE(JsonLdExpander().expand(R"({"@context": {"t": {"@type": "@id"}}})").ok());
  EXPECT_FALSE(JsonLdExpander().expand(R"({"@context": 5})").ok());
}

// Found by the policy fuzzer: a non-object redefinition of @type used to be read as an object.
TEST(JsonLdExpander, TypeKeywordRedefinedByANonObjectIsAnErrorNamingIt) {
  for (const char* definition : {R"("x")", "5", "null", "[]", "{}", R"({"@id": "http://x/"})"}) {
    const Error error =
        expandError(std::string(R"({"@context": {"@type": )") + definition + "}, \"a\": 1}");
    EXPECT_NE(error.describe().find("@type"), std::string::npos) << definition;
  }
}

TEST(JsonLdExpander, BundledContextUrlsAreListed) {
  const auto urls = JsonLdExpander::bundledContextUrls();
  for (const char* url :
       {"http://www.w3.org/ns/odrl.jsonld", "https://www.w3.org/ns/odrl.jsonld",
        "https://w3id.org/catenax/2025/9/policy/context.jsonld",
        "https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
        "https://w3id.org/tractusx/policy/v1.0.0", "https://w3id.org/tractusx/auth/v1.0.0",
        "https://w3id.org/dspace/2025/1/context.jsonld",
        "https://w3id.org/dspace/2025/1/odrl-profile.jsonld",
        "https://w3id.org/dspace/2024/1/context.json",
        "https://w3id.org/dspace/v0.8/context.json"}) {
    EXPECT_NE(std::find(urls.begin(), urls.end(), url), urls.end()) << url;
    EXPECT_TRUE(JsonLdExpander().expand(std::string(R"({"@context": ")") + url + "\"}").ok())
        << url;
  }
}

TEST(JsonLdExpander, ExpandsConcurrently) {
  const JsonLdExpander expander;
  const std::string document = R"({"@context": "https://w3id.org/dspace/2025/1/context.jsonld",
      "@type": "ContractRequestMessage", "consumerPid": "urn:c",
      "offer": {"@type": "Offer", "@id": "urn:o", "permission": [{"action": "use"}]}})";
  const std::string expected = expandOrDie(expander, document);
  std::vector<std::thread> threads;
  std::vector<std::string> results(4);
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = expander.expand(document).value(); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_EQ(result, expected);
}

}  // namespace
}  // namespace cxgw::schemas
