#include "cxgw/core/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace cxgw {
namespace {

TEST(RandomUuid, IsCanonicalVersion4) {
  const std::regex form("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 100; ++i) {
    const std::string id = randomUuid();
    EXPECT_TRUE(std::regex_match(id, form)) << id;
  }
}

TEST(RandomUuid, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(randomUuid()).second);
}

}  // namespace
}  // namespace cxgw
