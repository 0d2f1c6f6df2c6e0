#include "cxgw/policies/odrl_operator.hpp"

#include <array>
#include <string>
#include <utility>

namespace cxgw::policies {
namespace {

constexpr std::array<std::pair<std::string_view, OdrlOperator>, 12> kOperators{{
    {"eq", OdrlOperator::kEq},
    {"neq", OdrlOperator::kNeq},
    {"in", OdrlOperator::kIn},
    {"isAnyOf", OdrlOperator::kIsAnyOf},
    {"isAllOf", OdrlOperator::kIsAllOf},
    {"isNoneOf", OdrlOperator::kIsNoneOf},
    {"isA", OdrlOperator::kIsA},
    {"hasPart", OdrlOperator::kHasPart},
    {"gt", OdrlOperator::kGt},
    {"gteq", OdrlOperator::kGteq},
    {"lt", OdrlOperator::kLt},
    {"lteq", OdrlOperator::kLteq},
}};

}  // namespace

Result<OdrlOperator> parseOdrlOperator(std::string_view iri) {
  if (iri.substr(0, kOdrlNamespace.size()) == kOdrlNamespace) {
    const std::string_view local = iri.substr(kOdrlNamespace.size());
    for (const auto& [name, op] : kOperators) {
      if (name == local) return op;
    }
  }
  return Error{ErrorCode::kInvalidArgument,
               "unknown operator '" + std::string(iri) + "'; the constraint cannot be satisfied",
               "odrl:operator", "", 0};
}

std::string_view odrlOperatorName(OdrlOperator op) {
  for (const auto& [name, candidate] : kOperators) {
    if (candidate == op) return name;
  }
  return "?";
}

}  // namespace cxgw::policies
