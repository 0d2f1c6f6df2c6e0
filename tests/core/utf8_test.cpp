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

}  // namespace
}  // namespace cxgw
