#include "cxgw/core/timestamp.hpp"

#include <gtest/gtest.h>

namespace cxgw {
namespace {

int64_t unixSeconds(const TimePoint& t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TEST(IsoTimestamp, ParsesDatesAndDateTimesWithZones) {
  EXPECT_EQ(unixSeconds(*parseIsoTimestamp("1970-01-01")), 0);
  EXPECT_EQ(unixSeconds(*parseIsoTimestamp("2000-03-01T00:00:00Z")), 951868800);
  EXPECT_EQ(unixSeconds(*parseIsoTimestamp("2000-03-01T01:30:00+01:30")), 951868800);
  EXPECT_EQ(unixSeconds(*parseIsoTimestamp("2000-02-29T22:00:00-02:00")), 951868800);
  EXPECT_EQ(
      *parseIsoTimestamp("2026-01-02T03:04:05.25Z") - *parseIsoTimestamp("2026-01-02T03:04:05Z"),
      std::chrono::milliseconds(250));
  EXPECT_TRUE(isIsoDate("2024-02-29"));
  EXPECT_FALSE(isIsoDate("2024-02-29T00:00:00Z"));
}

TEST(IsoTimestamp, RejectsMalformedAndOutOfRangeFields) {
  for (const char* bad :
       {"", "2026", "2026-13-01", "2023-02-29", "2026-04-31", "2026-01-01T24:00:00Z",
        "2026-01-01T12:00:00", "2026-01-01T12:00:00+24:00", "2026-01-01T12:00:00.Z",
        "2026-01-01T12:00:00Zjunk", "26-01-01", "2026-1-01"}) {
    EXPECT_FALSE(parseIsoTimestamp(bad).has_value()) << bad;
  }
}

TEST(IsoTimestamp, YearsBeyondTheClockAreClampedNotWrapped) {
  const TimePoint now = *parseIsoTimestamp("2026-06-01T00:00:00Z");
  // Found by the policy parser fuzzer: unclamped, 1013 wrapped into the future and 9999 into
  // the past, so "usable until 1013-12-31" allowed access.
  EXPECT_LT(*parseIsoTimestamp("1013-12-31"), now);
  EXPECT_GT(*parseIsoTimestamp("9999-12-31T23:59:59Z"), now);
  EXPECT_EQ(*parseIsoTimestamp("9999-12-31"), TimePoint::max());
  EXPECT_EQ(*parseIsoTimestamp("0001-01-01"), TimePoint::min());
}

TEST(IsoTimestamp, FormatsRoundTrip) {
  for (const char* text : {"1970-01-01T00:00:00Z", "2027-12-31T23:59:59Z",
                           "2026-06-01T12:00:00.123456Z", "1969-07-20T20:17:40Z"}) {
    EXPECT_EQ(formatIsoTimestamp(*parseIsoTimestamp(text)), text);
  }
}

TEST(IsoTimestamp, StrictParsingRefusesWhatItWouldClampAndQuotesTheText) {
  EXPECT_TRUE(parseIsoTimestampStrict("2026-03-01t12:00:00z").ok());
  EXPECT_TRUE(parseIsoTimestampStrict("2026-03-01 13:00:00+01:00").ok());
  for (const char* text : {"", "yesterday", "2026-02-30", "2026-03-01T12:00Z",
                           "2026-03-01T12:00:00+1:00", "9999-01-01", "1013-12-31T00:00:00Z"}) {
    const auto parsed = parseIsoTimestampStrict(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(std::string("'") + text + "'"), std::string::npos)
        << parsed.error().message;
  }
}

TEST(IsoTimestamp, MicrosecondFormIsFixedWidth) {
  EXPECT_EQ(formatIsoTimestampMicros(*parseIsoTimestamp("2026-03-01T12:00:00Z")),
            "2026-03-01T12:00:00.000000Z");
  EXPECT_EQ(formatIsoTimestampMicros(TimePoint(std::chrono::microseconds(-1))),
            "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace cxgw
