#pragma once
// A value read from the ERP, or produced from one by a mapping transform.

#include <string>

namespace cxgw::adapters {

enum class ValueKind {
  kNull,
  kText,
  kInteger,      // text holds the decimal digits
  kNumber,       // text holds a decimal number as PostgreSQL prints it
  kBoolean,      // text is "true" or "false"
  kJson,         // text is JSON (json/jsonb columns)
  kDate,         // "2026-11-23"
  kTimestamp,    // without time zone: "2026-11-23 07:00:00.123"
  kTimestampTz,  // with offset: "2026-11-23 07:00:00.123+00"
};

struct SourceValue {
  ValueKind kind = ValueKind::kNull;
  std::string text;

  bool isNull() const { return kind == ValueKind::kNull; }
  friend bool operator==(const SourceValue&, const SourceValue&) = default;
};

}  // namespace cxgw::adapters
