#include "known_twins.hpp"

namespace cxgw::store {
namespace {

constexpr std::string_view kUrnUuid = "urn:uuid:";

std::size_t slotOf(uint64_t high, uint64_t low, std::size_t mask) {
  // UUIDs made from SHA-1 are evenly spread already; mixing the halves keeps other versions so.
  return static_cast<std::size_t>((high * 0x9E3779B97F4A7C15ULL) ^ low) & mask;
}

}  // namespace

// One pass over the id, as this runs twice per synced row: "urn:uuid:" then 8-4-4-4-12
// lower-case hex digits. Upper-case digits are refused: to the store, they spell another id,
// which must not be taken for this one.
std::optional<KnownTwins::Key> KnownTwins::keyOf(std::string_view id) {
  constexpr std::size_t kLength = kUrnUuid.size() + 36;
  if (id.size() != kLength || id.substr(0, kUrnUuid.size()) != kUrnUuid) return std::nullopt;
  Key key;
  int digits = 0;
  for (std::size_t i = kUrnUuid.size(); i < kLength; ++i) {
    const char c = id[i];
    const std::size_t at = i - kUrnUuid.size();
    if (at == 8 || at == 13 || at == 18 || at == 23) {
      if (c != '-') return std::nullopt;
      continue;
    }
    uint64_t value = 0;
    if (c >= '0' && c <= '9') {
      value = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    uint64_t& half = digits < 16 ? key.high : key.low;
    half = (half << 4) | value;
    ++digits;
  }
  if (key.empty()) return std::nullopt;  // the nil UUID: the free-slot marker
  return key;
}

void KnownTwins::enter(const TwinGeneration& generation) {
  std::lock_guard lock(mutex_);
  if (generation_ == generation) return;
  generation_ = generation;
  slots_.clear();
  slots_.shrink_to_fit();
  entries_ = 0;
}

std::vector<bool> KnownTwins::known(const std::vector<std::string>& ids) const {
  std::vector<bool> out(ids.size(), false);
  std::lock_guard lock(mutex_);
  if (entries_ == 0) return out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::optional<Key> key = keyOf(ids[i]);
    out[i] = key && containsLocked(*key);
  }
  return out;
}

void KnownTwins::add(const std::vector<std::string>& ids, const TwinGeneration& generation) {
  std::lock_guard lock(mutex_);
  if (generation_ != generation) return;
  for (const std::string& id : ids) {
    if (entries_ >= max_entries_) return;
    if (const std::optional<Key> key = keyOf(id)) insertLocked(*key);
  }
}

std::size_t KnownTwins::size() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

bool KnownTwins::containsLocked(const Key& key) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = slotOf(key.high, key.low, mask);; slot = (slot + 1) & mask) {
    if (slots_[slot] == key) return true;
    if (slots_[slot].empty()) return false;
  }
}

void KnownTwins::insertLocked(const Key& key) {
  if ((entries_ + 1) * 2 > slots_.size()) growLocked();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = slotOf(key.high, key.low, mask);; slot = (slot + 1) & mask) {
    if (slots_[slot] == key) return;
    if (slots_[slot].empty()) {
      slots_[slot] = key;
      ++entries_;
      return;
    }
  }
}

void KnownTwins::growLocked() {
  std::vector<Key> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Key{});
  const std::size_t mask = slots_.size() - 1;
  for (const Key& key : old) {
    if (key.empty()) continue;
    std::size_t slot = slotOf(key.high, key.low, mask);
    while (!slots_[slot].empty()) slot = (slot + 1) & mask;
    slots_[slot] = key;
  }
}

}  // namespace cxgw::store
