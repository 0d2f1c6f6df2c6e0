#include "cxgw/core/ids.hpp"

#include <array>
#include <cstdint>
#include <random>

#include "cxgw/core/digest.hpp"

namespace cxgw {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string formatUuid(const unsigned char* bytes) {
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool isCanonicalUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : hexValue(text[i]) < 0) return false;
  }
  return true;
}

std::string nameBasedUuid(std::string_view namespace_uuid, std::string_view name) {
  if (!isCanonicalUuid(namespace_uuid)) return "";
  std::array<unsigned char, 16> ns{};
  for (size_t i = 0, b = 0; i < namespace_uuid.size(); ++i) {
    if (namespace_uuid[i] == '-') continue;
    const int high = hexValue(namespace_uuid[i]);
    const int low = hexValue(namespace_uuid[++i]);
    ns[b++] = static_cast<unsigned char>(high * 16 + low);
  }
  std::array<unsigned char, 20> digest =
      sha1({std::string_view(reinterpret_cast<const char*>(ns.data()), ns.size()), name});
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return formatUuid(digest.data());
}

std::string randomUuid() {
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  uint64_t high = generator();
  uint64_t low = generator();
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(high >> (56 - 8 * i));
    bytes[8 + i] = static_cast<unsigned char>(low >> (56 - 8 * i));
  }
  return formatUuid(bytes);
}

}  // namespace cxgw
