#include "cxgw/adapters/value_transform.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "cxgw/adapters/country_code.hpp"

namespace cxgw::adapters {
namespace {

using Microseconds = std::chrono::microseconds;

// A point in time as read from the ERP: either an instant (it had an offset) or a wall-clock
// time that a zone must place.
struct ParsedTime {
  date::local_time<Microseconds> local;        // the wall-clock reading
  std::optional<std::chrono::minutes> offset;  // set when the text carried one
};

Error failure(std::string reason) {
  return Error{ErrorCode::kInvalidArgument, std::move(reason), "", "", 0};
}

bool readNumber(std::string_view text, size_t& pos, size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  out = value;
  return true;
}

// "2026-11-23", "2026-11-23 07:00:00", "2026-11-23T07:00:00.123456", each optionally followed
// by "Z", "+01", "+01:00" or "+0100".
std::optional<ParsedTime> parseTime(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readNumber(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !readNumber(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !readNumber(text, pos, 2, day)) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year(year), date::month(static_cast<unsigned>(month)),
                                 date::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  int64_t micros = 0;
  if (pos < text.size() && (text[pos] == ' ' || text[pos] == 'T')) {
    ++pos;
    if (!readNumber(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !readNumber(text, pos, 2, minute) || pos >= text.size() || text[pos++] != ':' ||
        !readNumber(text, pos, 2, second) || hour > 23 || minute > 59 || second > 60) {
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int64_t scale = 100000;
      size_t digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (scale > 0) micros += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
        ++digits;
      }
      if (digits == 0) return std::nullopt;
    }
  }
  ParsedTime parsed;
  parsed.local = date::local_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                 std::chrono::seconds(second) + Microseconds(micros);
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      parsed.offset = std::chrono::minutes(0);
      return parsed;
    }
    if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
    const int sign = text[pos++] == '-' ? -1 : 1;
    int offset_hours = 0, offset_minutes = 0;
    if (!readNumber(text, pos, 2, offset_hours)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') ++pos;
    if (pos < text.size() && !readNumber(text, pos, 2, offset_minutes)) return std::nullopt;
    if (pos != text.size() || offset_hours > 14 || offset_minutes > 59) return std::nullopt;
    parsed.offset = std::chrono::minutes(sign * (offset_hours * 60 + offset_minutes));
  }
  return parsed;
}

Result<date::sys_time<Microseconds>> toInstant(const ParsedTime& parsed,
                                               const date::time_zone& zone) {
  if (parsed.offset) {
    return date::sys_time<Microseconds>(parsed.local.time_since_epoch()) - *parsed.offset;
  }
  try {
    return zone.to_sys(parsed.local, date::choose::earliest);
  } catch (const std::exception& e) {
    return failure(std::string("cannot place the time in ") + zone.name() + ": " + e.what());
  }
}

Result<SourceValue> formatTime(const Transform& transform, const SourceValue& value) {
  const auto parsed = parseTime(value.text);
  if (!parsed) return failure("'" + value.text + "' is not a date or timestamp");
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(transform.timezone);
  } catch (const std::exception&) {
    return failure("unknown time zone '" + transform.timezone + "'");
  }
  if (transform.kind == Transform::Kind::kDate && value.kind == ValueKind::kDate) {
    return SourceValue{ValueKind::kText,
                       date::format("%F", date::floor<date::days>(parsed->local))};
  }
  auto instant = toInstant(*parsed, *zone);
  if (!instant) return instant.error();
  const auto info = zone->get_info(date::floor<std::chrono::seconds>(instant.value()));
  const auto local =
      date::local_time<Microseconds>((instant.value() + info.offset).time_since_epoch());
  if (transform.kind == Transform::Kind::kDate) {
    return SourceValue{ValueKind::kText, date::format("%F", date::floor<date::days>(local))};
  }
  const auto micros = local.time_since_epoch() % std::chrono::seconds(1);
  std::string out = date::format("%FT%T", date::floor<std::chrono::seconds>(local));
  if (micros.count() != 0) {
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros.count()));
    std::string digits(fraction);
    while (digits.back() == '0') digits.pop_back();
    out += digits;
  }
  const auto offset = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  if (offset == 0) {
    out += "Z";
  } else {
    char zone_offset[8];
    std::snprintf(zone_offset, sizeof zone_offset, "%c%02d:%02d", offset < 0 ? '-' : '+',
                  static_cast<int>(std::abs(offset) / 60), static_cast<int>(std::abs(offset) % 60));
    out += zone_offset;
  }
  return SourceValue{ValueKind::kText, out};
}

