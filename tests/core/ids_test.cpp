#include "cxgw/core/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "cxgw/core/digest.hpp"

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

namespace cxgw {
namespace {

// RFC 4122 appendix B's DNS namespace; the expected value is Python's
// uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), a widely published reference pair.
TEST(NameBasedUuid, MatchesTheKnownVersion5Vector) {
  EXPECT_EQ(nameBasedUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(NameBasedUuid, IsStableAndDependsOnNamespaceAndName) {
  const std::string ns = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
  EXPECT_EQ(nameBasedUuid(ns, "SN-1"), nameBasedUuid(ns, "SN-1"));
  EXPECT_NE(nameBasedUuid(ns, "SN-1"), nameBasedUuid(ns, "SN-2"));
  EXPECT_NE(nameBasedUuid(ns, "SN-1"),
            nameBasedUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "SN-1"));
  EXPECT_EQ(nameBasedUuid(ns, "SN-1")[14], '5');
}

TEST(NameBasedUuid, RejectsANamespaceThatIsNotAUuid) {
  EXPECT_EQ(nameBasedUuid("not-a-uuid", "x"), "");
  EXPECT_FALSE(isCanonicalUuid("6ba7b811-9dad-11d1-80b4-00c04fd430c"));
  EXPECT_TRUE(isCanonicalUuid("6BA7B811-9dad-11d1-80b4-00c04fd430c8"));
}

TEST(Sha256Hex, MatchesTheFips180Vector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("").size(), 64U);
}

}  // namespace
}  // namespace cxgw
