#include "cxgw/adapters/sync_engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "cxgw/adapters/row_renderer.hpp"
#include "cxgw/adapters/stream_query.hpp"
#include "cxgw/adapters/twin_identity.hpp"
#include "cxgw/core/bounded_queue.hpp"

namespace cxgw::adapters {
namespace {

using Clock = std::chrono::steady_clock;

std::string rowKeyText(const std::vector<std::string>& key_columns,
                       const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < key_columns.size(); ++i) {
    if (i > 0) out += ", ";
    out += key_columns[i] + "=" + (i < values.size() ? values[i] : "?");
  }
  return out;
}

}  // namespace

bool isBpnl(const std::string& text) {
  if (text.size() != 16 || text.compare(0, 4, "BPNL") != 0) return false;
  return std::all_of(text.begin() + 4, text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

// What one stream reads and how it turns a row group into a batch entry.
struct SyncEngine::Stream {
  enum class Kind { kTwins, kDeletions, kAspect } kind;
  std::string name;
  std::string query;
  std::vector<std::string> key_columns;
  const Watermark* watermark = nullptr;
  const TwinMapping* twin = nullptr;
  const AspectMapping* aspect = nullptr;
};

SyncEngine::SyncEngine(const Mapping& mapping, SourceConnector& source, store::StateStore& store,
                       const schemas::SchemaRegistry& schemas, std::string supplier_bpnl,
                       const std::vector<std::unique_ptr<SourceConnector>>& lookahead)
    : mapping_(mapping),
      source_(source),
      lookahead_([&lookahead] {
        std::vector<SourceConnector*> connections;
        for (const auto& connection : lookahead) connections.push_back(connection.get());
        return connections;
      }()),
      store_(store),
      schemas_(schemas),
      twin_namespace_(supplierTwinNamespace(supplier_bpnl)) {}

Result<SyncReport> SyncEngine::run(const SyncOptions& options) {
  std::vector<Stream> streams;
  for (const TwinMapping& twin : mapping_.twins) {
    streams.push_back({Stream::Kind::kTwins, "twin:" + twin.twin_class, twin.query,
                       twin.key_columns, twin.incremental ? &*twin.incremental : nullptr, &twin,
                       nullptr});
    if (twin.deletions) {
      streams.push_back({Stream::Kind::kDeletions, "deleted:" + twin.twin_class,
                         twin.deletions->query, twin.key_columns, &twin.deletions->watermark, &twin,
                         nullptr});
    }
  }
  for (const AspectMapping& aspect : mapping_.aspects) {
    streams.push_back({Stream::Kind::kAspect, aspect.name, aspect.query, aspect.key_columns,
                       aspect.incremental ? &*aspect.incremental : nullptr,
                       mapping_.twinClass(aspect.twin_class), &aspect});
  }
  // With n connections (the source plus the look-ahead ones), stream i reads on connection
  // i % n, and the queries of the next n - 1 streams start as soon as stream i's does; their
  // rows wait in their queues until their turn.
  std::vector<SourceConnector*> connections{&source_};
  connections.insert(connections.end(), lookahead_.begin(), lookahead_.end());
  const auto named = [](const Stream& stream, Error error) {
    error.message = "stream " + stream.name + ": " + error.message;
    return error;
  };
  SyncReport report;
  std::deque<std::unique_ptr<Reading>> readings;  // of streams i, i + 1, ...
  for (size_t i = 0; i < streams.size(); ++i) {
    const Stream& stream = streams[i];
    StreamReport stream_report;
    stream_report.stream = stream.name;
    const auto started = Clock::now();
    for (size_t j = i + readings.size(); j < streams.size() && j < i + connections.size(); ++j) {
      auto reading = startReading(streams[j], *connections[j % connections.size()], options);
      if (!reading) return named(streams[j], reading.error());
      readings.push_back(std::move(reading).value());
    }
    const std::unique_ptr<Reading> current = std::move(readings.front());
    readings.pop_front();
    Status status = runStream(stream, *current, options, stream_report);
    stream_report.elapsed = Clock::now() - started;
    report.streams.push_back(stream_report);
    if (!status) return named(stream, status.error());
  }
  return report;
}

// The read side of one stream: a thread streams its query into a bounded queue, so that the
// query can run (and sort) before the stream's turn comes.
struct SyncEngine::Reading {
  BoundedQueue<std::vector<SourceRow>> queue{2};
  // Set by the thread before it queues the first rows; read only after popping them.
  std::optional<ColumnIndex> index;
  std::vector<int> key_positions;
  std::vector<int> watermark_positions;
  std::optional<uint64_t> total;  // with count_first
  // Set by the thread before it closes the queue; read only after joining it.
  std::optional<Error> error;
  std::thread thread;

  ~Reading() { stop(); }
  // Stops the query (the thread's next push fails) and waits for the thread.
  void stop() {
    queue.close();
    if (thread.joinable()) thread.join();
  }
};

Result<std::unique_ptr<SyncEngine::Reading>> SyncEngine::startReading(const Stream& stream,
                                                                      SourceConnector& source,
                                                                      const SyncOptions& options) {
  std::optional<store::SyncWatermark> last;
  if (stream.watermark && !options.full) {
    auto stored = store_.watermark(mapping_.source.name, stream.name);
    if (!stored) return stored.error();
    last = stored.value();
  }
  StreamRead read{stream.query, {}, stream.key_columns, std::nullopt};
  if (stream.watermark) {
    read.watermark = stream.watermark->columns;
    if (last && last->values.size() == stream.watermark->columns.size()) {
      read.after.emplace();
      for (const auto& value : last->values) read.after->push_back(source.quote(value));
    }
  }
  const std::string sql = streamReadSql(read);

  auto reading = std::make_unique<Reading>();
  Reading& r = *reading;
  r.thread = std::thread([this, &r, &stream, &source, sql, count_first = options.count_first] {
    const auto streamed = [&]() -> Status {
      if (count_first) {
        Status counted = source.stream(
            "SELECT count(*) AS n FROM (" + sql + ") cxgw_c", 1,
            [&r](const std::vector<QueryColumn>&, std::vector<SourceRow>& rows) -> Status {
              if (!rows.empty() && !rows[0].empty()) r.total = std::stoull(rows[0][0].text);
              return {};
            });
        if (!counted) return counted;
      }
      return source.stream(
          sql, mapping_.source.batch_size,
          [&](const std::vector<QueryColumn>& columns, std::vector<SourceRow>& rows) -> Status {
            if (!r.index) {
              if (Status found = findColumns(stream, columns, r); !found) return found;
            }
            if (!r.queue.push(std::move(rows))) {
              return Error{ErrorCode::kUnavailable, "stopped", "", "", 0};  // stop() was called
            }
            rows.clear();
            return {};
          });
    }();
    if (!streamed) r.error = streamed.error();
    r.queue.close();
  });
  return reading;
}

Status SyncEngine::findColumns(const Stream& stream, const std::vector<QueryColumn>& columns,
                               Reading& reading) const {
  std::vector<std::string> names;
  for (const auto& column : columns) names.push_back(column.name);
  const ColumnIndex& index = reading.index.emplace(std::move(names));
  for (const auto& column : stream.key_columns) {
    reading.key_positions.push_back(index.find(column));
    if (index.find(column) < 0) {
      return Error{ErrorCode::kInvalidArgument, "the query has no key column '" + column + "'",
                   "key", mapping_.file.string(), 0};
    }
  }
  if (stream.watermark) {
    for (const auto& column : stream.watermark->columns) {
      const int position = index.find(column);
      if (position < 0) {
        return Error{ErrorCode::kInvalidArgument,
                     "the query has no watermark column '" + column + "'", "incremental",
                     mapping_.file.string(), 0};
      }
      reading.watermark_positions.push_back(position);
    }
  }
  if (stream.kind == Stream::Kind::kTwins && stream.twin->withdraw_when &&
      index.find(stream.twin->withdraw_when->column) < 0) {
    return Error{ErrorCode::kInvalidArgument,
                 "the query has no column '" + stream.twin->withdraw_when->column + "'",
                 "withdraw_when.column", mapping_.file.string(), 0};
  }
  return {};
}

Status SyncEngine::runStream(const Stream& stream, Reading& reading, const SyncOptions& options,
                             StreamReport& report) {
  const std::string& source_name = mapping_.source.name;
  // Row keys of this stream now in quarantine: those that validate this time leave it.
  auto quarantined_keys = store_.quarantinedRowKeys(source_name, stream.name);
  if (!quarantined_keys) return quarantined_keys.error();
  const std::set<std::string> quarantined = std::move(quarantined_keys).value();
  const std::optional<ColumnIndex>& index = reading.index;
  const std::vector<int>& key_positions = reading.key_positions;
  const std::vector<int>& watermark_positions = reading.watermark_positions;
  const std::optional<uint64_t>& total = reading.total;

  const auto started = Clock::now();
  std::vector<SourceRow> carried;  // rows of a group that may continue in the next batch
  const std::string aspect_urn = stream.aspect ? stream.aspect->urn.toString() : "";
  const std::string twin_label = stream.twin ? "twin:" + stream.twin->twin_class : "";

  // Turns the rows read so far into a batch of complete row groups; the last group may
  // continue in the next rows and is carried over unless this is the final call.
  const auto process = [&](std::vector<SourceRow>& rows,
                           bool final_batch) -> std::optional<store::SyncBatch> {
    std::vector<SourceRow> pending = std::move(carried);
    carried.clear();
    for (auto& row : rows) pending.push_back(std::move(row));
    if (pending.empty()) return std::nullopt;

    store::SyncBatch batch;
    batch.source = source_name;
    batch.stream = stream.name;
    // Groups of consecutive rows with equal keys; the last one may be incomplete.
    size_t group_start = 0;
    std::vector<const SourceRow*> group;
    const auto sameKey = [&](const SourceRow& a, const SourceRow& b) {
      for (int position : key_positions) {
        if (a[static_cast<size_t>(position)] != b[static_cast<size_t>(position)]) return false;
      }
      return true;
    };
    size_t end_of_complete = pending.size();
    if (!final_batch) {
      const SourceRow& final_row = pending.back();
      while (end_of_complete > 0 && sameKey(pending[end_of_complete - 1], final_row))
        --end_of_complete;
    }
    while (group_start < end_of_complete) {
      const SourceRow& first_of_group = pending[group_start];
      size_t group_end = group_start + 1;
      while (group_end < end_of_complete && sameKey(pending[group_end], first_of_group))
        ++group_end;
      group.clear();
      for (size_t i = group_start; i < group_end; ++i) group.push_back(&pending[i]);
      const SourceRow& first = *group.front();
      group_start = group_end;

      auto key_values = keyValues(stream.key_columns, *index, first);
      if (auto* issue = std::get_if<RenderIssue>(&key_values)) {
        batch.quarantined.push_back({"(row with NULL key)",
                                     stream.aspect ? aspect_urn : stream.name, issue->field,
                                     issue->reason, ""});
        continue;
      }
      const auto& values = std::get<std::vector<std::string>>(key_values);
      const std::string row_key = rowKeyText(stream.key_columns, values);
      const std::string id = twinGlobalAssetId(twin_namespace_, stream.twin->twin_class, values);
      const RenderContext context{id, twin_namespace_};
      const auto quarantine = [&](const std::string& urn, const std::string& field,
                                  const std::string& reason, const std::string& payload) {
        batch.quarantined.push_back({row_key, urn, field, reason, payload});
      };
      bool ok = true;

      switch (stream.kind) {
        case Stream::Kind::kDeletions:
          batch.withdrawals.push_back({id, "deleted in the ERP"});
          break;
        case Stream::Kind::kTwins: {
          const TwinMapping& twin = *stream.twin;
          if (twin.withdraw_when) {
            const int position = index->find(twin.withdraw_when->column);
            const SourceValue& flag = first[static_cast<size_t>(position)];
            if (!flag.isNull() &&
                std::find(twin.withdraw_when->values.begin(), twin.withdraw_when->values.end(),
                          flag.text) != twin.withdraw_when->values.end()) {
              batch.withdrawals.push_back({id, twin.withdraw_when->column + " is " + flag.text});
              break;
            }
          }
          store::Twin out;
          out.global_asset_id = id;
          out.digital_twin_type = twin.digital_twin_type;
          auto id_short = evaluate(twin.id_short, *index, first, context);
          if (auto* issue = std::get_if<RenderIssue>(&id_short)) {
            quarantine(twin_label, issue->field, issue->reason, "");
            ok = false;
            break;
          }
          out.id_short = std::get<SourceValue>(id_short).isNull()
                             ? row_key
                             : std::get<SourceValue>(id_short).text;
          for (const auto& [name, expression] : twin.specific_asset_ids) {
            auto value = evaluate(expression, *index, first, context);
            if (auto* issue = std::get_if<RenderIssue>(&value)) {
              quarantine(twin_label, issue->field, issue->reason, "");
              ok = false;
              break;
            }
            if (!std::get<SourceValue>(value).isNull()) {
              out.specific_asset_ids.push_back({name, std::get<SourceValue>(value).text});
            }
          }
          if (!ok) break;
          if (twin.visible_to) {
            std::set<std::string> partners;
            for (const SourceRow* row : group) {
              auto value = evaluate(*twin.visible_to, *index, *row, context);
              if (auto* issue = std::get_if<RenderIssue>(&value)) {
                quarantine(twin_label, issue->field, issue->reason, "");
                ok = false;
                break;
              }
              const SourceValue& bpn = std::get<SourceValue>(value);
              if (bpn.isNull()) continue;
              if (!isBpnl(bpn.text) && bpn.text != store::kPublicReadable) {
                quarantine(twin_label, twin.visible_to->path,
                           "partner BPN '" + bpn.text +
                               "' is not a valid BPNL (nor PUBLIC_READABLE); the twin is not "
                               "created or updated until it is fixed",
                           "");
                ok = false;
                break;
              }
              partners.insert(bpn.text);
            }
            out.visible_to.assign(partners.begin(), partners.end());
          }
          if (!ok) break;
          batch.twins.push_back(std::move(out));
          break;
        }
        case Stream::Kind::kAspect: {
          const AspectMapping& aspect = *stream.aspect;
          auto rendered = renderPayload(aspect.payload, *index, group, context);
          if (auto* issue = std::get_if<RenderIssue>(&rendered)) {
            quarantine(aspect_urn, issue->field, issue->reason, "");
            ok = false;
            break;
          }
          std::string& payload = std::get<std::string>(rendered);
          if (auto invalid = schemas_.validate(aspect.urn, payload)) {
            quarantine(aspect_urn, invalid->field, invalid->reason, payload);
            ok = false;
            break;
          }
          batch.aspects.push_back({id, aspect_urn, std::move(payload), row_key});
          break;
        }
      }
      if (ok && quarantined.count(row_key) > 0) batch.cleared_row_keys.push_back(row_key);
    }
    for (size_t i = end_of_complete; i < pending.size(); ++i)
      carried.push_back(std::move(pending[i]));
    // The watermark of the last complete group, quarantined or not.
    if (!watermark_positions.empty() && end_of_complete > 0) {
      std::vector<std::string> mark;
      for (int position : watermark_positions)
        mark.push_back(pending[end_of_complete - 1][static_cast<size_t>(position)].text);
      batch.watermark = store::SyncWatermark{std::move(mark)};
    }

    if (batch.twins.empty() && batch.aspects.empty() && batch.withdrawals.empty() &&
        batch.quarantined.empty() && batch.cleared_row_keys.empty() && !batch.watermark) {
      return std::nullopt;
    }
    return batch;
  };

  // Reading the source, rendering and writing the store overlap: this thread renders, `reader`
  // streams the query and the writers commit, as many at once as the store can take. Bounded
  // queues between them keep at most a few batches in memory whatever the table size. The
  // writers take turns to commit, so batches (and their watermarks) take effect in order.
  struct Rendered {
    uint64_t turn = 0;
    std::optional<store::SyncBatch> batch;  // nothing to write, just progress
    uint64_t rows_read = 0;
  };
  BoundedQueue<Rendered> write_queue(2);
  std::mutex state_mutex;  // guards failure and next_turn
  std::condition_variable turn_changed;
  std::optional<Error> failure;
  uint64_t next_turn = 0;
  const auto fail = [&](Error error) {
    {
      std::lock_guard lock(state_mutex);
      if (!failure) failure = std::move(error);
    }
    turn_changed.notify_all();
    reading.queue.close();
    write_queue.close();
  };
  const auto failed = [&] {
    std::lock_guard lock(state_mutex);
    return failure.has_value();
  };

  const auto write = [&] {
    while (std::optional<Rendered> item = write_queue.pop()) {
      const auto awaitTurn = [&]() -> Status {
        std::unique_lock lock(state_mutex);
        turn_changed.wait(lock, [&] { return failure || next_turn == item->turn; });
        if (failure) return Error{ErrorCode::kUnavailable, "stopped", "", "", 0};
        return {};
      };
      if (item->batch) {
        auto outcome = store_.commit(*item->batch, awaitTurn);
        if (!outcome) {
          fail(outcome.error());  // a writer stopped by another's failure adds nothing
          return;
        }
        // Still this batch's turn: the next one cannot commit before it is advanced.
        report.twins += item->batch->twins.size();
        report.aspects_changed += outcome.value().aspects_changed;
        report.aspects_unchanged += outcome.value().aspects_unchanged;
        report.withdrawn += outcome.value().twins_withdrawn;
        report.quarantined += outcome.value().quarantined;
      } else if (Status waited = awaitTurn(); !waited) {
        return;
      }
      if (options.on_progress) {
        options.on_progress({stream.name, item->rows_read, total, Clock::now() - started, false});
      }
      {
        std::lock_guard lock(state_mutex);
        ++next_turn;
      }
      turn_changed.notify_all();
    }
  };
  std::vector<std::thread> writers;
  for (size_t i = 0; i < std::clamp<size_t>(store_.parallelCommits(), 1, 2); ++i) {
    writers.emplace_back(write);
  }

  uint64_t rows_read = 0;
  uint64_t turns = 0;
  bool open = true;
  while (std::optional<std::vector<SourceRow>> rows = reading.queue.pop()) {
    rows_read += rows->size();
    if (open) open = write_queue.push({turns++, process(*rows, false), rows_read});
  }
  reading.stop();
  if (reading.error) fail(*reading.error);  // after a failure of ours, it only says "stopped"
  if (!failed() && !carried.empty()) {
    std::vector<SourceRow> none;
    write_queue.push({turns++, process(none, true), rows_read});
  }
  write_queue.close();
  for (std::thread& writer : writers) writer.join();
  report.rows = rows_read;
  if (failure) return *failure;
  if (options.on_progress) {
    options.on_progress({stream.name, report.rows, total, Clock::now() - started, true});
  }
  return {};
}

}  // namespace cxgw::adapters
