#include "cxgw/adapters/value_transform.hpp"

#include <gtest/gtest.h>

namespace cxgw::adapters {
namespace {

using Kind = Transform::Kind;

Transform make(Kind kind, std::string timezone = "UTC") {
  Transform transform;
  transform.kind = kind;
  transform.timezone = std::move(timezone);
  return transform;
}

SourceValue text(std::string value) {
  return SourceValue{ValueKind::kText, std::move(value)};
}

std::string applied(const Transform& transform, const SourceValue& value) {
  auto result = applyTransform(transform, value);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value().text : "<error>";
}

std::string failureOf(const Transform& transform, const SourceValue& value) {
  auto result = applyTransform(transform, value);
  EXPECT_FALSE(result.ok()) << "unexpectedly converted to " << result.value().text;
  return result.ok() ? "" : result.error().message;
}

TEST(DateTimeTransform, TimestampWithOffsetIsWrittenInUtc) {
  const SourceValue value{ValueKind::kTimestampTz, "2026-11-23 08:30:15.25+01"};
  EXPECT_EQ(applied(make(Kind::kDateTime), value), "2026-11-23T07:30:15.25Z");
}

TEST(DateTimeTransform, TimestampIsWrittenWithTheZonesOffset) {
  const SourceValue winter{ValueKind::kTimestampTz, "2026-11-23 07:00:00+00"};
  EXPECT_EQ(applied(make(Kind::kDateTime, "Europe/Berlin"), winter), "2026-11-23T08:00:00+01:00");
  const SourceValue summer{ValueKind::kTimestampTz, "2026-07-01 07:00:00+00"};
  EXPECT_EQ(applied(make(Kind::kDateTime, "Europe/Berlin"), summer), "2026-07-01T09:00:00+02:00");
}

TEST(DateTimeTransform, NaiveTimestampIsReadInTheZone) {
  const SourceValue local{ValueKind::kTimestamp, "2026-07-01 09:00:00"};
  EXPECT_EQ(applied(make(Kind::kDateTime, "Europe/Berlin"), local), "2026-07-01T09:00:00+02:00");
  EXPECT_EQ(applied(make(Kind::kDateTime, "UTC"), local), "2026-07-01T09:00:00Z");
}

TEST(DateTimeTransform, AcceptsIsoTextWithTAndZ) {
  EXPECT_EQ(applied(make(Kind::kDateTime), text("2022-02-03T14:48:54.709Z")),
            "2022-02-03T14:48:54.709Z");
}

TEST(DateTransform, DateDependsOnTheZone) {
  const SourceValue late{ValueKind::kTimestampTz, "2026-11-23 23:30:00+00"};
  EXPECT_EQ(applied(make(Kind::kDate), late), "2026-11-23");
  EXPECT_EQ(applied(make(Kind::kDate, "Europe/Berlin"), late), "2026-11-24");
  EXPECT_EQ(applied(make(Kind::kDate, "America/Mexico_City"), late), "2026-11-23");
}

TEST(DateTransform, DateColumnPassesThrough) {
  EXPECT_EQ(applied(make(Kind::kDate, "Asia/Tokyo"), SourceValue{ValueKind::kDate, "2025-09-26"}),
            "2025-09-26");
}

TEST(DateTransform, RejectsWhatIsNotADate) {
  EXPECT_NE(failureOf(make(Kind::kDate), text("yesterday")).find("'yesterday'"), std::string::npos);
  failureOf(make(Kind::kDate), text("2026-02-30"));
  failureOf(make(Kind::kDateTime), text("2026-11-23 25:00:00"));
  failureOf(make(Kind::kDateTime), text("infinity"));
}

TEST(TimezoneNames, AreCheckedAgainstTheTzDatabase) {
  EXPECT_TRUE(isKnownTimezone("Europe/Berlin"));
  EXPECT_TRUE(isKnownTimezone("UTC"));
  EXPECT_FALSE(isKnownTimezone("Europe/Atlantis"));
}

TEST(CountryTransform, ConvertsAlpha2AndRejectsUnknown) {
  EXPECT_EQ(applied(make(Kind::kCountryAlpha3), text("DE")), "DEU");
  EXPECT_EQ(applied(make(Kind::kCountryAlpha3), text("mx")), "MEX");
  EXPECT_NE(failureOf(make(Kind::kCountryAlpha3), text("XX")).find("'XX'"), std::string::npos);
}

TEST(UnitTransform, MapsErpSpellingsToSammUnits) {
  EXPECT_EQ(applied(make(Kind::kUnit), text("mm")), "unit:millimetre");
  EXPECT_EQ(applied(make(Kind::kUnit), text("pcs")), "unit:piece");
  EXPECT_EQ(applied(make(Kind::kUnit), text("ST")), "unit:piece");
  EXPECT_EQ(applied(make(Kind::kUnit), text("\xC2\xB0"
                                            "C")),
            "unit:degreeCelsius");
  EXPECT_EQ(applied(make(Kind::kUnit), text("unit:newtonMetre")), "unit:newtonMetre");
  EXPECT_NE(failureOf(make(Kind::kUnit), text("furlong")).find("furlong"), std::string::npos);
}

TEST(ValueMapTransform, MapsKnownValuesAndUsesTheDefault) {
  Transform map = make(Kind::kValueMap);
  map.value_map = {{"P", "production"}, {"A", "assembly"}};
  EXPECT_EQ(applied(map, text("A")), "assembly");
  EXPECT_NE(failureOf(map, text("Q")).find("'Q'"), std::string::npos);
  map.map_default = "production";
  EXPECT_EQ(applied(map, text("Q")), "production");
}

TEST(JsonPathTransform, ExtractsATranslatedName) {
  Transform path = make(Kind::kJsonPath);
  path.json_path = {"en"};
  const SourceValue names{ValueKind::kJson, R"({"de":"Spiegel links","en":"Mirror left"})"};
  EXPECT_EQ(applied(path, names), "Mirror left");
  path.json_path = {"fr"};
  auto missing = applyTransform(path, names);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing.value().isNull());
  failureOf(path, SourceValue{ValueKind::kJson, "{not json"});
}

TEST(JsonPathTransform, KeepsNumbersTyped) {
  Transform path = make(Kind::kJsonPath);
  path.json_path = {"dims", "weight"};
  auto value = applyTransform(path, SourceValue{ValueKind::kJson, R"({"dims":{"weight":1.5}})"});
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value.value().kind, ValueKind::kNumber);
  EXPECT_EQ(value.value().text, "1.5");
}

