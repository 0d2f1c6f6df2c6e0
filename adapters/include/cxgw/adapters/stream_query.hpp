#pragma once
// The SQL the sync engine runs for one stream of a mapping (docs/mapping.md, section 7).
//
// The mapping's query is wrapped: SELECT * FROM (<query>) cxgw_s, then, on an incremental read,
// WHERE (<watermark columns>) > (<stored watermark>), and always ORDER BY the watermark
// columns, then the key columns.
//
// That WHERE runs after the query, so the query itself still reads every row; with a watermark
// computed over joins (greatest(...) of several tables' updated_at) no index can help. A query
// may therefore hold the placeholder :changed_since and restrict itself with it, e.g.
//   WHERE :changed_since IS NULL OR s.id IN (SELECT id FROM erp.serials
//                                             WHERE updated_at >= :changed_since UNION ...)
// On an incremental read it stands for the stored value of the first watermark column, as an
// SQL literal; on a full read, and before any watermark is stored, for NULL. PostgreSQL folds
// "NULL IS NULL OR ..." to true and "'<value>' IS NULL OR ..." to the rest while planning, so
// each run gets the plan its case needs.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxgw::adapters {

inline constexpr std::string_view kChangedSince = ":changed_since";

// Whether `query` holds :changed_since (as a name of its own: not :changed_since_x, not a
// ::changed_since cast).
bool usesChangedSince(std::string_view query);

// `query` with every :changed_since replaced by `literal` (an SQL literal, e.g. NULL).
std::string bindChangedSince(std::string_view query, std::string_view literal);

struct StreamRead {
  std::string query;                   // the mapping's query
  std::vector<std::string> watermark;  // watermark columns, empty for none
  std::vector<std::string> key;        // key columns
  // The stored watermark as SQL literals, one per watermark column; nothing for a full read.
  std::optional<std::vector<std::string>> after;
};

// The SQL of one read, as described above.
std::string streamReadSql(const StreamRead& read);

}  // namespace cxgw::adapters
