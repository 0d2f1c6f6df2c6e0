#include <algorithm>
#include <mutex>

#include "cxgw/store/audit_chain.hpp"
#include "cxgw/store/audit_trail.hpp"

namespace cxgw::store {
namespace {

bool matches(const AuditQuery& query, const AuditRecord& record) {
  const AuditEntry& entry = record.entry;
  return (query.partner.empty() || entry.partner_bpn == query.partner ||
          entry.partner_did == query.partner) &&
         (query.asset.empty() || entry.asset_id == query.asset || entry.twin_id == query.asset) &&
         (!query.decision || entry.decision == *query.decision) &&
         (!query.since || entry.time >= *query.since) &&
         (!query.until || entry.time < *query.until);
}

// The records in a vector indexed by sequence - 1, under one mutex.
class MemoryAuditTrail final : public AuditTrail {
 public:
  explicit MemoryAuditTrail(MemoryAuditTrailOptions options) : options_(std::move(options)) {}

  using AuditTrail::append;
  Result<std::vector<AuditRecord>> append(const std::vector<AuditEntry>& entries) override {
    for (size_t i = 0; i < entries.size(); ++i) {
      if (Status status = validateAuditEntry(entries[i], i); !status) return status.error();
    }
    if (entries.empty()) return std::vector<AuditRecord>();
    std::lock_guard lock(mutex_);
    std::vector<AuditRecord> chained = chainAuditEntries(head_, entries);
    if (options_.before_commit) {
      if (Status status = options_.before_commit(); !status) return status.error();
    }
    records_.insert(records_.end(), chained.begin(), chained.end());
    head_ = AuditHead{chained.back().sequence, chained.back().hash};
    return chained;
  }

  Result<std::vector<AuditRecord>> query(const AuditQuery& query) override {
    std::lock_guard lock(mutex_);
    std::vector<AuditRecord> out;
    const size_t first = static_cast<size_t>(std::max<int64_t>(query.after_sequence, 0));
    for (size_t i = first; i < records_.size() && out.size() < query.limit; ++i) {
      if (matches(query, records_[i])) out.push_back(records_[i]);
    }
    return out;
  }

  Result<AuditVerification> verify() override {
    std::lock_guard lock(mutex_);
    return verifyAuditChain(records_, head_);
  }

 private:
  const MemoryAuditTrailOptions options_;
  std::mutex mutex_;
  std::vector<AuditRecord> records_;
  AuditHead head_;
};

}  // namespace

std::unique_ptr<AuditTrail> createMemoryAuditTrail(MemoryAuditTrailOptions options) {
  return std::make_unique<MemoryAuditTrail>(std::move(options));
}

}  // namespace cxgw::store
