#include <algorithm>
#include <map>
#include <mutex>

#include "change_subscribers.hpp"
#include "cxgw/store/process_store.hpp"
#include "process_records.hpp"

namespace cxgw::store {
namespace {

ContractNegotiationRecord withStoredTimes(ContractNegotiationRecord record) {
  record.created_at = storedTime(record.created_at);
  record.updated_at = storedTime(record.updated_at);
  return record;
}

TransferProcessRecord withStoredTimes(TransferProcessRecord record) {
  record.created_at = storedTime(record.created_at);
  record.updated_at = storedTime(record.updated_at);
  return record;
}

ContractAgreementRecord withStoredTimes(ContractAgreementRecord record) {
  record.signed_at = storedTime(record.signed_at);
  if (record.retired_at) record.retired_at = storedTime(*record.retired_at);
  return record;
}

// Negotiations or transfers by id, changed by compare-and-swap. The caller holds the lock.
template <typename Record>
class ProcessTable {
 public:
  explicit ProcessTable(const char* kind) : kind_(kind) {}

  Status create(const Record& record) {
    if (Status status = validateRecord(record); !status) return status;
    Record stored = withStoredTimes(record);
    stored.version = 1;
    if (!records_.try_emplace(record.id, std::move(stored)).second) {
      return processExists(kind_, record.id);
    }
    return {};
  }

  std::optional<Record> find(const std::string& id) const {
    const auto it = records_.find(id);
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }

  Result<Record> update(const Record& updated) {
    if (Status status = validateRecord(updated); !status) return status.error();
    const auto it = records_.find(updated.id);
    if (it == records_.end()) return processNotFound(kind_, updated.id);
    Record& stored = it->second;
    if (stored.version != updated.version) {
      return processVersionConflict(kind_, updated.id, stored.version, updated.version);
    }
    if (Status status = checkFixedFields(stored, updated); !status) return status.error();
    Record next = withStoredTimes(updated);
    next.version = stored.version + 1;
    next.updated_at = storedTime(std::chrono::system_clock::now());
    stored = next;
    return next;
  }

  const std::map<std::string, Record>& records() const { return records_; }

 private:
  const char* const kind_;
  std::map<std::string, Record> records_;
};

// Everything under one mutex: each call is short and touches one or a few records.
class MemoryProcessStore final : public ProcessStore {
 public:
  Status createNegotiation(const ContractNegotiationRecord& record) override {
    std::lock_guard lock(mutex_);
    return negotiations_.create(record);
  }

  Result<std::optional<ContractNegotiationRecord>> negotiation(const std::string& id) override {
    std::lock_guard lock(mutex_);
    return negotiations_.find(id);
  }

  Result<ContractNegotiationRecord> updateNegotiation(
      const ContractNegotiationRecord& updated) override {
    std::lock_guard lock(mutex_);
    return negotiations_.update(updated);
  }

  Status createTransfer(const TransferProcessRecord& record) override {
    std::lock_guard lock(mutex_);
    return transfers_.create(record);
  }

  Result<std::optional<TransferProcessRecord>> transfer(const std::string& id) override {
    std::lock_guard lock(mutex_);
    return transfers_.find(id);
  }

  Result<TransferProcessRecord> updateTransfer(const TransferProcessRecord& updated) override {
    Result<TransferProcessRecord> stored = [&] {
      std::lock_guard lock(mutex_);
      return transfers_.update(updated);
    }();
    if (stored) subscribers_->notifyAll();
    return stored;
  }

  Result<std::vector<TransferProcessRecord>> transfersForAgreement(
      const std::string& agreement_id) override {
    std::vector<TransferProcessRecord> out;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, record] : transfers_.records()) {
        if (record.agreement_id == agreement_id) out.push_back(record);
      }
    }
    // The map yields ids in order; a stable sort keeps that order among equal times.
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
    return out;
  }

  Status createAgreement(const ContractAgreementRecord& record) override {
    if (Status status = validateRecord(record); !status) return status;
    std::lock_guard lock(mutex_);
    if (!agreements_.try_emplace(record.id, withStoredTimes(record)).second) {
      return processExists("agreement", record.id);
    }
    return {};
  }

  Result<std::optional<ContractAgreementRecord>> agreement(const std::string& id) override {
    std::lock_guard lock(mutex_);
    const auto it = agreements_.find(id);
    if (it == agreements_.end()) return std::optional<ContractAgreementRecord>();
    return std::optional<ContractAgreementRecord>(it->second);
  }

  Status retireAgreement(const std::string& id, std::string reason,
                         std::chrono::system_clock::time_point at) override {
    if (Status status = validateText(reason, "reason"); !status) return status;
    {
      std::lock_guard lock(mutex_);
      const auto it = agreements_.find(id);
      if (it == agreements_.end()) return processNotFound("agreement", id);
      if (it->second.retired_at) return {};
      it->second.retired_at = storedTime(at);
      it->second.retired_reason = std::move(reason);
    }
    subscribers_->notifyAll();
    return {};
  }

  Result<std::vector<ContractAgreementRecord>> agreementsForAsset(
      ProcessRole role, const std::string& asset_id) override {
    std::vector<ContractAgreementRecord> out;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, record] : agreements_) {
        if (record.role == role && record.asset_id == asset_id && !record.retired_at) {
          out.push_back(record);
        }
      }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.signed_at > b.signed_at; });
    return out;
  }

  std::unique_ptr<ChangeSubscription> onChange(std::function<void()> on_change) override {
    return subscribers_->subscribe(std::move(on_change));
  }

  bool hearsEveryChange() const override { return true; }

 private:
  std::mutex mutex_;  // guards everything below
  ProcessTable<ContractNegotiationRecord> negotiations_{"negotiation"};
  ProcessTable<TransferProcessRecord> transfers_{"transfer"};
  std::map<std::string, ContractAgreementRecord> agreements_;
  const std::shared_ptr<ChangeSubscribers> subscribers_ = std::make_shared<ChangeSubscribers>();
};

}  // namespace

std::unique_ptr<ProcessStore> createMemoryProcessStore() {
  return std::make_unique<MemoryProcessStore>();
}

}  // namespace cxgw::store