// ERP unit spellings -> SAMM unit catalogue names. Several spellings per unit, as ERPs differ.
constexpr std::array<std::pair<std::string_view, std::string_view>, 51> kUnits{{
    {"%", "unit:percent"},
    {"A", "unit:ampere"},
    {"C", "unit:degreeCelsius"},
    {"EA", "unit:piece"},
    {"N", "unit:newton"},
    {"MOhm", "unit:megaohm"},
    {"Nm", "unit:newtonMetre"},
    {"PC", "unit:piece"},
    {"PCE", "unit:piece"},
    {"Pa", "unit:pascal"},
    {"ST", "unit:piece"},
    {"V", "unit:volt"},
    {"W", "unit:watt"},
    {"bar", "unit:bar"},
    {"cm", "unit:centimetre"},
    {"dB", "unit:decibel"},
    {"dB(A)", "unit:decibel"},
    {"degC", "unit:degreeCelsius"},
    {"ea", "unit:piece"},
    {"g", "unit:gram"},
    {"h", "unit:hourUnitOfTime"},
    {"kN", "unit:kilonewton"},
    {"kPa", "unit:kilopascal"},
    {"kW", "unit:kilowatt"},
    {"kWh", "unit:kilowattHour"},
    {"kg", "unit:kilogram"},
    {"km", "unit:kilometre"},
    {"l", "unit:litre"},
    {"m", "unit:metre"},
    {"m2", "unit:squareMetre"},
    {"m3", "unit:cubicMetre"},
    {"mA", "unit:milliampere"},
    {"mg", "unit:milligram"},
    {"min", "unit:minuteUnitOfTime"},
    {"ml", "unit:millilitre"},
    {"ml/min", "unit:millilitrePerMinute"},
    {"mm", "unit:millimetre"},
    {"ms", "unit:millisecond"},
    {"mV", "unit:millivolt"},
    {"ohm", "unit:ohm"},
    {"l/min", "unit:litrePerMinute"},
    {"pc", "unit:piece"},
    {"pcs", "unit:piece"},
    {"s", "unit:secondUnitOfTime"},
    {"st", "unit:piece"},
    {"stk", "unit:piece"},
    {"t", "unit:tonneMetricTon"},
    {"um", "unit:micrometre"},
    {"\xC2\xB0"
     "C",
     "unit:degreeCelsius"},            // °C
    {"\xC2\xB5m", "unit:micrometre"},  // µm
    {"\xCE\xA9", "unit:ohm"},          // Ω
}};

