#include "cxgw/gateway/dataplane/twin_record_cache.hpp"

#include "kept_records.hpp"

namespace cxgw::gateway {

struct TwinRecordCache::Impl {
  Impl(store::StateStore& s, const TwinRecordCacheSettings& c)
      : store(s), twins(c.max_age, c.max_entries) {}

  store::StateStore& store;
  KeptRecords<store::StoredTwin> twins;
  std::unique_ptr<store::ChangeSubscription> subscription;
};

TwinRecordCache::TwinRecordCache(store::StateStore& store, TwinRecordCacheSettings settings)
    : impl_(std::make_unique<Impl>(store, settings)) {
  Impl& impl = *impl_;
  impl.subscription = store.onChange([&impl] { impl.twins.forgetAll(); });
}

TwinRecordCache::~TwinRecordCache() {
  impl_->subscription.reset();
}

Result<std::optional<store::StoredTwin>> TwinRecordCache::twin(const std::string& global_asset_id,
                                                               Reach reach) {
  return impl_->twins.find(
      global_asset_id, [&] { return impl_->store.twin(global_asset_id); },
      [&] { return impl_->store.hearsEveryChange(); }, reach);
}

TwinRecordCacheStats TwinRecordCache::stats() const {
  return {impl_->twins.hits(), impl_->twins.misses()};
}

}  // namespace cxgw::gateway
