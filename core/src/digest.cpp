#include "cxgw/core/digest.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace cxgw {
namespace {

// An algorithm fetched once and kept for the life of the process.
const EVP_MD* fetched(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  // Only a libcrypto without its default provider lacks SHA-256 and SHA-1; nothing could be
  // hashed, so there is nothing sensible to go on with.
  if (md == nullptr) std::abort();
  return md;
}

// This thread's digest context, reused from call to call.
EVP_MD_CTX* threadContext() {
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!context) std::abort();  // out of memory
  return context.get();
}

template <std::size_t N>
std::array<unsigned char, N> digest(const EVP_MD* md,
                                    std::initializer_list<std::string_view> parts) {
  EVP_MD_CTX* context = threadContext();
  std::array<unsigned char, N> out{};
  unsigned int size = 0;
  bool ok = EVP_DigestInit_ex2(context, md, nullptr) == 1;
  for (const std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(context, part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(context, out.data(), &size) == 1 && size == N;
  // With a fetched algorithm and a context of our own, only a broken libcrypto fails here; an
  // all-zero or partial digest would silently merge distinct contents, so stop instead.
  if (!ok) std::abort();
  return out;
}

}  // namespace

std::array<unsigned char, 32> sha256(std::string_view data) {
  static const EVP_MD* const md = fetched("SHA256");
  return digest<32>(md, {data});
}

std::string sha256Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::array<unsigned char, 32> bytes = sha256(data);
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return out;
}

std::array<unsigned char, 20> sha1(std::initializer_list<std::string_view> parts) {
  static const EVP_MD* const md = fetched("SHA1");
  return digest<20>(md, parts);
}

}  // namespace cxgw
