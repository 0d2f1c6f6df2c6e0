#include "cxgw/adapters/country_code.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace cxgw::adapters {
namespace {

void expectRejected(std::string_view code) {
  SCOPED_TRACE(std::string("input: '") + std::string(code) + "'");
  const auto result = alpha3FromAlpha2(code);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().key, "country_code");
}

TEST(CountryCode, WellKnownAlpha2ConvertsToAlpha3) {
  // Pairs from ISO 3166-1, including ones whose alpha-3 does not start with the alpha-2.
  const std::pair<std::string_view, std::string_view> pairs[] = {
      {"DE", "DEU"}, {"US", "USA"}, {"GB", "GBR"}, {"CN", "CHN"}, {"JP", "JPN"},
      {"KR", "KOR"}, {"CZ", "CZE"}, {"MX", "MEX"}, {"AT", "AUT"}, {"CH", "CHE"},
      {"KP", "PRK"}, {"GS", "SGS"}, {"TF", "ATF"}, {"PM", "SPM"}, {"YT", "MYT"},
      {"KM", "COM"}, {"KY", "CYM"}, {"AD", "AND"}, {"ZW", "ZWE"},
  };
  for (const auto& [alpha2, alpha3] : pairs) {
    const auto result = alpha3FromAlpha2(alpha2);
    ASSERT_TRUE(result.ok()) << alpha2 << ": " << result.error().describe();
    EXPECT_EQ(result.value(), alpha3) << alpha2;
  }
}

TEST(CountryCode, LowerAndMixedCaseAlpha2IsAccepted) {
  for (std::string_view input : {"de", "dE", "De", "mx"}) {
    const auto result = alpha3FromAlpha2(input);
    ASSERT_TRUE(result.ok()) << input;
    EXPECT_EQ(result.value(), input[0] == 'm' ? "MEX" : "DEU") << input;
  }
}

TEST(CountryCode, AssignedAlpha3PassesThroughInUpperCase) {
  for (std::string_view input : {"DEU", "deu", "Deu"}) {
    const auto result = alpha3FromAlpha2(input);
    ASSERT_TRUE(result.ok()) << input;
    EXPECT_EQ(result.value(), "DEU") << input;
  }
  const auto sgs = alpha3FromAlpha2("SGS");
  ASSERT_TRUE(sgs.ok());
  EXPECT_EQ(sgs.value(), "SGS");
}

TEST(CountryCode, ResultDoesNotReferToTheInput) {
  std::string input = "deu";
  const auto result = alpha3FromAlpha2(input);
  input = "xxx";
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), "DEU");
}

TEST(CountryCode, UnknownAlpha2IsRejected) {
  // User-assigned (XX, ZZ, AA, QM), exceptionally reserved (UK, EU), withdrawn (YU, AN) and
  // alpha-3 letters of an assigned code that are no alpha-2 (DU).
  for (std::string_view code : {"XX", "ZZ", "AA", "QM", "UK", "EU", "YU", "AN", "DU"}) {
    expectRejected(code);
  }
}

TEST(CountryCode, UnknownAlpha3IsRejected) {
  // User-assigned (ZZZ, XKX for Kosovo), withdrawn (YUG), and an alpha-2 padded to three (DEE).
  for (std::string_view code : {"ZZZ", "zzz", "XKX", "YUG", "DEE"}) expectRejected(code);
}

TEST(CountryCode, ErrorNamesTheValue) {
  const auto result = alpha3FromAlpha2("XQ");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("XQ"), std::string::npos) << result.error().message;
}

TEST(CountryCode, EmptyIsRejected) {
  expectRejected("");
}

TEST(CountryCode, WrongLengthIsRejected) {
  for (std::string_view code : {"D", "DEUT", "GERMANY", "DE ", " DE", "DEU "}) {
    expectRejected(code);
  }
}

TEST(CountryCode, NonLettersAreRejected) {
  using namespace std::string_view_literals;
  for (std::string_view code :
       {"D1"sv, "12"sv, "D-"sv, "D\0"sv, "DE\0"sv, "D\xc3\xa9"sv, "\xc3\x84T"sv, "D@"sv, "[E"sv}) {
    expectRejected(code);
  }
}

TEST(CountryCode, TableHoldsAllAssignedCodesSortedAndUnique) {
  const auto table = countryCodeTable();
  EXPECT_EQ(table.size(), 249u);
  std::set<std::string_view> alpha2s;
  std::set<std::string_view> alpha3s;
  for (size_t i = 0; i < table.size(); ++i) {
    const auto& entry = table[i];
    SCOPED_TRACE(std::string(entry.alpha2) + "/" + std::string(entry.alpha3));
    ASSERT_EQ(entry.alpha2.size(), 2u);
    ASSERT_EQ(entry.alpha3.size(), 3u);
    for (char c : std::string(entry.alpha2) + std::string(entry.alpha3)) {
      EXPECT_TRUE(c >= 'A' && c <= 'Z');
    }
    if (i > 0) {
      EXPECT_LT(table[i - 1].alpha2, entry.alpha2);
    }
    EXPECT_TRUE(alpha2s.insert(entry.alpha2).second) << "duplicate alpha-2";
    EXPECT_TRUE(alpha3s.insert(entry.alpha3).second) << "duplicate alpha-3";
  }
}

TEST(CountryCode, EveryTableEntryConvertsBothWays) {
  for (const auto& entry : countryCodeTable()) {
    std::string lower(entry.alpha2);
    for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
    for (std::string_view input : {entry.alpha2, std::string_view(lower), entry.alpha3}) {
      const auto result = alpha3FromAlpha2(input);
      ASSERT_TRUE(result.ok()) << input;
      EXPECT_EQ(result.value(), entry.alpha3) << input;
    }
  }
}

}  // namespace
}  // namespace cxgw::adapters
