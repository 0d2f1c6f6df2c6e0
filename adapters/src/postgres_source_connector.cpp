#include <pqxx/pqxx>

#include "cxgw/adapters/source_connector.hpp"

namespace cxgw::adapters {
namespace {

// Built-in type OIDs (pg_type.h); stable across PostgreSQL versions.
ValueKind kindOfType(pqxx::oid type) {
  switch (type) {
    case 16:
      return ValueKind::kBoolean;
    case 20:
    case 21:
    case 23:
      return ValueKind::kInteger;
    case 700:
    case 701:
    case 1700:
      return ValueKind::kNumber;
    case 114:
    case 3802:
      return ValueKind::kJson;
    case 1082:
      return ValueKind::kDate;
    case 1114:
      return ValueKind::kTimestamp;
    case 1184:
      return ValueKind::kTimestampTz;
    default:
      return ValueKind::kText;
  }
}

// One field of a COPY text-format line, unescaped; "\N" is NULL. Most fields hold no backslash
// and are copied whole; otherwise the runs between escapes are.
SourceValue copyField(std::string_view field, ValueKind kind) {
  if (field == "\\N") return SourceValue{};
  std::string text;
  size_t escape = field.find('\\');
  if (escape == std::string_view::npos) {
    text.assign(field);
  } else {
    text.reserve(field.size());
    size_t run = 0;
    for (; escape != std::string_view::npos; escape = field.find('\\', run)) {
      text.append(field, run, escape - run);
      if (escape + 1 == field.size()) {  // a lone backslash at the end stays itself
        run = escape;
        break;
      }
      // \n \t \r \b \f \v; a backslash before any other byte (itself included) is dropped.
      constexpr std::string_view kLetters = "ntrbfv";
      constexpr std::string_view kBytes = "\n\t\r\b\f\v";
      const char next = field[escape + 1];
      const size_t letter = kLetters.find(next);
      text.push_back(letter == std::string_view::npos ? next : kBytes[letter]);
      run = escape + 2;
    }
    text.append(field, run);
  }
  if (kind == ValueKind::kBoolean) text = text == "t" ? "true" : "false";
  return SourceValue{kind, std::move(text)};
}

Error sourceError(const std::exception& e) {
  const bool connection = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr;
  return Error{connection ? ErrorCode::kUnavailable : ErrorCode::kInvalidArgument,
               std::string("ERP source: ") + e.what(), "", "", 0};
}

class PostgresSourceConnector final : public SourceConnector {
 public:
  PostgresSourceConnector(std::unique_ptr<pqxx::connection> connection, std::string channel)
      : connection_(std::move(connection)), channel_(std::move(channel)) {}

  Result<std::vector<QueryColumn>> describe(const std::string& query) override {
    try {
      pqxx::work tx(*connection_);
      const pqxx::result result = tx.exec("SELECT * FROM (" + query + ") cxgw_q LIMIT 0");
      return columnsOf(tx, result);
    } catch (const std::exception& e) {
      return sourceError(e);
    }
  }

  Status stream(const std::string& query, size_t batch_size,
                const std::function<Status(const std::vector<QueryColumn>&,
                                           std::vector<SourceRow>&)>& on_batch) override {
    try {
      pqxx::work tx(*connection_);
      const std::vector<QueryColumn> columns =
          columnsOf(tx, tx.exec("SELECT * FROM (" + query + ") cxgw_q LIMIT 0"));
      // COPY streams rows as the server produces them, with no per-row round trip.
      pqxx::stream_from copy(tx, "(" + query + ")");
      std::vector<SourceRow> batch;
      batch.reserve(batch_size);
      std::string line;
      while (copy.get_raw_line(line)) {
        if (!line.empty() && line.back() == '\n') line.pop_back();  // libpqxx 6 keeps it
        SourceRow row;
        row.reserve(columns.size());
        size_t start = 0;
        for (size_t i = 0; i < columns.size(); ++i) {
          const size_t tab = line.find('\t', start);
          const size_t end = tab == std::string::npos ? line.size() : tab;
          row.push_back(
              copyField(std::string_view(line).substr(start, end - start), columns[i].kind));
          start = end + 1;
        }
        batch.push_back(std::move(row));
        if (batch.size() >= batch_size) {
          if (Status status = on_batch(columns, batch); !status) {
            abandon(copy);
            return status;
          }
          batch.clear();
        }
      }
      copy.complete();
      if (!batch.empty() || columns.empty()) {
        if (Status status = on_batch(columns, batch); !status) return status;
      }
      tx.commit();
      return {};
    } catch (const std::exception& e) {
      return sourceError(e);
    }
  }

