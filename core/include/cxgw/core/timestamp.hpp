#pragma once
// ISO 8601 / RFC 3339 instants as policies, the audit trail and the CLI write them.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"

namespace cxgw {

using TimePoint = std::chrono::system_clock::time_point;

// Parses "2027-12-31" (midnight UTC), "2027-12-31T23:59:59Z", "…T23:59:59.123456+01:00" and
// the same with a lower-case "t"/"z" or a space instead of "T". Fractions beyond microseconds
// are truncated. Returns nullopt for anything else, including out-of-range fields such as
// month 13, day 31 of a 30-day month, hour 24 or an offset beyond ±23:59. Years outside the
// clock's range (about 1678 to 2262) are clamped to TimePoint::min() / max(), so comparisons
// with any real time stay right.
std::optional<TimePoint> parseIsoTimestamp(std::string_view text);

// The same forms, strictly: kInvalidArgument quoting `text` for anything else and for years
// outside the clock's range. For values that are stored or compared exactly (audit times, CLI
// options), where clamping would change them.
Result<TimePoint> parseIsoTimestampStrict(std::string_view text);

// True when `text` is a plain date "YYYY-MM-DD" without a time of day.
bool isIsoDate(std::string_view text);

// "2027-12-31T23:59:59Z", with ".ffffff" microseconds only when they are not zero.
std::string formatIsoTimestamp(TimePoint time);

// "2027-12-31T23:59:59.000000Z": always six fraction digits, so texts sort like the times.
std::string formatIsoTimestampMicros(TimePoint time);

}  // namespace cxgw
