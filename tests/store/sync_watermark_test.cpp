#include "cxgw/store/sync_watermark.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace cxgw::store {
namespace {

using namespace std::string_literals;

void expectRoundTrip(const SyncWatermark& watermark) {
  const std::string encoded = encodeWatermark(watermark);
  const auto decoded = decodeWatermark(encoded);
  ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.error().describe();
  EXPECT_EQ(decoded.value(), watermark) << encoded;
}

void expectRejected(std::string_view text) {
  SCOPED_TRACE("input: " + std::string(text));
  const auto result = decodeWatermark(text);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().key, "watermark");
}

TEST(SyncWatermark, EncodesAsCompactJsonArrayOfStrings) {
  EXPECT_EQ(encodeWatermark({{"2026-11-23 07:00:00.123+00", "4711"}}),
            R"(["2026-11-23 07:00:00.123+00","4711"])");
  EXPECT_EQ(encodeWatermark({{"a\"b\\c\n"}}), R"(["a\"b\\c\n"])");
}

TEST(SyncWatermark, RoundTripKeepsValues) {
  expectRoundTrip({{"2026-11-23 07:00:00.123+00", "4711"}});
  expectRoundTrip({{"S\xc3\xa9ri-\xc3\xbc\xe2\x84\xa2"}});              // "Séri-ü™"
  expectRoundTrip({{"\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xc2\x80"}});  // 😀, U+FFFF, U+0080
  expectRoundTrip({{"quote\"", "back\\slash", "\\\"", "/", "[\"],"}});
  expectRoundTrip({{"\0\x01\x1f\x7f\b\f\n\r\t"s}});
  expectRoundTrip({{"", ""}});
  expectRoundTrip({{std::string(10000, 'x')}});
}

TEST(SyncWatermark, EmptyWatermarkRoundTrips) {
  EXPECT_EQ(encodeWatermark({}), "[]");
  const auto decoded = decodeWatermark("[]");
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_TRUE(decoded.value().values.empty());
  expectRoundTrip({});
}

TEST(SyncWatermark, EmptyStringDiffersFromEmptyWatermark) {
  const auto decoded = decodeWatermark(R"([""])");
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded.value(), SyncWatermark{{""}});
}

TEST(SyncWatermark, DecodeAcceptsEveryJsonStringEscape) {
  const auto decoded = decodeWatermark(R"(["\"\\\/\b\f\n\r\t","\u00e9\u00C9\u0000\ud83d\ude00"])");
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded.value(),
            (SyncWatermark{{"\"\\/\b\f\n\r\t", "\xc3\xa9\xc3\x89\0\xf0\x9f\x98\x80"s}}));
}

TEST(SyncWatermark, NotAnArrayIsRejected) {
  for (std::string_view text : {"", "{}", R"("a")", "4711", "null", R"({"a":"b"})", "]"}) {
    expectRejected(text);
  }
}

TEST(SyncWatermark, NonStringElementIsRejected) {
  for (std::string_view text : {"[1]", "[null]", "[true]", R"([["a"]])", R"(["a",1])", R"([{}])",
                                "[,]", R"(["a",])", R"([,"a"])", R"(["a""b"])", "['a']"}) {
    expectRejected(text);
  }
}

TEST(SyncWatermark, TrailingGarbageIsRejected) {
  for (std::string_view text : {R"(["a"]x)", R"(["a"][])", "[]]", R"(["a"],)", "[]\n"}) {
    expectRejected(text);
  }
}

TEST(SyncWatermark, WhitespaceBetweenTokensIsRejected) {
  for (std::string_view text : {R"( ["a"])", R"([ "a"])", R"(["a" ])", R"(["a", "b"])", "[ ]"}) {
    expectRejected(text);
  }
}

