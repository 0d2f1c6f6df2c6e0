#pragma once
// ISO 3166-1 country codes for the ERP mapping language: Catena-X aspects want alpha-3 codes,
// ERPs often store alpha-2 and sometimes a mix of both.
//
// Pure functions over a constant table of all 249 officially assigned codes; safe to call from
// any thread. Returned views point into that table and stay valid for the life of the program.

#include <span>
#include <string_view>

#include "cxgw/core/result.hpp"

namespace cxgw::adapters {

struct CountryCodePair {
  std::string_view alpha2;  // "DE"
  std::string_view alpha3;  // "DEU"
};

// The alpha-3 code for an alpha-2 code, e.g. "DE" or "de" -> "DEU". An input that is already an
// assigned alpha-3 code is passed through (in its canonical upper case). Letters may be in any
// case; nothing is trimmed. Fails with kInvalidArgument, naming the value, when the input is not
// an officially assigned alpha-2 or alpha-3 code (user-assigned codes such as "XX" or "ZZZ" and
// reserved ones such as "UK" included).
Result<std::string_view> alpha3FromAlpha2(std::string_view alpha2);

// All officially assigned codes, sorted by alpha-2.
std::span<const CountryCodePair> countryCodeTable();

}  // namespace cxgw::adapters
