#pragma once
// The state of Dataspace Protocol processes, as provider and as consumer: contract
// negotiations, the contract agreements they produce and transfer processes. It lives in the
// store so that every cxgw replica sharing one database can continue any process: a callback
// for a negotiation that replica A started may arrive at replica B.
//
// The store knows nothing of HTTP or the DSP wire format. States ("REQUESTED", "FINALIZED", …)
// are plain strings that the gateway owns; policies and data addresses are opaque text.
//
// Contract of every implementation (memory and PostgreSQL):
// - Records are values: the store copies what it is given and returns copies. A record's `id`
//   is our own process id (the gateway generates it): it must equal provider_pid when we are
//   the provider and consumer_pid when we are the consumer.
// - Negotiations and transfers change by compare-and-swap. Read a record, change it, and pass
//   it to update…(): the update succeeds only when the stored version still equals the
//   record's `version`, and stores it with version + 1 and updated_at set to the store's
//   clock. Otherwise someone else (another thread or replica) moved the process first: the
//   update fails with kConflict and changes nothing; read the record again and decide anew.
// - id, role, our own pid and created_at never change. The counterparty's pid may be filled in
//   once while it is empty (a consumer learns the providerPid from the provider's answer);
//   after that it is fixed too. An update that changes any of these fails with
//   kInvalidArgument (key names the field) and changes nothing.
// - Times are stored with microsecond precision (PostgreSQL's timestamptz): every time is
//   truncated (rounded down) to whole microseconds, and read back exactly so truncated.
// - Text fields may be empty but must be valid UTF-8 without NUL bytes; otherwise the write
//   fails with kInvalidArgument (key names the field). id may not be empty.
// - Agreement ids are unique in one store, whatever the role: a gateway that negotiates with
//   itself on one database cannot store both sides of the agreement.
// - All methods are thread-safe: any number of threads may call them at once. Failures are
//   returned as values, never thrown: kNotFound, kConflict and kInvalidArgument as described
//   per method, kUnavailable when the database cannot be reached, kInternal otherwise.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/core/result.hpp"
#include "cxgw/store/change_subscription.hpp"

namespace cxgw::store {

enum class ProcessRole { kProvider, kConsumer };

// "provider" or "consumer".
const char* processRoleName(ProcessRole role);

struct ContractNegotiationRecord {
  std::string id;  // our own process id: provider_pid as provider, consumer_pid as consumer
  ProcessRole role = ProcessRole::kProvider;
  std::string provider_pid;
  std::string consumer_pid;
  std::string counterparty_bpn;
  std::string counterparty_address;  // the other side's DSP callback or base URL
  std::string protocol;              // e.g. "dataspace-protocol-http:2025-1"
  std::string state;                 // e.g. "REQUESTED", "FINALIZED"
  std::string asset_id;
  std::string offer_id;
  std::string contract_definition_id;
  std::string policy_json;  // opaque text
  std::string agreement_id;
  std::string error_detail;
  int64_t version = 0;  // 1 once created, +1 per update; see update…()
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point updated_at;
  friend bool operator==(const ContractNegotiationRecord&,
                         const ContractNegotiationRecord&) = default;
};

struct ContractAgreementRecord {
  std::string id;  // the agreement id the provider assigned
  std::string negotiation_id;
  ProcessRole role = ProcessRole::kProvider;
  std::string asset_id;
  std::string provider_bpn;
  std::string consumer_bpn;
  std::string policy_json;  // opaque text: the agreed policy
  std::chrono::system_clock::time_point signed_at;
  std::optional<std::chrono::system_clock::time_point> retired_at;  // set: no longer valid
  std::string retired_reason;
  friend bool operator==(const ContractAgreementRecord&, const ContractAgreementRecord&) = default;
};

struct TransferProcessRecord {
  std::string id;  // our own process id: provider_pid as provider, consumer_pid as consumer
  ProcessRole role = ProcessRole::kProvider;
  std::string provider_pid;
  std::string consumer_pid;
  std::string agreement_id;
  std::string asset_id;
  std::string counterparty_bpn;
  std::string counterparty_address;  // the other side's DSP callback or base URL
  std::string protocol;
  std::string transfer_type;      // e.g. "HttpData-PULL"
  std::string state;              // e.g. "REQUESTED", "STARTED"
  std::string data_address_json;  // opaque; on the consumer, the data address it received
  std::string error_detail;
  int64_t version = 0;  // 1 once created, +1 per update; see update…()
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point updated_at;
  friend bool operator==(const TransferProcessRecord&, const TransferProcessRecord&) = default;
};

class ProcessStore {
 public:
  virtual ~ProcessStore() = default;

