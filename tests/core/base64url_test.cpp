#include "cxgw/core/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cxgw {
namespace {

// RFC 4648 section 10 test vectors, in the url-safe alphabet without padding.
TEST(Base64Url, EncodesTheRfcVectorsWithoutPadding) {
  EXPECT_EQ(base64UrlEncode(""), "");
  EXPECT_EQ(base64UrlEncode("f"), "Zg");
  EXPECT_EQ(base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Url, DecodingInvertsEncodingForEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t length = 0; length <= all.size(); length += 37) {
    const std::string bytes = all.substr(0, length);
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(bytes)), bytes) << length;
  }
}

TEST(Base64Url, RefusesEverythingButTheCanonicalEncoding) {
  EXPECT_FALSE(base64UrlDecode("Zg=="));   // padding
  EXPECT_FALSE(base64UrlDecode("+/8"));    // plain base64 alphabet
  EXPECT_FALSE(base64UrlDecode("Zm9vY"));  // a lone character
  EXPECT_FALSE(base64UrlDecode("Zh"));     // non-zero unused bits ("Zg" is canonical)
  EXPECT_FALSE(base64UrlDecode("Zm 9v"));
}

}  // namespace
}  // namespace cxgw
