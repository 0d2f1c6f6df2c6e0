#pragma once
// Cryptographic digests (OpenSSL libcrypto), for content hashes and name-based ids.

#include <string>
#include <string_view>

namespace cxgw {

// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256Hex(std::string_view data);

}  // namespace cxgw
