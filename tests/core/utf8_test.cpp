#include "cxgw/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cxgw {
namespace {

TEST(Utf8SequenceLength, AcceptsOneToFourByteSequences) {
  EXPECT_EQ(utf8::sequenceLength("a", 0), 1U);
  EXPECT_EQ(utf8::sequenceLength("\xC3\xA9", 0), 2U);          // é
  EXPECT_EQ(utf8::sequenceLength("\xE2\x84\xA2", 0), 3U);      // ™
  EXPECT_EQ(utf8::sequenceLength("\xF0\x9F\x9A\x97", 0), 4U);  // 🚗
  EXPECT_EQ(utf8::sequenceLength("x\xC3\xA9", 1), 2U);
}

TEST(Utf8SequenceLength, RejectsMalformedSequences) {
  EXPECT_EQ(utf8::sequenceLength("\x80", 0), 0U);              // stray continuation byte
  EXPECT_EQ(utf8::sequenceLength("\xC3", 0), 0U);              // truncated
  EXPECT_EQ(utf8::sequenceLength("\xC3(", 0), 0U);             // bad continuation
  EXPECT_EQ(utf8::sequenceLength("\xC0\xAF", 0), 0U);          // overlong '/'
  EXPECT_EQ(utf8::sequenceLength("\xED\xA0\x80", 0), 0U);      // UTF-16 surrogate
  EXPECT_EQ(utf8::sequenceLength("\xF4\x90\x80\x80", 0), 0U);  // above U+10FFFF
  EXPECT_EQ(utf8::sequenceLength("\xFF", 0), 0U);
}

// firstInvalid() against a walk with sequenceLength(), the definition, for a bad byte at every
// offset of texts longer than its eight-byte steps, around multi-byte sequences.
TEST(Utf8FirstInvalid, FindsWhatASequenceWalkFinds) {
  const auto walk = [](std::string_view text) {
    for (size_t pos = 0; pos < text.size();) {
      const size_t length = utf8::sequenceLength(text, pos);
      if (length == 0) return pos;
      pos += length;
    }
    return std::string_view::npos;
  };
  const std::string base = "serial SN-\xC3\x84\xE2\x84\xA2 0123456789 \xF0\x9F\x9A\x97 end of text";
  EXPECT_EQ(utf8::firstInvalid(base), std::string_view::npos);
  EXPECT_EQ(utf8::firstInvalid(""), std::string_view::npos);
  for (const char bad : {'\x80', '\xC3', '\xFF'}) {
    for (size_t at = 0; at <= base.size(); ++at) {
      std::string text = base;
      text.insert(at, 1, bad);
      EXPECT_EQ(utf8::firstInvalid(text), walk(text)) << "byte " << int(bad & 0xFF) << " at " << at;
      EXPECT_NE(utf8::firstInvalid(text), std::string_view::npos) << at;
    }
  }
}

}  // namespace
}  // namespace cxgw