std::optional<std::string> jsonMember(const std::string& json, const std::vector<std::string>& path,
                                      ValueKind& kind, std::string& error) {
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  if (document.HasParseError()) {
    error = "value is not JSON";
    return std::nullopt;
  }
  const rapidjson::Value* node = &document;
  for (const std::string& name : path) {
    if (!node->IsObject()) return std::nullopt;
    const auto member = node->FindMember(rapidjson::StringRef(name.c_str(), name.size()));
    if (member == node->MemberEnd()) return std::nullopt;
    node = &member->value;
  }
  if (node->IsNull()) return std::nullopt;
  if (node->IsString()) {
    kind = ValueKind::kText;
    return std::string(node->GetString(), node->GetStringLength());
  }
  if (node->IsBool()) {
    kind = ValueKind::kBoolean;
    return std::string(node->GetBool() ? "true" : "false");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  node->Accept(writer);
  kind = node->IsNumber()
             ? (node->IsInt64() || node->IsUint64() ? ValueKind::kInteger : ValueKind::kNumber)
             : ValueKind::kJson;
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool isDecimal(std::string_view text, bool integer_only) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (!integer_only && i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  }
  if (!integer_only && digits > 0 && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    size_t exponent = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return digits > 0 && i == text.size();
}

// JSON numbers have no leading '+' and no leading zeros.
std::string canonicalNumber(std::string text) {
  if (!text.empty() && text[0] == '+') text.erase(0, 1);
  const size_t sign = !text.empty() && text[0] == '-' ? 1 : 0;
  while (text.size() > sign + 1 && text[sign] == '0' &&
         std::isdigit(static_cast<unsigned char>(text[sign + 1]))) {
    text.erase(sign, 1);
  }
  if (text.size() > sign && text[sign] == '.') text.insert(sign, "0");
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

bool isKnownTimezone(const std::string& name) {
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<std::string> sammUnitFor(const std::string& erp_unit) {
  if (erp_unit.rfind("unit:", 0) == 0 && erp_unit.size() > 5) return erp_unit;
  for (const auto& [spelling, unit] : kUnits) {
    if (spelling == erp_unit) return std::string(unit);
  }
  return std::nullopt;
}

Result<SourceValue> applyTransform(const Transform& transform, const SourceValue& value) {
  if (value.isNull()) return value;
  using Kind = Transform::Kind;
  switch (transform.kind) {
    case Kind::kDate:
    case Kind::kDateTime:
      return formatTime(transform, value);
    case Kind::kCountryAlpha3: {
      auto alpha3 = alpha3FromAlpha2(value.text);
      if (!alpha3) return failure("'" + value.text + "' is not an ISO 3166 country code");
      return SourceValue{ValueKind::kText, std::string(alpha3.value())};
    }
    case Kind::kUnit: {
      auto unit = sammUnitFor(value.text);
      if (!unit) return failure("unknown unit '" + value.text + "'; map it with a value map");
      return SourceValue{ValueKind::kText, *unit};
    }
    case Kind::kValueMap: {
      const auto it = transform.value_map.find(value.text);
      if (it != transform.value_map.end()) return SourceValue{ValueKind::kText, it->second};
      if (transform.map_default) return SourceValue{ValueKind::kText, *transform.map_default};
      return failure("no mapping for value '" + value.text + "'");
    }
    case Kind::kJsonPath: {
      if (value.kind != ValueKind::kJson && value.kind != ValueKind::kText) {
        return failure("json_path needs a json or text value");
      }
      ValueKind kind = ValueKind::kText;
      std::string error;
      auto member = jsonMember(value.text, transform.json_path, kind, error);
      if (!error.empty()) return failure(error);
      if (!member) return SourceValue{};
      return SourceValue{kind, std::move(*member)};
    }
    case Kind::kText:
      return SourceValue{ValueKind::kText, value.text};
    case Kind::kNumber:
    case Kind::kInteger: {
      const bool integer = transform.kind == Kind::kInteger;
      if (!isDecimal(value.text, integer)) {
        return failure("'" + value.text + "' is not " + (integer ? "an integer" : "a number"));
      }
      return SourceValue{integer ? ValueKind::kInteger : ValueKind::kNumber,
                         canonicalNumber(value.text)};
    }
    case Kind::kBoolean: {
      static const std::array<std::string_view, 5> kTrue{"true", "t", "1", "yes", "y"};
      static const std::array<std::string_view, 5> kFalse{"false", "f", "0", "no", "n"};
      std::string lowered = value.text;
      for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (auto t : kTrue) {
        if (lowered == t) return SourceValue{ValueKind::kBoolean, "true"};
      }
      for (auto f : kFalse) {
        if (lowered == f) return SourceValue{ValueKind::kBoolean, "false"};
      }
      return failure("'" + value.text + "' is not a boolean");
    }
    case Kind::kTrim: {
      const size_t first = value.text.find_first_not_of(" \t\r\n");
      if (first == std::string::npos) return SourceValue{ValueKind::kText, ""};
      const size_t last = value.text.find_last_not_of(" \t\r\n");
      return SourceValue{value.kind, value.text.substr(first, last - first + 1)};
    }
    case Kind::kUpper: {
      std::string upper = value.text;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return SourceValue{ValueKind::kText, upper};
    }
  }
  return failure("unknown transform");
}

}  // namespace cxgw::adapters
