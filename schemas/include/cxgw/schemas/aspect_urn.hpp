#pragma once
// Semantic ids of Catena-X aspect models, the keys of the schema registry.
//
//   urn:samm:io.catenax.serial_part:4.0.0#SerialPart
//            └── namespace ──────┘ └ver┘ └─ name ─┘

#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"

namespace cxgw::schemas {

struct AspectUrn {
  std::string model_namespace;  // "io.catenax.serial_part"
  std::string version;          // "4.0.0" (major.minor.patch)
  std::string name;             // "SerialPart"

  std::string toString() const;
  friend bool operator==(const AspectUrn&, const AspectUrn&) = default;
};

// Parses a SAMM aspect URN. Fails with kInvalidArgument, naming the part that is wrong.
Result<AspectUrn> parseAspectUrn(std::string_view text);

}  // namespace cxgw::schemas