  // Stores `record` as given (times truncated) with version 1; its version field is ignored.
  // kConflict when a negotiation with its id exists.
  virtual Status createNegotiation(const ContractNegotiationRecord& record) = 0;
  // The negotiation with our process id `id`; nullopt when there is none.
  virtual Result<std::optional<ContractNegotiationRecord>> negotiation(const std::string& id) = 0;
  // Compare-and-swap (see above): stores `updated` when the stored version equals
  // updated.version and returns what was stored (version + 1, new updated_at). kNotFound when
  // there is no negotiation with its id, kConflict when the version differs, kInvalidArgument
  // when it changes a field that is fixed.
  virtual Result<ContractNegotiationRecord> updateNegotiation(
      const ContractNegotiationRecord& updated) = 0;

  // The same for transfer processes.
  virtual Status createTransfer(const TransferProcessRecord& record) = 0;
  virtual Result<std::optional<TransferProcessRecord>> transfer(const std::string& id) = 0;
  virtual Result<TransferProcessRecord> updateTransfer(const TransferProcessRecord& updated) = 0;
  // Every transfer under the agreement, whatever its state, the newest (created_at) first;
  // ties in id order. For the consumer to reuse a STARTED transfer and its data address.
  virtual Result<std::vector<TransferProcessRecord>> transfersForAgreement(
      const std::string& agreement_id) = 0;

  // Stores `record` as given (times truncated); an agreement is never changed afterwards,
  // except by retireAgreement(). kConflict when an agreement with its id exists.
  virtual Status createAgreement(const ContractAgreementRecord& record) = 0;
  virtual Result<std::optional<ContractAgreementRecord>> agreement(const std::string& id) = 0;
  // Marks the agreement no longer valid from `at`, for `reason`. Retiring a retired agreement
  // succeeds and keeps the first retirement. kNotFound when there is no such agreement.
  virtual Status retireAgreement(const std::string& id, std::string reason,
                                 std::chrono::system_clock::time_point at) = 0;
  // The agreements held in `role` for `asset_id` that are not retired, the newest (signed_at)
  // first; ties in id order. The consumer picks one from the provider it wants (provider_bpn).
  virtual Result<std::vector<ContractAgreementRecord>> agreementsForAsset(
      ProcessRole role, const std::string& asset_id) = 0;

  // For a reader that keeps transfers and agreements in memory. Calls `on_change` after every
  // committed change of a transfer or an agreement: by this store (from the updating thread,
  // before the update returns), by another replica on the same database, or by hand in SQL
  // (from a thread of the store), possibly once for several; and also whenever the store may
  // have missed telling. The callback must be quick and must not call back into the store or
  // the subscription. The subscription ends, and no call is running or will follow, when the
  // returned handle is destroyed.
  virtual std::unique_ptr<ChangeSubscription> onChange(std::function<void()> on_change) = 0;
  // True while the subscribers of onChange() hear of every change as it commits; false while
  // they may not (e.g. the PostgreSQL store before it listens, or while its notification
  // connection is down). What a reader kept is trustworthy only while this holds.
  virtual bool hearsEveryChange() const = 0;
};

// A store in process memory, for tests, demos and a gateway without a database: nothing
// survives the process, and no other process sees it.
std::unique_ptr<ProcessStore> createMemoryProcessStore();

}  // namespace cxgw::store
