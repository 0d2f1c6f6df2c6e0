#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

#include "change_subscribers.hpp"
#include "cxgw/core/digest.hpp"
#include "cxgw/store/state_store.hpp"
#include "orphaned_aspect.hpp"

namespace cxgw::store {
namespace {

// The memory store: one mutex over plain maps. For tests, demos and a gateway without a
// database; nothing survives a restart.
class MemoryStateStore final : public StateStore {
 public:
  using StateStore::commit;
  Result<BatchOutcome> commit(const SyncBatch& batch,
                              const std::function<Status()>& turn) override {
    // Nothing is written before the turn comes, so waiting for it holds no lock.
    if (turn) {
      if (Status status = turn(); !status) return status.error();
    }
    const BatchOutcome outcome = apply(batch);
    if (outcome.aspects_changed > 0 || outcome.twins_changed > 0 || outcome.twins_withdrawn > 0) {
      subscribers_->notifyAll();
    }
    return outcome;
  }

  Result<std::optional<SyncWatermark>> watermark(const std::string& source,
                                                 const std::string& stream) override {
    std::lock_guard lock(mutex_);
    const auto it = watermarks_.find({source, stream});
    if (it == watermarks_.end()) return std::optional<SyncWatermark>();
    return std::optional<SyncWatermark>(it->second);
  }

  Result<std::optional<StoredTwin>> twin(const std::string& global_asset_id) override {
    std::lock_guard lock(mutex_);
    const auto it = twins_.find(global_asset_id);
    if (it == twins_.end()) return std::optional<StoredTwin>();
    return std::optional<StoredTwin>(it->second);
  }

  Result<std::optional<StoredAspect>> aspect(const std::string& global_asset_id,
                                             const std::string& aspect_urn) override {
    std::lock_guard lock(mutex_);
    const auto it = aspects_.find({global_asset_id, aspect_urn});
    if (it == aspects_.end()) return std::optional<StoredAspect>();
    return std::optional<StoredAspect>(it->second);
  }

  Result<std::vector<AspectChange>> changes(const ChangeQuery& query) override {
    std::lock_guard lock(mutex_);
    std::map<ChangePosition, AspectChange> ordered;
    for (const auto& [key, stored] : aspects_) {
      const ChangePosition position{commit_of_.at(key), stored.change_sequence};
      if (position <= query.after) continue;
      if (!query.aspect_urns.empty() &&
          std::find(query.aspect_urns.begin(), query.aspect_urns.end(), key.second) ==
              query.aspect_urns.end()) {
        continue;
      }
      if (query.visible_to_any && !visibleToOne(twins_.at(key.first).twin, *query.visible_to_any)) {
        continue;
      }
      ordered.emplace(position, AspectChange{key.first, key.second, stored.content_hash,
                                             stored.withdrawn, position});
      if (ordered.size() > query.limit) ordered.erase(std::prev(ordered.end()));
    }
    std::vector<AspectChange> out;
    for (auto& [position, change] : ordered) out.push_back(std::move(change));
    return out;
  }

  Result<ChangePosition> latestChange() override {
    std::lock_guard lock(mutex_);
    ChangePosition latest;
    for (const auto& [key, stored] : aspects_) {
      latest = std::max(latest, ChangePosition{commit_of_.at(key), stored.change_sequence});
    }
    return latest;
  }

  std::unique_ptr<ChangeSubscription> onChange(std::function<void()> on_change) override {
    return subscribers_->subscribe(std::move(on_change));
  }

  bool hearsEveryChange() const override { return true; }

  Result<std::vector<ListedTwin>> visibleTwins(const TwinQuery& query) override {
    std::lock_guard lock(mutex_);
    std::vector<ListedTwin> out;
    for (auto it = twins_.upper_bound(query.after); it != twins_.end() && out.size() < query.limit;
         ++it) {
      const auto& [id, stored] = *it;
      if (stored.withdrawn || (query.global_asset_id && *query.global_asset_id != id)) continue;
      const bool visible_to_one = visibleToOne(stored.twin, query.visible_to_any);
      const auto& ids = stored.twin.specific_asset_ids;
      const bool has_all_ids =
          std::all_of(query.with_asset_ids.begin(), query.with_asset_ids.end(),
                      [&](const SpecificAssetId& wanted) {
                        return std::find(ids.begin(), ids.end(), wanted) != ids.end();
                      });
      const auto created = created_.at(id);
      if (!visible_to_one || !has_all_ids ||
          (query.created_after && created <= *query.created_after)) {
        continue;
      }
      ListedTwin listed{stored.twin, created, {}};
      for (auto a = aspects_.lower_bound({id, ""}); a != aspects_.end() && a->first.first == id;
           ++a) {
        if (!a->second.withdrawn) listed.aspect_urns.push_back(a->first.second);
      }
      out.push_back(std::move(listed));
    }
    return out;
  }

  Result<std::vector<StoredQuarantineEntry>> quarantine(const std::string& source) override {
    std::lock_guard lock(mutex_);
    std::vector<StoredQuarantineEntry> out;
    for (const auto& [key, stored] : quarantine_) {
      if (source.empty() || stored.source == source) out.push_back(stored);
    }
    return out;
  }

