#pragma once
// Cryptographic digests (OpenSSL libcrypto), for content hashes and name-based ids.
//
// The algorithms are looked up in OpenSSL once per process, not per call: with OpenSSL 3, a
// digest named by EVP_sha256() is fetched from the provider store, behind a lock, every time it
// is used, which cost a sync of a million rows more than the hashing itself. Safe to call from
// several threads at once.

#include <array>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cxgw {

// SHA-256 of `data`: 32 bytes.
std::array<unsigned char, 32> sha256(std::string_view data);

// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256Hex(std::string_view data);

// SHA-1 of the concatenation of `parts`: 20 bytes. Only for name-based UUIDs (RFC 4122 version
// 5), which are defined on it; never for anything that must resist collisions.
std::array<unsigned char, 20> sha1(std::initializer_list<std::string_view> parts);

}  // namespace cxgw
