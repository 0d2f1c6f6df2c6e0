#pragma once
// Records read from a store and kept in memory by id, trusted only until the store announces a
// change: the part that ProcessRecordCache and TwinRecordCache share.
//
// find() serves a kept record while it is younger than `max_age` and the store tells of every
// change (`hears`); otherwise it reads the store and keeps what it read, unless a change was
// announced (forgetAll()) while the read was on its way, or the store was not listening
// throughout: a stale copy cannot slip in behind an announcement. What does not exist is not
// kept. At most `max_entries` records are kept; when full, it starts afresh.
//
// Thread-safety: every method from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dataplane/record_reach.hpp"

namespace cxgw::gateway {

template <typename Record>
class KeptRecords {
 public:
  KeptRecords(std::chrono::milliseconds max_age, size_t max_entries)
      : max_age_(max_age), max_entries_(max_entries) {}

  // `read()`: Result<std::optional<Record>> from the store; `hears()`: whether the store tells
  // of every change now. With Reach::kMemoryOnly, what is not kept and trusted is notInMemory(),
  // not counted as a miss, and the store is not read.
  template <typename Read, typename Hears>
  Result<std::optional<Record>> find(const std::string& id, const Read& read, const Hears& hears,
                                     Reach reach) {
    uint64_t epoch_before = 0;
    {
      std::lock_guard lock(mutex_);
      const auto it = kept_.find(id);
      if (it != kept_.end() && Clock::now() - it->second.read_at < max_age_ && hears()) {
        ++hits_;
        return std::optional<Record>(it->second.record);
      }
      if (reach == Reach::kMemoryOnly) return notInMemory();
      ++misses_;
      epoch_before = epoch_;
    }
    // Taken before the read: max_age bounds the age of what the store said.
    const Clock::time_point read_at = Clock::now();
    const bool heard_before = hears();
    Result<std::optional<Record>> found = read();
    if (!found || !found.value() || !heard_before) return found;
    std::lock_guard lock(mutex_);
    if (epoch_ != epoch_before || !hears()) return found;
    if (kept_.size() >= max_entries_) kept_.clear();
    kept_.insert_or_assign(id, Kept{*found.value(), read_at});
    return found;
  }

  // A change was announced: nothing kept so far, nor any read under way, is trusted.
  void forgetAll() {
    std::lock_guard lock(mutex_);
    kept_.clear();
    ++epoch_;
  }

  uint64_t hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }
  uint64_t misses() const {
    std::lock_guard lock(mutex_);
    return misses_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Kept {
    Record record;
    Clock::time_point read_at;
  };

  const std::chrono::milliseconds max_age_;
  const size_t max_entries_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<std::string, Kept> kept_;
  uint64_t epoch_ = 0;  // moves with every announcement
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace cxgw::gateway