  Result<std::set<std::string>> quarantinedRowKeys(const std::string& source,
                                                   const std::string& stream) override {
    std::lock_guard lock(mutex_);
    std::set<std::string> keys;
    for (auto it = quarantine_.lower_bound({source, stream, ""});
         it != quarantine_.end() && std::get<0>(it->first) == source &&
         std::get<1>(it->first) == stream;
         ++it) {
      keys.insert(std::get<2>(it->first));
    }
    return keys;
  }

  Result<StoreCounts> counts() override {
    std::lock_guard lock(mutex_);
    StoreCounts counts;
    for (const auto& [id, stored] : twins_) counts.twins += stored.withdrawn ? 0 : 1;
    for (const auto& [key, stored] : aspects_) counts.aspects += stored.withdrawn ? 0 : 1;
    counts.quarantined_rows = quarantine_.size();
    counts.last_change_sequence = last_sequence_;
    return counts;
  }

 private:
  // The batch, under the lock; commit() tells the subscribers after it is released.
  BatchOutcome apply(const SyncBatch& batch) {
    std::lock_guard lock(mutex_);
    BatchOutcome outcome;
    const auto now = std::chrono::system_clock::now();
    const int64_t commit = ++last_commit_;
    for (const Twin& twin : batch.twins) {
      const auto [it, added] = twins_.try_emplace(twin.global_asset_id, StoredTwin{twin, false});
      if (!added && (it->second.withdrawn || !(it->second.twin == twin))) {
        it->second = StoredTwin{twin, false};
        ++outcome.twins_changed;
      }
      created_.emplace(twin.global_asset_id, now);
    }
    std::vector<QuarantineEntry> quarantined = batch.quarantined;
    for (const AspectPayload& aspect : batch.aspects) {
      if (twins_.count(aspect.global_asset_id) == 0) {
        quarantined.push_back(orphanedAspectEntry(aspect));
        continue;
      }
      const std::string hash = sha256Hex(aspect.payload);
      auto& stored = aspects_[{aspect.global_asset_id, aspect.aspect_urn}];
      if (stored.change_sequence != 0 && stored.content_hash == hash && !stored.withdrawn) {
        ++outcome.aspects_unchanged;
        continue;
      }
      stored = StoredAspect{
          aspect.global_asset_id, aspect.aspect_urn, aspect.payload, hash, ++last_sequence_, false};
      commit_of_[{aspect.global_asset_id, aspect.aspect_urn}] = commit;
      ++outcome.aspects_changed;
    }
    for (const Withdrawal& withdrawal : batch.withdrawals) {
      auto twin = twins_.find(withdrawal.global_asset_id);
      if (twin == twins_.end() || twin->second.withdrawn) continue;
      twin->second.withdrawn = true;
      ++outcome.twins_withdrawn;
      for (auto it = aspects_.lower_bound({withdrawal.global_asset_id, ""});
           it != aspects_.end() && it->first.first == withdrawal.global_asset_id; ++it) {
        if (it->second.withdrawn) continue;
        it->second.withdrawn = true;
        it->second.change_sequence = ++last_sequence_;
        commit_of_[it->first] = commit;
      }
    }
    // A row the batch quarantines again stays in quarantine, whatever else clears it.
    std::set<std::string> requarantined;
    for (const QuarantineEntry& entry : quarantined) requarantined.insert(entry.row_key);
    for (const std::string& row_key : batch.cleared_row_keys) {
      if (requarantined.count(row_key) == 0)
        quarantine_.erase({batch.source, batch.stream, row_key});
    }
    for (const QuarantineEntry& entry : quarantined) {
      auto& stored = quarantine_[{batch.source, batch.stream, entry.row_key}];
      if (stored.occurrences == 0) stored.first_seen = now;
      stored.source = batch.source;
      stored.stream = batch.stream;
      stored.entry = entry;
      stored.last_seen = now;
      ++stored.occurrences;
      ++outcome.quarantined;
    }
    if (batch.watermark) watermarks_[{batch.source, batch.stream}] = *batch.watermark;
    return outcome;
  }

  static bool visibleToOne(const Twin& twin, const std::vector<std::string>& partners) {
    return std::any_of(partners.begin(), partners.end(), [&](const std::string& who) {
      return std::find(twin.visible_to.begin(), twin.visible_to.end(), who) !=
             twin.visible_to.end();
    });
  }

  std::mutex mutex_;
  std::map<std::string, StoredTwin> twins_;
  std::map<std::string, std::chrono::system_clock::time_point> created_;
  std::map<std::pair<std::string, std::string>, StoredAspect> aspects_;
  std::map<std::pair<std::string, std::string>, SyncWatermark> watermarks_;
  std::map<std::tuple<std::string, std::string, std::string>, StoredQuarantineEntry> quarantine_;
  std::map<std::pair<std::string, std::string>, int64_t> commit_of_;  // of each aspect's change
  int64_t last_sequence_ = 0;
  int64_t last_commit_ = 0;
  const std::shared_ptr<ChangeSubscribers> subscribers_ = std::make_shared<ChangeSubscribers>();
};

}  // namespace

std::unique_ptr<StateStore> createMemoryStateStore() {
  return std::make_unique<MemoryStateStore>();
}

}  // namespace cxgw::store
