#include "cxgw/store/postgres_audit_trail.hpp"

#include <algorithm>
#include <condition_variable>
#include <future>
#include <iterator>
#include <limits>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "array_literal.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/store/audit_chain.hpp"
#include "postgres_migrations.hpp"

namespace cxgw::store {
namespace {

constexpr const char* kRecordColumns =
    "sequence, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "decision, scope, partner_bpn, partner_did, asset_id, twin_id, policy_id, policy_hash, "
    "agreement_id, reason, previous_hash, hash";

Error trailError(const std::exception& e) {
  return postgresError("PostgreSQL audit trail", e);
}

// A row of kRecordColumns, or why it cannot be read as a record.
Result<AuditRecord> toRecord(const pqxx::row& row) {
  AuditRecord record;
  record.sequence = row[0].as<int64_t>();
  auto time = parseIsoTimestampStrict(row[1].as<std::string>());
  if (!time) return Error{ErrorCode::kInternal, "its time cannot be read", "", "", 0};
  record.entry.time = time.value();
  const std::string decision = row[2].as<std::string>();
  const auto parsed = parseAuditDecision(decision);
  if (!parsed) {
    return Error{ErrorCode::kInternal, "decision '" + decision + "' is neither allow nor deny", "",
                 "", 0};
  }
  record.entry.decision = *parsed;
  record.entry.scope = row[3].as<std::string>();
  record.entry.partner_bpn = row[4].as<std::string>();
  record.entry.partner_did = row[5].as<std::string>();
  record.entry.asset_id = row[6].as<std::string>();
  record.entry.twin_id = row[7].as<std::string>();
  record.entry.policy_id = row[8].as<std::string>();
  record.entry.policy_hash = row[9].as<std::string>();
  record.entry.agreement_id = row[10].as<std::string>();
  record.entry.reason = row[11].as<std::string>();
  record.previous_hash = row[12].as<std::string>();
  record.hash = row[13].as<std::string>();
  return record;
}

class PostgresAuditTrail final : public AuditTrail {
 public:
  explicit PostgresAuditTrail(PostgresAuditTrailOptions options) : options_(std::move(options)) {}

  // Before any append: nothing else uses writer_ yet.
  Status open() {
    try {
      writer_ = std::make_unique<pqxx::connection>(options_.connection_string);
    } catch (const std::exception& e) {
      return trailError(e);
    }
    // Before the lock timeout applies: a replica may wait for another's migration.
    if (Status status = applyStoreMigrations(*writer_, 0); !status) return status;
    try {
      prepareWriter(*writer_);
    } catch (const std::exception& e) {
      return trailError(e);
    }
    committer_ = std::thread([this] { commitQueued(); });
    return {};
  }

