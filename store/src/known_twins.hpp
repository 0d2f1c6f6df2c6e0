#pragma once
// The twins the PostgreSQL store knows to be stored, so that an aspect's twin need not be looked
// up again before the aspect is written (one index probe per aspect, a tenth of a sync's time).
//
// Twins are withdrawn, never deleted, so "twin X is stored" stays true once a commit made it
// true, except where an operator deletes twins in SQL or the store is rebuilt. Each of those
// changes the store's generation (migration 7: the table's oid and a count of statements that
// deleted twin rows), which every batch reads in its transaction; a set built at another
// generation is forgotten at once.
//
// Only ids of the form urn:uuid:<canonical UUID in lower case>, which every id the sync makes
// has, are kept: 16 bytes each, in an open-addressing table of at most twice as many slots as
// entries. Past `max_entries`, nothing more is added and the store looks the others up as
// before. Other ids, and the nil UUID, are never known.
//
// Thread-safety: every member may be called from several threads at once.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxgw::store {

struct TwinGeneration {
  int64_t table = 0;      // oid of cxgw_twins
  int64_t deletions = 0;  // statements that deleted twin rows, ever
  bool operator==(const TwinGeneration&) const = default;
};

class KnownTwins {
 public:
  explicit KnownTwins(std::size_t max_entries) : max_entries_(max_entries) {}

  // Forgets every twin unless the set was built at `generation`; from now on it is.
  void enter(const TwinGeneration& generation);

  // Which of `ids` are known to be stored (true) or must be looked up (false), in order.
  std::vector<bool> known(const std::vector<std::string>& ids) const;

  // Remembers `ids` as stored, as read at `generation`; a no-op when the set has since moved to
  // another generation.
  void add(const std::vector<std::string>& ids, const TwinGeneration& generation);

  std::size_t size() const;

 private:
  struct Key {
    uint64_t high = 0;
    uint64_t low = 0;
    bool empty() const { return high == 0 && low == 0; }
    bool operator==(const Key&) const = default;
  };
  static std::optional<Key> keyOf(std::string_view id);
  bool containsLocked(const Key& key) const;
  void insertLocked(const Key& key);
  void growLocked();

  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::optional<TwinGeneration> generation_;
  std::vector<Key> slots_;  // size a power of two, or 0; an empty Key is a free slot
  std::size_t entries_ = 0;
};

}  // namespace cxgw::store
