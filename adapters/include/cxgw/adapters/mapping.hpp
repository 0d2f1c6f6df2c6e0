#pragma once
// The ERP mapping language: one YAML file per ERP source, written by the supplier's IT, that
// says how rows of SQL queries become digital twins and Catena-X aspect payloads. The
// language is documented in docs/mapping.md; this is its parsed, immutable form.
//
// loadMapping() checks everything that can be checked without a database: structure, unknown
// keys, aspect URNs, transforms, time zones, and that every column an expression uses is one a
// stream can provide. Errors name the file, the line and the key path, e.g.
// "erp.yaml:41: aspects[1].payload.childItems.each_row.quantity.value: unknown transform 'kg'".

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/adapters/source_value.hpp"
#include "cxgw/adapters/value_transform.hpp"
#include "cxgw/core/result.hpp"
#include "cxgw/schemas/aspect_urn.hpp"

namespace cxgw::adapters {

// Where a value comes from, then what is done to it.
struct ValueExpression {
  enum class Source {
    kColumn,    // a column of the stream's query
    kConstant,  // a literal
    kConfig,    // a gateway setting, e.g. supplier.bpnl
    kTwinId,    // the globalAssetId of the row's twin
    kTwinRef,   // the globalAssetId of another twin, by its class and key columns
    kTemplate,  // text with {column} placeholders
  };
  Source source = Source::kConstant;
  std::string name;  // column, config key, or template text
  SourceValue constant;
  std::string ref_class;                 // kTwinRef
  std::vector<std::string> ref_columns;  // kTwinRef: this query's columns holding the key
  std::vector<Transform> transforms;
  std::string path;  // key path in the mapping file, for messages
  int line = 0;

  // Columns of the query this expression reads.
  std::vector<std::string> columns() const;
};

// The shape of a payload: objects and fixed arrays mirror the JSON; leaves are expressions;
// an each-row array has one element per row of the twin's row group.
struct PayloadTemplate {
  enum class Kind { kObject, kArray, kValue, kEachRow };
  Kind kind = Kind::kObject;
  std::vector<std::pair<std::string, PayloadTemplate>> members;  // kObject
  std::vector<PayloadTemplate> elements;  // kArray; kEachRow: exactly one, the item
  ValueExpression value;                  // kValue
  std::string when_present;               // kEachRow: rows where this column is NULL add no element
  bool distinct = true;                   // kEachRow: equal elements are written once
  std::string path;
  int line = 0;
};

// Incremental sync: the columns, in order, that only grow as rows change (e.g. updated_at
// then id as tie-breaker). Rows are read in this order.
struct Watermark {
  std::vector<std::string> columns;
};

struct WithdrawCondition {
  std::string column;
  std::vector<std::string> values;  // withdraw the twin when the column has one of these
};

// A query returning the key columns of deleted records, with its own watermark.
struct DeletionFeed {
  std::string query;
  Watermark watermark;
  int line = 0;
};

// How one class of twins (e.g. serialized parts) is read: its own query, one twin per
// distinct key. Twins are synced before the aspects that attach to them.
struct TwinMapping {
  std::string twin_class;
  std::string query;
  std::vector<std::string> key_columns;
  std::string digital_twin_type;  // "PartInstance" or "PartType"
  ValueExpression id_short;
  std::vector<std::pair<std::string, ValueExpression>> specific_asset_ids;
  std::optional<ValueExpression> visible_to;  // a BPNL per row; a twin's rows are united
  std::optional<Watermark> incremental;
  std::optional<WithdrawCondition> withdraw_when;
  std::optional<DeletionFeed> deletions;
  int line = 0;
};

// One aspect produced from a query: a payload per twin, built from the twin's row group.
struct AspectMapping {
  std::string name;  // the stream name, unique in the file
  std::string twin_class;
  schemas::AspectUrn urn;
  std::string query;
  std::vector<std::string> key_columns;  // of the twin, as this query names them
  std::optional<Watermark> incremental;
  PayloadTemplate payload;
  int line = 0;
};

struct SourceSettings {
  std::string name;
  std::string connection;    // libpq key=value form, without a password
  std::string password_env;  // environment variable with the password, if any
  std::string sslmode;       // disable | allow | prefer | require | verify-ca | verify-full
  std::chrono::milliseconds statement_timeout{60'000};
  size_t batch_size = 5000;
  std::chrono::milliseconds poll_interval{60'000};
  std::string notify_channel;    // LISTEN channel for real-time sync; empty: poll only
  std::string timezone = "UTC";  // zone of ERP timestamps without time zone
};

struct Mapping {
  std::filesystem::path file;
  SourceSettings source;
  std::vector<TwinMapping> twins;
  std::vector<AspectMapping> aspects;

  const TwinMapping* twinClass(const std::string& name) const;
};

// Gateway settings a mapping may read with {config: …}.
struct MappingContext {
  std::map<std::string, std::string> config_values;  // e.g. "supplier.bpnl" -> "BPNL…"
};

Result<Mapping> loadMapping(const std::filesystem::path& file, const MappingContext& context);

}  // namespace cxgw::adapters
