#pragma once
// Identifiers.

#include <string>
#include <string_view>

namespace cxgw {

// A random (version 4) UUID in canonical lower-case form, e.g. for request ids.
// Thread-safe; each thread draws from its own seeded generator.
std::string randomUuid();

// A name-based (version 5, SHA-1) UUID per RFC 4122 section 4.3: the same namespace and name
// always give the same UUID, on any machine. `namespace_uuid` is in canonical form; returns
// an empty string when it is not a UUID.
std::string nameBasedUuid(std::string_view namespace_uuid, std::string_view name);

// True for a canonical UUID ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", hex digits in any case).
bool isCanonicalUuid(std::string_view text);

}  // namespace cxgw
