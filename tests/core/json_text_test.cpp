#include "cxgw/core/json_text.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace cxgw {
namespace {

// Parses `literal` as a JSON string with an independent parser and returns its value.
std::string parsedBack(const std::string& literal) {
  rapidjson::Document document;
  document.Parse(literal.c_str(), literal.size());
  EXPECT_FALSE(document.HasParseError()) << literal;
  EXPECT_TRUE(document.IsString()) << literal;
  return document.IsString() ? std::string(document.GetString(), document.GetStringLength()) : "";
}

TEST(JsonQuote, EscapesQuotesBackslashesAndControls) {
  const std::string input = std::string("a\"b\\c\nd\te\x01\x1f", 11) + std::string(1, '\0') + "z";
  const std::string literal = json::quote(input);
  EXPECT_EQ(parsedBack(literal), input);
  EXPECT_EQ(literal.find('\n'), std::string::npos);
}

TEST(JsonQuote, EveryAsciiByteReadsBackWhereverItStands) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  for (const std::string& input : {all, all.substr(1) + all, "plain " + all.substr(0x20)}) {
    const std::string literal = json::quote(input);
    EXPECT_EQ(parsedBack(literal), input);
    EXPECT_EQ(literal.find('\x7f'), std::string::npos) << "DEL is escaped";
  }
}

TEST(JsonQuote, KeepsValidUtf8) {
  const std::string input = "Séri-ü™ 部品 🚗";
  EXPECT_EQ(parsedBack(json::quote(input)), input);
}

TEST(JsonQuote, ReplacesInvalidUtf8SoOutputIsValidJson) {
  const std::string input =
      "ok\xff\xc3(\xed\xa0\x80"
      "end";  // stray byte, cut sequence, surrogate
  const std::string back = parsedBack(json::quote(input));
  EXPECT_NE(back.find("ok"), std::string::npos);
  EXPECT_NE(back.find("end"), std::string::npos);
  EXPECT_NE(back.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_EQ(back.find('\xff'), std::string::npos);
}

}  // namespace
}  // namespace cxgw
