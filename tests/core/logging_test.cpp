#include "cxgw/core/logging.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace cxgw {
namespace {

TEST(LogLine, IsOneJsonObjectWithTypedFields) {
  const std::string line = formatLogLine(LogLevel::kWarn, "request \"done\"\n",
                                         {{"request_id", "abc-1"},
                                          {"status", 404},
                                          {"duration_ms", 1.5},
                                          {"tls", true},
                                          {"bytes", static_cast<size_t>(17)}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  rapidjson::Document document;
  document.Parse(line.c_str());
  ASSERT_FALSE(document.HasParseError()) << line;
  EXPECT_STREQ(document["level"].GetString(), "warn");
  EXPECT_STREQ(document["msg"].GetString(), "request \"done\"\n");
  EXPECT_STREQ(document["request_id"].GetString(), "abc-1");
  EXPECT_EQ(document["status"].GetInt(), 404);
  EXPECT_DOUBLE_EQ(document["duration_ms"].GetDouble(), 1.5);
  EXPECT_TRUE(document["tls"].GetBool());
  EXPECT_EQ(document["bytes"].GetUint64(), 17U);
  const std::string time = document["time"].GetString();
  ASSERT_EQ(time.size(), 24U) << time;  // 2026-11-23T07:12:03.481Z
  EXPECT_EQ(time.back(), 'Z');
}

TEST(LogLine, LevelFilterFollowsConfiguration) {
  configureLogging(LogLevel::kWarn);
  EXPECT_FALSE(logEnabled(LogLevel::kInfo));
  EXPECT_TRUE(logEnabled(LogLevel::kError));
  configureLogging(LogLevel::kOff);
  EXPECT_FALSE(logEnabled(LogLevel::kError));
  configureLogging(LogLevel::kInfo);
  EXPECT_TRUE(logEnabled(LogLevel::kInfo));
}

}  // namespace
}  // namespace cxgw
