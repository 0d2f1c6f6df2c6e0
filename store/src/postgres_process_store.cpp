#include "cxgw/store/postgres_process_store.hpp"

#include <mutex>
#include <pqxx/pqxx>
#include <type_traits>
#include <utility>
#include <vector>

#include "change_subscribers.hpp"
#include "cxgw/core/timestamp.hpp"
#include "postgres_connection_pool.hpp"
#include "postgres_migrations.hpp"
#include "postgres_notification_listener.hpp"
#include "process_records.hpp"

namespace cxgw::store {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// Times as text in UTC with six fraction digits: exact, and read by parseIsoTimestampStrict.
constexpr const char* kNegotiationColumns =
    "id, role, provider_pid, consumer_pid, counterparty_bpn, counterparty_address, protocol, "
    "state, asset_id, offer_id, contract_definition_id, policy_json, agreement_id, error_detail, "
    "version, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

constexpr const char* kTransferColumns =
    "id, role, provider_pid, consumer_pid, agreement_id, asset_id, counterparty_bpn, "
    "counterparty_address, protocol, transfer_type, state, data_address_json, error_detail, "
    "version, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

constexpr const char* kAgreementColumns =
    "id, negotiation_id, role, asset_id, provider_bpn, consumer_bpn, policy_json, "
    "to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "to_char(retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "retired_reason";

Error processStoreError(const std::exception& e) {
  return postgresError("PostgreSQL process store", e);
}

Error unreadable(const char* kind, const std::string& id, const std::string& why) {
  return Error{ErrorCode::kInternal, "stored " + std::string(kind) + " '" + id + "': " + why, "",
               "", 0};
}

std::string timeText(TimePoint time) {
  return formatIsoTimestampMicros(storedTime(time));
}

// Reads the fields of a row in order, remembering the first that cannot be read.
class RowReader {
 public:
  RowReader(const pqxx::row& row, const char* kind) : row_(row), kind_(kind) {}

  std::string text() { return row_[next_++].as<std::string>(); }
  int64_t integer() { return row_[next_++].as<int64_t>(); }
  ProcessRole role() {
    const std::string name = text();
    const auto role = parseProcessRole(name);
    if (!role) fail("role '" + name + "' is neither provider nor consumer");
    return role.value_or(ProcessRole::kProvider);
  }
  TimePoint time() {
    const std::string value = text();
    auto parsed = parseIsoTimestampStrict(value);
    if (!parsed) fail("time '" + value + "' cannot be read");
    return parsed ? parsed.value() : TimePoint();
  }
  std::optional<TimePoint> optionalTime() {
    if (row_[next_].is_null()) {
      ++next_;
      return std::nullopt;
    }
    return time();
  }

  template <typename Record>
  Result<Record> finish(Record record) {
    if (error_) return unreadable(kind_, record.id, *error_);
    return record;
  }

 private:
  void fail(std::string why) {
    if (!error_) error_ = std::move(why);
  }

  const pqxx::row& row_;
  const char* const kind_;
  pqxx::row::size_type next_ = 0;
  std::optional<std::string> error_;
};

Result<ContractNegotiationRecord> toNegotiation(const pqxx::row& row) {
  RowReader in(row, "negotiation");
  ContractNegotiationRecord r;
  r.id = in.text();
  r.role = in.role();
  r.provider_pid = in.text();
  r.consumer_pid = in.text();
  r.counterparty_bpn = in.text();
  r.counterparty_address = in.text();
  r.protocol = in.text();
  r.state = in.text();
  r.asset_id = in.text();
  r.offer_id = in.text();
  r.contract_definition_id = in.text();
  r.policy_json = in.text();
  r.agreement_id = in.text();
  r.error_detail = in.text();
  r.version = in.integer();
  r.created_at = in.time();
  r.updated_at = in.time();
  return in.finish(std::move(r));
}

Result<TransferProcessRecord> toTransfer(const pqxx::row& row) {
  RowReader in(row, "transfer");
  TransferProcessRecord r;
  r.id = in.text();
  r.role = in.role();
  r.provider_pid = in.text();
  r.consumer_pid = in.text();
  r.agreement_id = in.text();
  r.asset_id = in.text();
  r.counterparty_bpn = in.text();
  r.counterparty_address = in.text();
  r.protocol = in.text();
  r.transfer_type = in.text();
  r.state = in.text();
  r.data_address_json = in.text();
  r.error_detail = in.text();
  r.version = in.integer();
  r.created_at = in.time();
  r.updated_at = in.time();
  return in.finish(std::move(r));
}

Result<ContractAgreementRecord> toAgreement(const pqxx::row& row) {
  RowReader in(row, "agreement");
  ContractAgreementRecord r;
  r.id = in.text();
  r.negotiation_id = in.text();
  r.role = in.role();
  r.asset_id = in.text();
  r.provider_bpn = in.text();
  r.consumer_bpn = in.text();
  r.policy_json = in.text();
  r.signed_at = in.time();
  r.retired_at = in.optionalTime();
  r.retired_reason = in.text();
  return in.finish(std::move(r));
}

// What the store does with each kind of process row; the SQL differs only in the columns.
struct NegotiationTable {
  using Record = ContractNegotiationRecord;
  static constexpr const char* kKind = "negotiation";
  static constexpr const char* kTable = "cxgw_negotiations";
  static constexpr const char* kById = "cxgw_negotiation_by_id";
  static const char* columns() { return kNegotiationColumns; }
  static Result<Record> read(const pqxx::row& row) { return toNegotiation(row); }

  static void insert(pqxx::work& tx, const Record& r) {
    tx.exec_params0(
        "INSERT INTO cxgw_negotiations (id, role, provider_pid, consumer_pid, counterparty_bpn, "
        "counterparty_address, protocol, state, asset_id, offer_id, contract_definition_id, "
        "policy_json, agreement_id, error_detail, version, created_at, updated_at) VALUES ($1, "
        "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15::timestamptz, "
        "$16::timestamptz)",
        r.id, std::string(processRoleName(r.role)), r.provider_pid, r.consumer_pid,
        r.counterparty_bpn, r.counterparty_address, r.protocol, r.state, r.asset_id, r.offer_id,
        r.contract_definition_id, r.policy_json, r.agreement_id, r.error_detail,
        timeText(r.created_at), timeText(r.updated_at));
  }

  // The compare-and-swap: a row only when the version and the fixed fields match.
  static pqxx::result update(pqxx::work& tx, const Record& r) {
    return tx.exec_params(
        std::string("UPDATE cxgw_negotiations SET provider_pid = $3, consumer_pid = $4, "
                    "counterparty_bpn = $5, counterparty_address = $6, protocol = $7, state = $8, "
                    "asset_id = $9, offer_id = $10, contract_definition_id = $11, "
                    "policy_json = $12, agreement_id = $13, error_detail = $14, "
                    "version = version + 1, updated_at = clock_timestamp() "
                    "WHERE id = $1 AND role = $2 AND version = $15 "
                    "AND created_at = $16::timestamptz AND provider_pid IN ('', $3) "
                    "AND consumer_pid IN ('', $4) RETURNING ") +
            kNegotiationColumns,
        r.id, std::string(processRoleName(r.role)), r.provider_pid, r.consumer_pid,
        r.counterparty_bpn, r.counterparty_address, r.protocol, r.state, r.asset_id, r.offer_id,
        r.contract_definition_id, r.policy_json, r.agreement_id, r.error_detail, r.version,
        timeText(r.created_at));
  }
};

struct TransferTable {
  using Record = TransferProcessRecord;
  static constexpr const char* kKind = "transfer";
  static constexpr const char* kTable = "cxgw_transfers";
  static constexpr const char* kById = "cxgw_transfer_by_id";
  static const char* columns() { return kTransferColumns; }
  static Result<Record> read(const pqxx::row& row) { return toTransfer(row); }

  static void insert(pqxx::work& tx, const Record& r) {
    tx.exec_params0(
        "INSERT INTO cxgw_transfers (id, role, provider_pid, consumer_pid, agreement_id, "
        "asset_id, counterparty_bpn, counterparty_address, protocol, transfer_type, state, "
        "data_address_json, error_detail, version, created_at, updated_at) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14::timestamptz, $15::timestamptz)",
        r.id, std::string(processRoleName(r.role)), r.provider_pid, r.consumer_pid, r.agreement_id,
        r.asset_id, r.counterparty_bpn, r.counterparty_address, r.protocol, r.transfer_type,
        r.state, r.data_address_json, r.error_detail, timeText(r.created_at),
        timeText(r.updated_at));
  }

  static pqxx::result update(pqxx::work& tx, const Record& r) {
    return tx.exec_params(
        std::string("UPDATE cxgw_transfers SET provider_pid = $3, consumer_pid = $4, "
                    "agreement_id = $5, asset_id = $6, counterparty_bpn = $7, "
                    "counterparty_address = $8, protocol = $9, transfer_type = $10, state = $11, "
                    "data_address_json = $12, error_detail = $13, "
                    "version = version + 1, updated_at = clock_timestamp() "
                    "WHERE id = $1 AND role = $2 AND version = $14 "
                    "AND created_at = $15::timestamptz AND provider_pid IN ('', $3) "
                    "AND consumer_pid IN ('', $4) RETURNING ") +
            kTransferColumns,
        r.id, std::string(processRoleName(r.role)), r.provider_pid, r.consumer_pid, r.agreement_id,
        r.asset_id, r.counterparty_bpn, r.counterparty_address, r.protocol, r.transfer_type,
        r.state, r.data_address_json, r.error_detail, r.version, timeText(r.created_at));
  }
};

class PostgresProcessStore final : public ProcessStore {
 public:
  explicit PostgresProcessStore(PostgresProcessStoreOptions options)
      : options_(std::move(options)) {}

  ~PostgresProcessStore() override {
    std::lock_guard lock(listener_mutex_);
    listener_.reset();
  }

  Status open() {
    std::unique_ptr<pqxx::connection> connection;
    try {
      connection = std::make_unique<pqxx::connection>(options_.connection_string);
    } catch (const std::exception& e) {
      return processStoreError(e);
    }
    // Before the timeouts apply: a replica may wait for another's migration.
    if (Status status = applyStoreMigrations(*connection, 0); !status) return status;
    try {
      prepareConnection(*connection);
    } catch (const std::exception& e) {
      return processStoreError(e);
    }
    pool_.adopt(std::move(connection));
    return {};
  }

  Status createNegotiation(const ContractNegotiationRecord& record) override {
    return create<NegotiationTable>(record);
  }
  Result<std::optional<ContractNegotiationRecord>> negotiation(const std::string& id) override {
    return find<NegotiationTable>(id);
  }
  Result<ContractNegotiationRecord> updateNegotiation(
      const ContractNegotiationRecord& updated) override {
    return update<NegotiationTable>(updated);
  }

  Status createTransfer(const TransferProcessRecord& record) override {
    return create<TransferTable>(record);
  }
  Result<std::optional<TransferProcessRecord>> transfer(const std::string& id) override {
    return find<TransferTable>(id);
  }
  Result<TransferProcessRecord> updateTransfer(const TransferProcessRecord& updated) override {
    Result<TransferProcessRecord> stored = update<TransferTable>(updated);
    announceChange();
    return stored;
  }

  Result<std::vector<TransferProcessRecord>> transfersForAgreement(
      const std::string& agreement_id) override {
    return withConnection([&](pqxx::connection& c) -> Result<std::vector<TransferProcessRecord>> {
      pqxx::nontransaction tx(c);
      return readAll(tx.exec_params(std::string("SELECT ") + kTransferColumns +
                                        " FROM cxgw_transfers WHERE agreement_id = $1 "
                                        "ORDER BY created_at DESC, id COLLATE \"C\"",
                                    agreement_id),
                     toTransfer);
    });
  }

  Status createAgreement(const ContractAgreementRecord& r) override {
    if (Status status = validateRecord(r); !status) return status;
    return withConnection([&](pqxx::connection& c) -> Status {
      try {
        pqxx::work tx(c);
        const std::optional<std::string> retired_at =
            r.retired_at ? std::optional<std::string>(timeText(*r.retired_at)) : std::nullopt;
        tx.exec_params0(
            "INSERT INTO cxgw_agreements (id, negotiation_id, role, asset_id, provider_bpn, "
            "consumer_bpn, policy_json, signed_at, retired_at, retired_reason) VALUES ($1, $2, "
            "$3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz, $10)",
            r.id, r.negotiation_id, std::string(processRoleName(r.role)), r.asset_id,
            r.provider_bpn, r.consumer_bpn, r.policy_json, timeText(r.signed_at), retired_at,
            r.retired_reason);
        tx.commit();
        return {};
      } catch (const pqxx::unique_violation&) {
        return processExists("agreement", r.id);
      }
    });
  }

  Result<std::optional<ContractAgreementRecord>> agreement(const std::string& id) override {
    return withConnection(
        [&](pqxx::connection& c) -> Result<std::optional<ContractAgreementRecord>> {
          pqxx::nontransaction tx(c);
          return readOptional(tx.exec_prepared(kAgreementById, id), toAgreement);
        });
  }

  Status retireAgreement(const std::string& id, std::string reason, TimePoint at) override {
    if (Status status = validateText(reason, "reason"); !status) return status;
    Status retired = withConnection([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      // SET reads the old row: a retired agreement keeps its first retirement.
      const pqxx::result rows = tx.exec_params(
          "UPDATE cxgw_agreements SET retired_at = coalesce(retired_at, $2::timestamptz), "
          "retired_reason = CASE WHEN retired_at IS NULL THEN $3 ELSE retired_reason END "
          "WHERE id = $1",
          id, timeText(at), reason);
      if (rows.affected_rows() == 0) return processNotFound("agreement", id);
      tx.commit();
      return {};
    });
    announceChange();
    return retired;
  }

  Result<std::vector<ContractAgreementRecord>> agreementsForAsset(
      ProcessRole role, const std::string& asset_id) override {
    return withConnection([&](pqxx::connection& c) -> Result<std::vector<ContractAgreementRecord>> {
      pqxx::nontransaction tx(c);
      return readAll(tx.exec_params(std::string("SELECT ") + kAgreementColumns +
                                        " FROM cxgw_agreements WHERE asset_id = $1 AND role = $2 "
                                        "AND retired_at IS NULL "
                                        "ORDER BY signed_at DESC, id COLLATE \"C\"",
                                    asset_id, std::string(processRoleName(role))),
                     toAgreement);
    });
  }

  std::unique_ptr<ChangeSubscription> onChange(std::function<void()> on_change) override {
    auto subscription = subscribers_->subscribe(std::move(on_change));
    std::lock_guard lock(listener_mutex_);
    if (!listener_) {
      listener_ = std::make_unique<PostgresNotificationListener>(
          options_.connection_string, kChangeChannel, "transfer and agreement change",
          [this] { subscribers_->notifyAll(); });
    }
    return subscription;
  }

  bool hearsEveryChange() const override {
    std::lock_guard lock(listener_mutex_);
    return listener_ && listener_->listening();
  }

 private:
  template <typename Table>
  Status create(const typename Table::Record& record) {
    if (Status status = validateRecord(record); !status) return status;
    return withConnection([&](pqxx::connection& c) -> Status {
      try {
        pqxx::work tx(c);
        Table::insert(tx, record);
        tx.commit();
        return {};
      } catch (const pqxx::unique_violation&) {
        return processExists(Table::kKind, record.id);
      }
    });
  }

  template <typename Table>
  Result<std::optional<typename Table::Record>> find(const std::string& id) {
    using Found = std::optional<typename Table::Record>;
    return withConnection([&](pqxx::connection& c) -> Result<Found> {
      pqxx::nontransaction tx(c);
      return readOptional(selectById<Table>(tx, id), Table::read);
    });
  }

  template <typename Table>
  Result<typename Table::Record> update(const typename Table::Record& updated) {
    using Record = typename Table::Record;
    if (Status status = validateRecord(updated); !status) return status.error();
    return withConnection([&](pqxx::connection& c) -> Result<Record> {
      pqxx::work tx(c);
      const pqxx::result swapped = Table::update(tx, updated);
      if (!swapped.empty()) {
        Result<Record> stored = Table::read(swapped[0]);
        if (stored) tx.commit();
        return stored;
      }
      // No row: tell apart why, from the row as it is now.
      auto current = readOptional(selectById<Table>(tx, updated.id), Table::read);
      if (!current) return current.error();
      if (!current.value()) return processNotFound(Table::kKind, updated.id);
      const Record& stored = *current.value();
      if (stored.version != updated.version) {
        return processVersionConflict(Table::kKind, updated.id, stored.version, updated.version);
      }
      if (Status status = checkFixedFields(stored, updated); !status) return status.error();
      // It matches now: it was changed and changed back between the two statements.
      return processVersionConflict(Table::kKind, updated.id, stored.version, updated.version);
    });
  }

  template <typename Table, typename Transaction>
  static pqxx::result selectById(Transaction& tx, const std::string& id) {
    return tx.exec_prepared(Table::kById, id);
  }

  template <typename Record>
  static Result<std::optional<Record>> readOptional(const pqxx::result& rows,
                                                    Result<Record> (*read)(const pqxx::row&)) {
    if (rows.empty()) return std::optional<Record>();
    auto record = read(rows[0]);
    if (!record) return record.error();
    return std::optional<Record>(std::move(record).value());
  }

  template <typename Record>
  static Result<std::vector<Record>> readAll(const pqxx::result& rows,
                                             Result<Record> (*read)(const pqxx::row&)) {
    std::vector<Record> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
      auto record = read(row);
      if (!record) return record.error();
      out.push_back(std::move(record).value());
    }
    return out;
  }

  // Other replicas hear of a change by the NOTIFY of migration 6's triggers; this one's
  // subscribers hear at once, before the update returns. Whatever the update's outcome: one that
  // failed in COMMIT may still have committed.
  void announceChange() { subscribers_->notifyAll(); }

  // Runs `body` on a pooled connection and turns whatever libpqxx throws into an Error.
  template <typename Body>
  auto withConnection(Body&& body) -> std::invoke_result_t<Body, pqxx::connection&> {
    try {
      auto connection = pool_.acquire();
      return body(*connection);
    } catch (const std::exception& e) {
      return processStoreError(e);
    }
  }

  // Every connection's session: the waits it allows, and the reads by id that every data
  // request makes, prepared once instead of parsed and planned per call.
  void prepareConnection(pqxx::connection& connection) const {
    {
      pqxx::nontransaction tx(connection);
      tx.exec0("SET lock_timeout = '" + std::to_string(options_.lock_timeout.count()) +
               "ms'; SET statement_timeout = '" +
               std::to_string(options_.statement_timeout.count()) + "ms'");
    }
    prepareById<NegotiationTable>(connection);
    prepareById<TransferTable>(connection);
    connection.prepare(kAgreementById, std::string("SELECT ") + kAgreementColumns +
                                           " FROM cxgw_agreements WHERE id = $1");
  }

  template <typename Table>
  static void prepareById(pqxx::connection& connection) {
    connection.prepare(Table::kById, std::string("SELECT ") + Table::columns() + " FROM " +
                                         Table::kTable + " WHERE id = $1");
  }

  static constexpr const char* kAgreementById = "cxgw_agreement_by_id";

  // The NOTIFY channel of migration 6's triggers.
  static constexpr const char* kChangeChannel = "cxgw_process_changes";

  const PostgresProcessStoreOptions options_;
  PostgresConnectionPool pool_{options_.connection_string, options_.connections,
                               [this](pqxx::connection& c) { prepareConnection(c); }};
  const std::shared_ptr<ChangeSubscribers> subscribers_ = std::make_shared<ChangeSubscribers>();
  mutable std::mutex listener_mutex_;                       // guards listener_
  std::unique_ptr<PostgresNotificationListener> listener_;  // from the first onChange()
};

}  // namespace

Result<std::unique_ptr<ProcessStore>> openPostgresProcessStore(
    PostgresProcessStoreOptions options) {
  if (options.connections == 0) {
    return Error{ErrorCode::kInvalidArgument, "connections must be at least 1", "connections", "",
                 0};
  }
  if (options.lock_timeout.count() < 0 || options.statement_timeout.count() < 0) {
    return Error{ErrorCode::kInvalidArgument, "timeouts cannot be negative",
                 options.lock_timeout.count() < 0 ? "lock_timeout" : "statement_timeout", "", 0};
  }
  auto store = std::make_unique<PostgresProcessStore>(std::move(options));
  if (Status status = store->open(); !status) return status.error();
  return std::unique_ptr<ProcessStore>(std::move(store));
}

}  // namespace cxgw::store
