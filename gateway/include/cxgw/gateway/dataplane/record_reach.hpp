#pragma once
// How far a look-up in the data plane's caches may go (ProcessRecordCache, TwinRecordCache,
// PayloadCache): to the store when memory does not have it, or no further than memory, for a
// caller that must not block, such as an I/O thread.

#include "cxgw/core/result.hpp"

namespace cxgw::gateway {

enum class Reach {
  kStore,       // read the store when what is asked for is not in memory
  kMemoryOnly,  // never read the store: what memory does not hold (or no longer trusts) comes
                // back as notInMemory()
};

// The Error of a kMemoryOnly look-up that memory cannot answer (kUnavailable).
inline Error notInMemory() {
  return Error{ErrorCode::kUnavailable, "not in memory; the store must be read", "", "", 0};
}

}  // namespace cxgw::gateway