  // Stops a COPY whose rows are no longer wanted: the server cancels the query instead of
  // sending the rest (possibly millions of rows) only to have them thrown away.
  void abandon(pqxx::stream_from& copy) {
    try {
      connection_->cancel_query();
      copy.complete();
    } catch (const std::exception&) {
      // "canceling statement due to user request": expected; the transaction rolls back.
    }
  }

  // The session runs with standard_conforming_strings on (see connectPostgresSource), where a
  // string literal escapes only its quote character. Needs no round trip, so it also works on a
  // connection that has just broken (the query using it then fails, with a clear error).
  std::string quote(const std::string& text) override {
    std::string out = "'";
    for (const char c : text) {
      if (c == '\'') out.push_back('\'');
      out.push_back(c);
    }
    return out + "'";
  }

  Result<bool> awaitNotification(std::chrono::milliseconds timeout) override {
    try {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
      const int received = connection_->await_notification(static_cast<long>(seconds.count()),
                                                           static_cast<long>(micros.count()));
      bool any = received > 0;
      while (connection_->get_notifs() > 0) any = true;  // drain a burst
      return any;
    } catch (const std::exception& e) {
      return sourceError(e);
    }
  }

  void listen() {
    if (channel_.empty()) return;
    pqxx::nontransaction tx(*connection_);
    tx.exec0("LISTEN " + tx.quote_name(channel_));
  }

 private:
  std::vector<QueryColumn> columnsOf(pqxx::transaction_base& tx, const pqxx::result& result) {
    std::vector<QueryColumn> columns;
    for (pqxx::row::size_type i = 0; i < result.columns(); ++i) {
      const pqxx::oid type = result.column_type(i);
      auto& name = type_names_[type];
      if (name.empty()) {
        name = tx.exec_params1("SELECT format_type($1, NULL)", type)[0].as<std::string>();
      }
      columns.push_back({result.column_name(i), kindOfType(type), name});
    }
    return columns;
  }

  std::unique_ptr<pqxx::connection> connection_;
  const std::string channel_;
  std::map<pqxx::oid, std::string> type_names_;
};

// The PostgreSQL quoting of a connection-string value.
std::string connectionValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

Result<std::unique_ptr<SourceConnector>> connectPostgresSource(const SourceSettings& settings,
                                                               const Environment& environment) {
  std::string conninfo = settings.connection + " application_name=cxgw";
  if (!settings.sslmode.empty()) conninfo += " sslmode=" + settings.sslmode;
  if (!settings.password_env.empty()) {
    const auto password = environment.find(settings.password_env);
    if (password == environment.end()) {
      return Error{ErrorCode::kInvalidArgument,
                   "the environment variable " + settings.password_env + " is not set",
                   "source.password_env", "", 0};
    }
    conninfo += " password=" + connectionValue(password->second);
  }
  // Session settings: read-only whatever the role may do, bounded statements, and values
  // printed in the forms the transforms read.
  conninfo +=
      " options=" + connectionValue(
                        "-c default_transaction_read_only=on -c standard_conforming_strings=on "
                        "-c statement_timeout=" +
                        std::to_string(settings.statement_timeout.count()) +
                        " -c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601");
  try {
    auto connection = std::make_unique<pqxx::connection>(conninfo);
    auto connector =
        std::make_unique<PostgresSourceConnector>(std::move(connection), settings.notify_channel);
    connector->listen();
    return std::unique_ptr<SourceConnector>(std::move(connector));
  } catch (const std::exception& e) {
    Error error = sourceError(e);
    error.code = ErrorCode::kUnavailable;
    return error;
  }
}

std::vector<std::unique_ptr<SourceConnector>> connectReadAhead(const SourceSettings& settings,
                                                               const Environment& environment,
                                                               size_t count) {
  SourceSettings quiet = settings;
  quiet.notify_channel.clear();
  std::vector<std::unique_ptr<SourceConnector>> connections;
  for (size_t i = 0; i < count; ++i) {
    auto connected = connectPostgresSource(quiet, environment);
    if (!connected) break;
    connections.push_back(std::move(connected).value());
  }
  return connections;
}

}  // namespace cxgw::adapters