TEST(TypeTransforms, CoerceOrFail) {
  EXPECT_EQ(applied(make(Kind::kNumber), text("+007.50")), "7.50");
  EXPECT_EQ(applied(make(Kind::kNumber), text(".5")), "0.5");
  EXPECT_EQ(applied(make(Kind::kInteger), text("42")), "42");
  failureOf(make(Kind::kInteger), text("4.2"));
  failureOf(make(Kind::kNumber), text("1,5"));
  failureOf(make(Kind::kNumber), text("NaN"));
  EXPECT_EQ(applied(make(Kind::kBoolean), text("Yes")), "true");
  failureOf(make(Kind::kBoolean), text("maybe"));
  auto as_text = applyTransform(make(Kind::kText), SourceValue{ValueKind::kNumber, "12.5"});
  ASSERT_TRUE(as_text.ok());
  EXPECT_EQ(as_text.value().kind, ValueKind::kText);
  EXPECT_EQ(applied(make(Kind::kTrim), text("  SN 1 \t")), "SN 1");
  EXPECT_EQ(applied(make(Kind::kUpper), text("bpnl00000003crhk")), "BPNL00000003CRHK");
}

TEST(AnyTransform, LetsNullThrough) {
  for (Kind kind : {Kind::kDate, Kind::kDateTime, Kind::kCountryAlpha3, Kind::kUnit,
                    Kind::kValueMap, Kind::kNumber, Kind::kBoolean}) {
    auto result = applyTransform(make(kind), SourceValue{});
    ASSERT_TRUE(result.ok());
    EXPECT_TRUE(result.value().isNull());
  }
}

}  // namespace
}  // namespace cxgw::adapters
