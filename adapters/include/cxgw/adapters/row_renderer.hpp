#pragma once
// Evaluates mapping expressions and payload templates over the rows of one twin.
//
// A twin's rows form a group (consecutive rows with the same key). Values outside an each-row
// array come from the group's first row; an each-row array has one element per row. A value
// that is NULL leaves its field out; an object left empty is left out too. A failed transform
// is returned as a RenderIssue naming the payload field (JSON Pointer) and the reason, so the
// row can be quarantined. Pure; safe from any thread.

#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/adapters/source_value.hpp"

namespace cxgw::adapters {

using SourceRow = std::vector<SourceValue>;

// Column names of a query result, by position.
class ColumnIndex {
 public:
  explicit ColumnIndex(std::vector<std::string> names);
  // Position of a column, or -1.
  int find(const std::string& name) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> positions_;
};

struct RenderIssue {
  std::string field;  // JSON Pointer into the payload, or the mapping key path
  std::string reason;
};

struct RenderContext {
  std::string global_asset_id;  // of the twin being rendered
  std::string twin_namespace;   // for twin_ref
};

// The value of `expression` for `row`, transforms applied.
std::variant<SourceValue, RenderIssue> evaluate(const ValueExpression& expression,
                                                const ColumnIndex& columns, const SourceRow& row,
                                                const RenderContext& context);

// The payload JSON for a twin's row group (at least one row).
std::variant<std::string, RenderIssue> renderPayload(const PayloadTemplate& payload,
                                                     const ColumnIndex& columns,
                                                     const std::vector<const SourceRow*>& rows,
                                                     const RenderContext& context);

// The key values of a row, in key order; a NULL key is an error naming the column.
std::variant<std::vector<std::string>, RenderIssue> keyValues(
    const std::vector<std::string>& key_columns, const ColumnIndex& columns, const SourceRow& row);

}  // namespace cxgw::adapters
