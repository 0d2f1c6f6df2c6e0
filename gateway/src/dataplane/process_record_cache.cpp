#include "cxgw/gateway/dataplane/process_record_cache.hpp"

#include "kept_records.hpp"

namespace cxgw::gateway {

struct ProcessRecordCache::Impl {
  Impl(store::ProcessStore& s, const ProcessRecordCacheSettings& c)
      : store(s), transfers(c.max_age, c.max_entries), agreements(c.max_age, c.max_entries) {}

  store::ProcessStore& store;
  KeptRecords<store::TransferProcessRecord> transfers;
  KeptRecords<store::ContractAgreementRecord> agreements;
  std::unique_ptr<store::ChangeSubscription> subscription;

  bool hears() const { return store.hearsEveryChange(); }
};

ProcessRecordCache::ProcessRecordCache(store::ProcessStore& store,
                                       ProcessRecordCacheSettings settings)
    : impl_(std::make_unique<Impl>(store, settings)) {
  Impl& impl = *impl_;
  impl.subscription = store.onChange([&impl] {
    impl.transfers.forgetAll();
    impl.agreements.forgetAll();
  });
}

ProcessRecordCache::~ProcessRecordCache() {
  impl_->subscription.reset();
}

Result<std::optional<store::TransferProcessRecord>> ProcessRecordCache::transfer(
    const std::string& id, Reach reach) {
  return impl_->transfers.find(
      id, [&] { return impl_->store.transfer(id); }, [&] { return impl_->hears(); }, reach);
}

Result<std::optional<store::ContractAgreementRecord>> ProcessRecordCache::agreement(
    const std::string& id, Reach reach) {
  return impl_->agreements.find(
      id, [&] { return impl_->store.agreement(id); }, [&] { return impl_->hears(); }, reach);
}

ProcessRecordCacheStats ProcessRecordCache::stats() const {
  return {impl_->transfers.hits() + impl_->agreements.hits(),
          impl_->transfers.misses() + impl_->agreements.misses()};
}

}  // namespace cxgw::gateway