TEST(SyncWatermark, UnterminatedIsRejected) {
  for (std::string_view text :
       {"[", R"(["a")", R"(["a",)", R"(["abc)", R"(["abc])", R"(["a\)", R"(["a\"])"}) {
    expectRejected(text);
  }
}

TEST(SyncWatermark, BadEscapeIsRejected) {
  for (std::string_view text :
       {R"(["\x41"])", R"(["\a"])", R"(["\'"])", R"(["\U0041"])", R"(["\u41"])", R"(["\u004"])",
        R"(["\u00G1"])", R"(["\ud800"])", R"(["\udc00"])", R"(["\ud800\u0041"])", R"(["\ud800\n"])",
        R"(["\ud83d\ud83d"])"}) {
    expectRejected(text);
  }
}

TEST(SyncWatermark, RawControlCharacterIsRejected) {
  expectRejected("[\"a\nb\"]");
  expectRejected("[\"a\tb\"]");
  expectRejected("[\"\x1f\"]");
  expectRejected("[\"a\0b\"]"s);
}

TEST(SyncWatermark, InvalidUtf8IsRejected) {
  for (std::string_view text : {"[\"\xff\"]", "[\"\x80\"]", "[\"\xc3\"]", "[\"\xc0\xaf\"]",
                                "[\"\xe2\x84\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]"}) {
    expectRejected(text);
  }
}

TEST(SyncWatermark, ErrorNamesTheOffset) {
  const auto result = decodeWatermark(R"(["a"]x)");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("offset 5"), std::string::npos) << result.error().message;
}

// A random code point, biased towards the characters that need escaping.
uint32_t randomCodePoint(std::mt19937& rng) {
  const auto in = [&](uint32_t low, uint32_t high) {
    return std::uniform_int_distribution<uint32_t>(low, high)(rng);
  };
  switch (in(0, 5)) {
    case 0:
      return in(0x00, 0x20);
    case 1: {
      constexpr char kSpecial[] = "\"\\/\x7f[],";
      return static_cast<unsigned char>(kSpecial[in(0, sizeof(kSpecial) - 2)]);
    }
    case 2:
      return in(0x21, 0x7F);
    case 3:
      return in(0x80, 0x7FF);
    case 4: {
      const uint32_t cp = in(0x800, 0xFFFF - 0x800);
      return cp >= 0xD800 ? cp + 0x800 : cp;  // skip the surrogates
    }
    default:
      return in(0x10000, 0x10FFFF);
  }
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
    return;
  }
  const int continuation = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
  constexpr unsigned char kLead[] = {0, 0xC0, 0xE0, 0xF0};
  out.push_back(static_cast<char>(kLead[continuation] | (cp >> (6 * continuation))));
  for (int shift = 6 * (continuation - 1); shift >= 0; shift -= 6) {
    out.push_back(static_cast<char>(0x80 | ((cp >> shift) & 0x3F)));
  }
}

TEST(SyncWatermark, RandomValidUtf8RoundTrips) {
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> value_count(0, 4);
  std::uniform_int_distribution<int> length(0, 24);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    SyncWatermark watermark;
    for (int v = value_count(rng); v > 0; --v) {
      std::string value;
      for (int n = length(rng); n > 0; --n) appendUtf8(value, randomCodePoint(rng));
      watermark.values.push_back(std::move(value));
    }
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    expectRoundTrip(watermark);
    if (HasFatalFailure() || HasNonfatalFailure()) return;
  }
}

TEST(SyncWatermark, RandomTextIsDecodedOrRejectedConsistently) {
  // Random strings over the JSON alphabet: whatever decodes must survive a re-encoding.
  constexpr std::string_view kAlphabet = "[],\"\\/ubfnrt0aAdD8\x7f\n\xc3\xa9\xed";
  std::mt19937 rng(4711);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 16);
  int decoded_count = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text = "[\"";
    for (int n = length(rng); n > 0; --n) text.push_back(kAlphabet[pick(rng)]);
    if (rng() % 2 == 0) text += "\"]";
    const auto decoded = decodeWatermark(text);
    if (!decoded.ok()) {
      ASSERT_EQ(decoded.error().code, ErrorCode::kInvalidArgument) << text;
      continue;
    }
    ++decoded_count;
    expectRoundTrip(decoded.value());
    if (HasFatalFailure() || HasNonfatalFailure()) return;
  }
  EXPECT_GT(decoded_count, 0);
}

}  // namespace
}  // namespace cxgw::store
