#pragma once
// UTF-8 validation, for code that must pass text from partners and ERPs on safely.

#include <cstddef>
#include <string_view>

namespace cxgw::utf8 {

// Length (1-4) of the well-formed UTF-8 sequence that starts at text[pos], or 0 when the bytes
// there are not one: a stray continuation byte, a truncated sequence, an overlong encoding, a
// surrogate or a code point above U+10FFFF. Requires pos < text.size().
size_t sequenceLength(std::string_view text, size_t pos);

}  // namespace cxgw::utf8