  ~PostgresAuditTrail() override {
    {
      std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    queued_.notify_one();
    if (committer_.joinable()) committer_.join();
  }

  using AuditTrail::append;
  Result<std::vector<AuditRecord>> append(const std::vector<AuditEntry>& entries) override {
    // Shared with the callback, so that the promise outlives its set_value() on the committer.
    auto outcome = std::make_shared<std::promise<Result<std::vector<AuditRecord>>>>();
    auto stored = outcome->get_future();
    appendThen(entries, [outcome](Result<std::vector<AuditRecord>> records) {
      outcome->set_value(std::move(records));
    });
    return stored.get();
  }

  // Group commit: the committer thread writes the entries of every append queued at that moment
  // in one transaction, while later appends queue for the next one.
  void appendThen(std::vector<AuditEntry> entries, AppendDone done) override {
    for (size_t i = 0; i < entries.size(); ++i) {
      if (Status status = validateAuditEntry(entries[i], i); !status) {
        done(status.error());
        return;
      }
    }
    if (entries.empty()) {
      done(std::vector<AuditRecord>());
      return;
    }
    {
      std::lock_guard lock(queue_mutex_);
      if (!stopping_) {
        queue_.push_back({std::move(entries), std::move(done)});
        done = nullptr;
      }
    }
    if (done) {
      done(Error{ErrorCode::kUnavailable, "the audit trail is closing", "", "", 0});
      return;
    }
    queued_.notify_one();
  }

  Result<std::vector<AuditRecord>> query(const AuditQuery& query) override {
    std::lock_guard lock(reader_mutex_);
    try {
      ensureReader();
      pqxx::read_transaction tx(*reader_);
      std::string sql = std::string("SELECT ") + kRecordColumns +
                        " FROM cxgw_audit_records WHERE sequence > " +
                        tx.quote(query.after_sequence);
      if (!query.partner.empty()) {
        sql += " AND (partner_bpn = " + tx.quote(query.partner) +
               " OR partner_did = " + tx.quote(query.partner) + ")";
      }
      if (!query.asset.empty()) {
        sql += " AND (asset_id = " + tx.quote(query.asset) +
               " OR twin_id = " + tx.quote(query.asset) + ")";
      }
      if (query.decision) {
        sql += " AND decision = " + tx.quote(std::string(auditDecisionName(*query.decision)));
      }
      if (query.since)
        sql += " AND recorded_at >= " + tx.quote(formatIsoTimestampMicros(*query.since));
      if (query.until)
        sql += " AND recorded_at < " + tx.quote(formatIsoTimestampMicros(*query.until));
      const size_t limit = std::min<size_t>(query.limit, std::numeric_limits<int64_t>::max());
      sql += " ORDER BY sequence LIMIT " + std::to_string(limit);
      std::vector<AuditRecord> out;
      for (const auto& row : tx.exec(sql)) {
        auto record = toRecord(row);
        if (!record) {
          Error error = record.error();
          error.message = "record " + row[0].as<std::string>() + ": " + error.message +
                          "; run `cxgw audit verify`";
          return error;
        }
        out.push_back(std::move(record).value());
      }
      return out;
    } catch (const std::exception& e) {
      return trailError(e);
    }
  }

  Result<AuditVerification> verify() override {
    std::lock_guard lock(reader_mutex_);
    try {
      ensureReader();
      // One snapshot: appends committed meanwhile move neither the records read nor the head.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(*reader_);
      const pqxx::result head_rows =
          tx.exec("SELECT sequence, hash FROM cxgw_audit_head WHERE singleton");
      AuditChainVerifier verifier;
      int64_t after = 0;
      bool more = true;
      while (more) {
        const pqxx::result page = tx.exec_params(
            std::string("SELECT ") + kRecordColumns +
                " FROM cxgw_audit_records WHERE sequence > $1 ORDER BY sequence LIMIT $2",
            after, static_cast<int64_t>(options_.verify_page_size));
        more = page.size() == options_.verify_page_size;
        for (const auto& row : page) {
          auto record = toRecord(row);
          if (!record) {
            verifier.addUnreadable(row[0].as<int64_t>(), record.error().message + " (edited)");
            more = false;
            break;
          }
          if (!verifier.add(record.value())) {
            more = false;
            break;
          }
          after = record.value().sequence;
        }
      }
      if (head_rows.empty()) {
        AuditVerification result = verifier.finish(verifier.last());
        result.head = AuditHead{0, ""};
        if (!result.first_break) {
          result.first_break = AuditChainBreak{
              after, "the head row of cxgw_audit_head is missing (the head was deleted)"};
        }
        return result;
      }
      return verifier.finish(
          AuditHead{head_rows[0][0].as<int64_t>(), head_rows[0][1].as<std::string>()});
    } catch (const std::exception& e) {
      return trailError(e);
    }
  }

 private:
  // One append's entries, waiting for a commit.
  struct Pending {
    std::vector<AuditEntry> entries;
    AppendDone done;
  };

  // The committer thread: until the trail closes and its queue is empty.
  void commitQueued() {
    std::unique_lock lock(queue_mutex_);
    for (;;) {
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::vector<Pending> group;
      group.swap(queue_);
      lock.unlock();
      commitGroup(group);
      lock.lock();
    }
  }

  // Appends the entries of `group` in one transaction and hands each append its records, or
  // all of them the error.
  void commitGroup(std::vector<Pending>& group) {
    Result<std::vector<AuditRecord>> written = std::vector<AuditRecord>();
    std::vector<size_t> sizes;  // of each append, whose entries move into the group's
    try {
      std::vector<AuditEntry> all;
      for (Pending& pending : group) {
        sizes.push_back(pending.entries.size());
        std::move(pending.entries.begin(), pending.entries.end(), std::back_inserter(all));
      }
      written = write(all);
    } catch (const std::exception& e) {  // out of memory: fail the group, never the queue
      written = trailError(e);
    }
    auto next = written ? written.value().begin() : std::vector<AuditRecord>::iterator();
    for (size_t i = 0; i < group.size(); ++i) {
      Result<std::vector<AuditRecord>> outcome = std::vector<AuditRecord>();
      if (!written) {
        outcome = written.error();
      } else {
        const auto end = next + static_cast<std::ptrdiff_t>(sizes[i]);
        try {
          outcome =
              std::vector<AuditRecord>(std::make_move_iterator(next), std::make_move_iterator(end));
        } catch (const std::exception& e) {
          outcome = trailError(e);
        }
        next = end;
      }
      group[i].done(std::move(outcome));
    }
  }

  Result<std::vector<AuditRecord>> write(const std::vector<AuditEntry>& entries) {
    try {
      if (!writer_ || !writer_->is_open()) {
        auto connection = std::make_unique<pqxx::connection>(options_.connection_string);
        prepareWriter(*connection);
        writer_ = std::move(connection);
      }
      pqxx::work tx(*writer_);
      const pqxx::row head_row = tx.exec_prepared1(kLockHead);
      const AuditHead head{head_row[0].as<int64_t>(), head_row[1].as<std::string>()};
      std::vector<AuditRecord> records = chainAuditEntries(head, entries);
      // One column array per record field, in kAppend's parameter order.
      std::vector<std::vector<std::string>> columns(14);
      for (auto& column : columns) column.reserve(records.size());
      for (const AuditRecord& record : records) {
        const AuditEntry& e = record.entry;
        size_t c = 0;
        for (std::string value :
             {std::to_string(record.sequence), formatIsoTimestampMicros(e.time),
              std::string(auditDecisionName(e.decision)), e.scope, e.partner_bpn, e.partner_did,
              e.asset_id, e.twin_id, e.policy_id, e.policy_hash, e.agreement_id, e.reason,
              record.previous_hash, record.hash}) {
          columns[c++].push_back(std::move(value));
        }
      }
      tx.exec_prepared0(
          kAppend, arrayLiteral(columns[0]), arrayLiteral(columns[1]), arrayLiteral(columns[2]),
          arrayLiteral(columns[3]), arrayLiteral(columns[4]), arrayLiteral(columns[5]),
          arrayLiteral(columns[6]), arrayLiteral(columns[7]), arrayLiteral(columns[8]),
          arrayLiteral(columns[9]), arrayLiteral(columns[10]), arrayLiteral(columns[11]),
          arrayLiteral(columns[12]), arrayLiteral(columns[13]), records.back().sequence,
          records.back().hash);
      if (options_.before_commit) {
        if (Status status = options_.before_commit(); !status) return status.error();
      }
      tx.commit();
      return records;
    } catch (const std::exception& e) {
      return trailError(e);
    }
  }

  // The writer's session: the lock timeout of every append, and the append's two statements,
  // prepared once. A group holds a few records (3.4 on average under the serving benchmark),
  // which the insert from arrays writes in about half the server time of a COPY and an UPDATE.
  static constexpr const char* kLockHead = "cxgw_audit_lock_head";
  static constexpr const char* kAppend = "cxgw_audit_append";
  void prepareWriter(pqxx::connection& connection) const {
    {
      pqxx::nontransaction tx(connection);
      tx.exec0("SET lock_timeout = " +
               tx.quote(std::to_string(options_.lock_timeout.count()) + "ms"));
    }
    connection.prepare(kLockHead,
                       "SELECT sequence, hash FROM cxgw_audit_head WHERE singleton FOR UPDATE");
    // A data-modifying WITH runs once whether or not anything reads it.
    connection.prepare(
        kAppend,
        "WITH appended AS (INSERT INTO cxgw_audit_records (sequence, recorded_at, decision, "
        "scope, partner_bpn, partner_did, asset_id, twin_id, policy_id, policy_hash, "
        "agreement_id, reason, previous_hash, hash) SELECT * FROM unnest($1::bigint[], "
        "$2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
        "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], "
        "$14::text[])) "
        "UPDATE cxgw_audit_head SET sequence = $15, hash = $16, updated_at = now() "
        "WHERE singleton");
  }

  void ensureReader() {
    if (!reader_ || !reader_->is_open()) {
      reader_ = std::make_unique<pqxx::connection>(options_.connection_string);
    }
  }

  const PostgresAuditTrailOptions options_;
  std::mutex queue_mutex_;  // guards queue_ and stopping_
  std::condition_variable queued_;
  std::vector<Pending> queue_;  // appends waiting for the next commit
  bool stopping_ = false;
  std::unique_ptr<pqxx::connection> writer_;  // the committer thread's alone, once it runs
  std::mutex reader_mutex_;                   // guards reader_, which serves query() and verify()
  std::unique_ptr<pqxx::connection> reader_;
  std::thread committer_;
};

}  // namespace

Result<std::unique_ptr<AuditTrail>> openPostgresAuditTrail(PostgresAuditTrailOptions options) {
  if (options.verify_page_size == 0) {
    return Error{ErrorCode::kInvalidArgument, "verify_page_size must be at least 1",
                 "verify_page_size", "", 0};
  }
  auto trail = std::make_unique<PostgresAuditTrail>(std::move(options));
  if (Status status = trail->open(); !status) return status.error();
  return std::unique_ptr<AuditTrail>(std::move(trail));
}

}  // namespace cxgw::store
