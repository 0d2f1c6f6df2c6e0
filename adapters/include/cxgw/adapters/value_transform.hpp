#pragma once
// The transforms of the mapping language (docs/mapping.md), applied to one value at a time.
//
// A transform either returns the new value or fails with a reason in words; the sync engine
// then quarantines the row with the field and that reason, so a value that cannot be
// converted is never served. NULL passes through every transform unchanged (the field is then
// left out of the payload). Pure functions, safe from any thread.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/adapters/source_value.hpp"
#include "cxgw/core/result.hpp"

namespace cxgw::adapters {

struct Transform {
  enum class Kind {
    kDate,           // -> "YYYY-MM-DD", the calendar date in `timezone`
    kDateTime,       // -> ISO 8601 with "Z" (UTC) or the offset of `timezone`
    kCountryAlpha3,  // ISO 3166 alpha-2 (or alpha-3) -> alpha-3
    kUnit,           // an ERP unit ("mm", "kg", "pcs", …) -> a SAMM unit ("unit:millimetre", …)
    kValueMap,       // enum/value map, with an optional default
    kJsonPath,       // a member of a json/jsonb value, e.g. ["en"] of {"de":…,"en":…}
    kText,           // to a JSON string
    kNumber,         // to a JSON number
    kInteger,        // to a JSON integer
    kBoolean,        // to a JSON boolean
    kTrim,           // strip surrounding white space
    kUpper,          // ASCII upper case
  };

  Kind kind = Kind::kText;
  // kDate/kDateTime: the IANA zone in which timestamps without time zone are read and in which
  // the result is written; "UTC" by default.
  std::string timezone = "UTC";
  std::map<std::string, std::string> value_map;  // kValueMap
  std::optional<std::string> map_default;        // kValueMap: for values not in the map
  std::vector<std::string> json_path;            // kJsonPath
};

// Whether `name` is a time zone of the system's tz database ("Europe/Berlin", "UTC", …).
bool isKnownTimezone(const std::string& name);

// The SAMM unit for an ERP unit spelling, or nullopt. Case-sensitive where SI is ("mm" vs
// "Mm"); values that already are "unit:…" pass through.
std::optional<std::string> sammUnitFor(const std::string& erp_unit);

Result<SourceValue> applyTransform(const Transform& transform, const SourceValue& value);

}  // namespace cxgw::adapters
