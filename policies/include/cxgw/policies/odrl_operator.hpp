#pragma once
// The ODRL constraint operators that Catena-X policies use.
//
// Operators are identified by their expanded IRI (http://www.w3.org/ns/odrl/2/eq, …). An IRI
// that is not one of these is an error: the policy engine treats a constraint with an unknown
// operator as unsatisfiable (fail closed), never as true.

#include <string_view>

#include "cxgw/core/result.hpp"

namespace cxgw::policies {

enum class OdrlOperator {
  kEq,
  kNeq,
  kIn,
  kIsAnyOf,
  kIsAllOf,
  kIsNoneOf,
  kIsA,
  kHasPart,
  kGt,
  kGteq,
  kLt,
  kLteq,
};

inline constexpr std::string_view kOdrlNamespace = "http://www.w3.org/ns/odrl/2/";

// Operator from its expanded IRI; kInvalidArgument naming the IRI when it is not known.
Result<OdrlOperator> parseOdrlOperator(std::string_view iri);

// The local name, e.g. "isAnyOf".
std::string_view odrlOperatorName(OdrlOperator op);

}  // namespace cxgw::policies
