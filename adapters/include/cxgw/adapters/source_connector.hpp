#pragma once
// The port through which the sync engine reads an ERP, and its PostgreSQL implementation.
//
// Every query runs read-only (default_transaction_read_only), under the mapping's statement
// timeout, with timestamps printed in UTC and ISO form. Results are streamed: at most
// `batch_size` rows are held at once, whatever the table size. Not thread-safe: one sync
// thread uses one connector.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/adapters/source_value.hpp"
#include "cxgw/core/config.hpp"
#include "cxgw/core/result.hpp"

namespace cxgw::adapters {

using SourceRow = std::vector<SourceValue>;

struct QueryColumn {
  std::string name;
  ValueKind kind = ValueKind::kText;
  std::string type_name;  // as the database names it, e.g. "timestamptz"
};

class SourceConnector {
 public:
  virtual ~SourceConnector() = default;

  // The columns `query` returns, found without reading its rows.
  virtual Result<std::vector<QueryColumn>> describe(const std::string& query) = 0;

  // Runs `query` and hands its rows to `on_batch`, at most `batch_size` at a time, in order.
  // A failing `on_batch` stops the query and its error is returned.
  virtual Status stream(const std::string& query, size_t batch_size,
                        const std::function<Status(const std::vector<QueryColumn>&,
                                                   std::vector<SourceRow>&)>& on_batch) = 0;

  // `text` as a SQL string literal, quoted for this database.
  virtual std::string quote(const std::string& text) = 0;

  // Waits up to `timeout` for a notification on the source's LISTEN channel; true when one
  // (or several) arrived. Without a channel it just waits.
  virtual Result<bool> awaitNotification(std::chrono::milliseconds timeout) = 0;
};

// Connects with the mapping's source settings; the password, if any, comes from the
// environment variable the mapping names. Fails with kUnavailable when the server cannot be
// reached and kInvalidArgument when the password variable is unset.
Result<std::unique_ptr<SourceConnector>> connectPostgresSource(const SourceSettings& settings,
                                                               const Environment& environment);

// Up to `count` more connections to the same source, for SyncEngine's read-ahead. They do not
// LISTEN. Fewer (or none) when the server refuses more: the engine works with any number.
std::vector<std::unique_ptr<SourceConnector>> connectReadAhead(const SourceSettings& settings,
                                                               const Environment& environment,
                                                               size_t count);

}  // namespace cxgw::adapters
