#include "cxgw/core/timestamp.hpp"

#include <cstdint>
#include <cstdio>

namespace cxgw {
namespace {

bool readDigits(std::string_view text, size_t& pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool isLeap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeap(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool readDate(std::string_view text, size_t& pos, int& year, int& month, int& day) {
  if (!readDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-') return false;
  if (!readDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-') return false;
  if (!readDigits(text, pos, 2, day)) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

// system_clock counts nanoseconds in 64 bits: about 1678 to 2262. Instants beyond are clamped
// to its ends, which keeps every comparison with a real time right ("until 9999-12-31" stays in
// the future, "until 1013-12-31" in the past); converting them unclamped would overflow.
TimePoint fromSeconds(int64_t seconds, int64_t micros) {
  using std::chrono::duration_cast;
  static const int64_t kMax =
      duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count() - 1;
  static const int64_t kMin =
      duration_cast<std::chrono::seconds>(TimePoint::duration::min()).count() + 1;
  if (seconds >= kMax) return TimePoint::max();
  if (seconds <= kMin) return TimePoint::min();
  return TimePoint(duration_cast<TimePoint::duration>(std::chrono::seconds(seconds) +
                                                      std::chrono::microseconds(micros)));
}

}  // namespace

bool isIsoDate(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  return readDate(text, pos, year, month, day) && pos == text.size();
}

std::optional<TimePoint> parseIsoTimestamp(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!readDate(text, pos, year, month, day)) return std::nullopt;
  int64_t seconds =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400;
  int64_t micros = 0;
  if (pos == text.size()) return fromSeconds(seconds, 0);
  const char separator = text[pos++];
  if (separator != 'T' && separator != 't' && separator != ' ') return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (!readDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':')
    return std::nullopt;
  if (!readDigits(text, pos, 2, minute) || pos >= text.size() || text[pos++] != ':')
    return std::nullopt;
  if (!readDigits(text, pos, 2, second)) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  if (pos >= text.size()) return std::nullopt;  // a time of day needs a zone
  int offset_seconds = 0;
  const char zone = text[pos++];
  if (zone == 'Z' || zone == 'z') {
    offset_seconds = 0;
  } else if (zone == '+' || zone == '-') {
    int offset_hours = 0, offset_minutes = 0;
    if (!readDigits(text, pos, 2, offset_hours) || pos >= text.size() || text[pos++] != ':' ||
        !readDigits(text, pos, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      return std::nullopt;
    }
    offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  seconds += hour * 3600 + minute * 60 + second - offset_seconds;
  return fromSeconds(seconds, micros);
}

Result<TimePoint> parseIsoTimestampStrict(std::string_view text) {
  auto invalid = [&](const std::string& why) {
    return Error{ErrorCode::kInvalidArgument, "'" + std::string(text) + "' " + why, "", "", 0};
  };
  const auto parsed = parseIsoTimestamp(text);
  if (!parsed) {
    return invalid(
        "is not an RFC 3339 date-time (2026-03-01T12:00:00Z, an offset such as +01:00) or a date "
        "(2026-03-01)");
  }
  int year = 0;
  size_t pos = 0;
  readDigits(text, pos, 4, year);
  if (year < 1678 || year > 2261)
    return invalid("is outside the years 1678 to 2261 that cxgw can represent");
  return *parsed;
}

namespace {

std::string format(TimePoint time, bool always_micros) {
  const auto micros_total =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  int64_t seconds = micros_total / 1000000;
  int64_t micros = micros_total % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  // civil_from_days (H. Hinnant)
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  char buffer[48];
  const int hour = static_cast<int>(second_of_day / 3600);
  const int minute = static_cast<int>(second_of_day / 60 % 60);
  const int second = static_cast<int>(second_of_day % 60);
  if (micros == 0 && !always_micros) {
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<long long>(y), m, d, hour, minute, second);
  } else {
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                  static_cast<long long>(y), m, d, hour, minute, second,
                  static_cast<long long>(micros));
  }
  return buffer;
}

}  // namespace

std::string formatIsoTimestamp(TimePoint time) {
  return format(time, false);
}

std::string formatIsoTimestampMicros(TimePoint time) {
  return format(time, true);
}

}  // namespace cxgw
