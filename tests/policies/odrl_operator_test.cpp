#include "cxgw/policies/odrl_operator.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace cxgw::policies {
namespace {

// The ODRL 2.2 vocabulary's local names of the operators Catena-X uses.
const std::pair<std::string_view, OdrlOperator> kExpected[] = {
    {"eq", OdrlOperator::kEq},           {"neq", OdrlOperator::kNeq},
    {"in", OdrlOperator::kIn},           {"isAnyOf", OdrlOperator::kIsAnyOf},
    {"isAllOf", OdrlOperator::kIsAllOf}, {"isNoneOf", OdrlOperator::kIsNoneOf},
    {"isA", OdrlOperator::kIsA},         {"hasPart", OdrlOperator::kHasPart},
    {"gt", OdrlOperator::kGt},           {"gteq", OdrlOperator::kGteq},
    {"lt", OdrlOperator::kLt},           {"lteq", OdrlOperator::kLteq},
};

std::string iri(std::string_view local_name) {
  return std::string("http://www.w3.org/ns/odrl/2/") + std::string(local_name);
}

TEST(OdrlOperator, NamespaceIsTheOdrlVocabulary) {
  EXPECT_EQ(kOdrlNamespace, "http://www.w3.org/ns/odrl/2/");
}

TEST(OdrlOperator, EveryOperatorParsesFromItsExpandedIri) {
  for (const auto& [name, op] : kExpected) {
    const auto result = parseOdrlOperator(iri(name));
    ASSERT_TRUE(result.ok()) << name << ": " << result.error().describe();
    EXPECT_EQ(result.value(), op) << name;
  }
}

TEST(OdrlOperator, NameIsTheLocalNameOfTheIri) {
  std::set<std::string_view> names;
  for (const auto& [name, op] : kExpected) {
    EXPECT_EQ(odrlOperatorName(op), name);
    names.insert(odrlOperatorName(op));
  }
  EXPECT_EQ(names.size(), std::size(kExpected));
}

TEST(OdrlOperator, NameRoundTripsThroughParse) {
  for (const auto& [name, op] : kExpected) {
    const auto result =
        parseOdrlOperator(std::string(kOdrlNamespace) + std::string(odrlOperatorName(op)));
    ASSERT_TRUE(result.ok()) << name;
    EXPECT_EQ(result.value(), op) << name;
  }
}

TEST(OdrlOperator, UnknownOperatorIsRejected) {
  for (const std::string& text :
       {iri("equals"), iri("EQ"), iri("isanyof"), iri("eqx"), iri("eq/"), iri(""), iri(" eq"),
        std::string("https://www.w3.org/ns/odrl/2/eq"), std::string("http://www.w3.org/ns/odrl/eq"),
        std::string("eq"), std::string("")}) {
    SCOPED_TRACE("input: " + text);
    const auto result = parseOdrlOperator(text);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().key, "odrl:operator");
    EXPECT_NE(result.error().message.find("'" + text + "'"), std::string::npos)
        << result.error().message;
  }
}

TEST(OdrlOperator, CompactedPrefixIsRejected) {
  // Only expanded IRIs are accepted; compaction must be undone by the JSON-LD expansion first.
  for (std::string_view text : {"odrl:eq", "odrl:isAnyOf", "odrl:lteq"}) {
    const auto result = parseOdrlOperator(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace cxgw::policies
