#include "cxgw/schemas/aspect_urn.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cxgw::schemas {
namespace {

constexpr std::string_view kSerialPart = "urn:samm:io.catenax.serial_part:4.0.0#SerialPart";

// Expects `text` to be rejected with a message that quotes `offending`.
void expectRejected(std::string_view text, std::string_view offending) {
  SCOPED_TRACE("input: " + std::string(text));
  const auto result = parseAspectUrn(text);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().key, "aspect URN");
  EXPECT_NE(result.error().message.find("'" + std::string(offending) + "'"), std::string::npos)
      << result.error().message;
}

TEST(AspectUrn, SerialPartUrnIsSplitIntoItsParts) {
  const auto result = parseAspectUrn(kSerialPart);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result.value().model_namespace, "io.catenax.serial_part");
  EXPECT_EQ(result.value().version, "4.0.0");
  EXPECT_EQ(result.value().name, "SerialPart");
}

TEST(AspectUrn, ToStringRoundTripsParsedUrns) {
  for (std::string_view text :
       {kSerialPart, std::string_view("urn:samm:io.catenax.batch:3.0.0#Batch"),
        std::string_view("urn:samm:io.catenax.single_level_bom_as_built:"
                         "3.0.0#SingleLevelBomAsBuilt"),
        std::string_view("urn:samm:io.catenax.pcf:7.0.0#Pcf"),
        std::string_view("urn:samm:a:10.20.30#A1")}) {
    const auto result = parseAspectUrn(text);
    ASSERT_TRUE(result.ok()) << text << ": " << result.error().describe();
    EXPECT_EQ(result.value().toString(), text);
  }
}

TEST(AspectUrn, ConstructedUrnParsesBackEqual) {
  const AspectUrn urn{"io.catenax.just_in_sequence_part", "3.0.0", "JustInSequencePart"};
  const auto result = parseAspectUrn(urn.toString());
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result.value(), urn);
}

TEST(AspectUrn, WrongPrefixIsRejected) {
  for (std::string_view text :
       {std::string_view(""), std::string_view("io.catenax.serial_part:4.0.0#SerialPart"),
        std::string_view("urn:bamm:io.catenax.serial_part:4.0.0#SerialPart"),
        std::string_view("URN:SAMM:io.catenax.serial_part:4.0.0#SerialPart"),
        std::string_view(" urn:samm:io.catenax.serial_part:4.0.0#SerialPart"),
        std::string_view("urn:samm")}) {
    expectRejected(text, text);
  }
}

TEST(AspectUrn, MissingSeparatorIsRejected) {
  for (std::string_view text :
       {std::string_view("urn:samm:io.catenax.serial_part#SerialPart"),
        std::string_view("urn:samm:io.catenax.serial_part:4.0.0"),
        std::string_view("urn:samm:io.catenax.serial_part:4.0.0SerialPart"),
        std::string_view("urn:samm:io.catenax#serial_part:4.0.0"), std::string_view("urn:samm:")}) {
    expectRejected(text, text);
  }
}

TEST(AspectUrn, MalformedNamespaceIsRejected) {
  for (std::string_view ns : {"", "io.Catenax.serial_part", ".io.catenax", "io.catenax.",
                              "io..catenax", "io.catenax.serial-part", "io catenax"}) {
    expectRejected("urn:samm:" + std::string(ns) + ":4.0.0#SerialPart", ns);
  }
}

TEST(AspectUrn, MalformedVersionIsRejected) {
  for (std::string_view version : {"", "4", "4.0", "4.0.0.1", "4..0", ".4.0.0", "4.0.0.", "v4.0.0",
                                   "4.0.x", "4.0.0-rc1", "4.0.0:1"}) {
    expectRejected("urn:samm:io.catenax.serial_part:" + std::string(version) + "#SerialPart",
                   version);
  }
}

TEST(AspectUrn, MalformedNameIsRejected) {
  for (std::string_view name : {"", "serialPart", "1SerialPart", "Serial_Part", "Serial Part",
                                "SerialPart#2", "SerialPart:1", "Séri"}) {
    expectRejected("urn:samm:io.catenax.serial_part:4.0.0#" + std::string(name), name);
  }
}

}  // namespace
}  // namespace cxgw::schemas
