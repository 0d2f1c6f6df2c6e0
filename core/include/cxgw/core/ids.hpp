#pragma once
// Identifiers.

#include <string>

namespace cxgw {

// A random (version 4) UUID in canonical lower-case form, e.g. for request ids.
// Thread-safe; each thread draws from its own seeded generator.
std::string randomUuid();

}  // namespace cxgw
