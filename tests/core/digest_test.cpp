#include "cxgw/core/digest.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace cxgw {
namespace {

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

// Known answers from FIPS 180-4's examples (the message "abc") and for the empty message.
TEST(DigestTest, Sha256MatchesTheStandardsKnownAnswers) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const auto bytes = sha256("abc");
  EXPECT_EQ(hex(bytes.data(), bytes.size()), sha256Hex("abc"));
}

TEST(DigestTest, Sha1HashesTheConcatenationOfItsParts) {
  const auto whole = sha1({"abc"});
  EXPECT_EQ(hex(whole.data(), whole.size()), "a9993e364706816aba3e25717850c26c9cd0d89d");
  const auto parts = sha1({"a", "", "bc"});
  EXPECT_EQ(hex(parts.data(), parts.size()), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// The digests share algorithms fetched once and keep one context per thread; threads hashing at
// once must each get their own input's digest.
TEST(DigestTest, ThreadsHashingAtOnceGetTheirOwnDigests) {
  std::vector<std::string> expected;
  for (int t = 0; t < 4; ++t) expected.push_back(sha256Hex("thread " + std::to_string(t)));
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &expected, &wrong] {
      for (int i = 0; i < 2000; ++i) {
        if (sha256Hex("thread " + std::to_string(t)) != expected[t]) ++wrong[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace cxgw
