#include "cxgw/gateway/dataplane/payload_cache.hpp"

#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "cxgw/core/logging.hpp"

namespace cxgw::gateway {

struct PayloadCache::Impl {
  using Key = std::pair<std::string, std::string>;  // global asset id, aspect URN
  struct Entry {
    std::shared_ptr<const store::StoredAspect> aspect;
    std::list<Key>::iterator recency;
  };

  Impl(store::StateStore& s, PayloadCacheSettings c) : store(s), settings(c) {}

  store::StateStore& store;
  const PayloadCacheSettings settings;

  mutable std::mutex mutex;
  std::map<Key, Entry> entries;
  std::list<Key> recency;  // most recently used first
  size_t bytes = 0;
  uint64_t epoch = 0;  // moves whenever an invalidation pass drops or may have dropped entries
  PayloadCacheStats counters;

  // The invalidation thread.
  std::condition_variable wake;
  bool changed = false;
  bool stopping = false;
  store::ChangePosition seen;
  std::unique_ptr<store::ChangeSubscription> subscription;
  std::thread invalidator;

  void erase(std::map<Key, Entry>::iterator it) {
    bytes -= it->second.aspect->payload.size();
    recency.erase(it->second.recency);
    entries.erase(it);
  }

  void insert(Key key, std::shared_ptr<const store::StoredAspect> aspect) {
    const size_t size = aspect->payload.size();
    if (size > settings.max_bytes) return;
    if (auto it = entries.find(key); it != entries.end()) erase(it);
    while (bytes + size > settings.max_bytes && !recency.empty()) {
      erase(entries.find(recency.back()));
    }
    recency.push_front(key);
    entries.emplace(std::move(key), Entry{std::move(aspect), recency.begin()});
    bytes += size;
  }

  // Reads the changes after `seen` and drops what they name. False when the store failed.
  bool invalidate() {
    for (;;) {
      store::ChangeQuery query;
      query.after = seen;
      query.limit = 1000;
      auto changes = store.changes(query);
      if (!changes) {
        logWarn("payload cache: cannot read the store's changes; emptying the cache",
                {{"reason", changes.error().describe()}});
        std::lock_guard lock(mutex);
        entries.clear();
        recency.clear();
        bytes = 0;
        ++epoch;
        return false;
      }
      if (changes.value().empty()) return true;
      std::lock_guard lock(mutex);
      ++epoch;
      for (const auto& change : changes.value()) {
        seen = change.position;
        if (auto it = entries.find({change.global_asset_id, change.aspect_urn});
            it != entries.end()) {
          erase(it);
          ++counters.invalidations;
        }
      }
      if (changes.value().size() < query.limit) return true;
    }
  }

  void run() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      wake.wait_for(lock, settings.poll, [&] { return stopping || changed; });
      if (stopping) break;
      changed = false;
      lock.unlock();
      invalidate();
      lock.lock();
    }
  }
};

PayloadCache::PayloadCache(store::StateStore& store, PayloadCacheSettings settings)
    : impl_(std::make_unique<Impl>(store, settings)) {
  if (settings.max_bytes == 0) return;
  Impl& impl = *impl_;
  // Start at the end of the history: nothing is cached yet, so nothing before it matters. A
  // store that cannot answer now leaves `seen` at the start; the first pass then reads it all.
  if (auto latest = store.latestChange()) {
    impl.seen = latest.value();
  } else {
    logWarn("payload cache: cannot read the store's newest change; reading its whole history",
            {{"reason", latest.error().describe()}});
  }
  impl.subscription = store.onChange([&impl] {
    std::lock_guard lock(impl.mutex);
    impl.changed = true;
    impl.wake.notify_all();
  });
  impl.invalidator = std::thread([&impl] { impl.run(); });
}

PayloadCache::~PayloadCache() {
  impl_->subscription.reset();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->wake.notify_all();
  }
  if (impl_->invalidator.joinable()) impl_->invalidator.join();
}

Result<std::optional<std::shared_ptr<const store::StoredAspect>>> PayloadCache::aspect(
    const std::string& global_asset_id, const std::string& aspect_urn, Reach reach) {
  using Found = std::optional<std::shared_ptr<const store::StoredAspect>>;
  Impl& impl = *impl_;
  Impl::Key key{global_asset_id, aspect_urn};
  uint64_t epoch = 0;
  {
    std::lock_guard lock(impl.mutex);
    if (auto it = impl.entries.find(key); it != impl.entries.end()) {
      impl.recency.splice(impl.recency.begin(), impl.recency, it->second.recency);
      ++impl.counters.hits;
      return Found(it->second.aspect);
    }
    if (reach == Reach::kMemoryOnly) return notInMemory();
    ++impl.counters.misses;
    epoch = impl.epoch;
  }
  auto read = impl.store.aspect(global_asset_id, aspect_urn);
  if (!read) return read.error();
  if (!read.value()) return Found();
  auto aspect = std::make_shared<const store::StoredAspect>(std::move(*read.value()));
  if (impl.settings.max_bytes > 0) {
    std::lock_guard lock(impl.mutex);
    // Only what no invalidation pass can have overtaken meanwhile.
    if (impl.epoch == epoch) impl.insert(std::move(key), aspect);
  }
  return Found(std::move(aspect));
}

PayloadCacheStats PayloadCache::stats() const {
  std::lock_guard lock(impl_->mutex);
  PayloadCacheStats out = impl_->counters;
  out.entries = impl_->entries.size();
  out.bytes = impl_->bytes;
  return out;
}

}  // namespace cxgw::gateway
