#pragma once
// UTF-8 validation, for code that must pass text from partners and ERPs on safely.

#include <cstddef>
#include <string_view>

namespace cxgw::utf8 {

// Length (1-4) of the well-formed UTF-8 sequence that starts at text[pos], or 0 when the bytes
// there are not one: a stray continuation byte, a truncated sequence, an overlong encoding, a
// surrogate or a code point above U+10FFFF. Requires pos < text.size().
size_t sequenceLength(std::string_view text, size_t pos);

// Offset of the first byte of `text` that does not start a well-formed sequence (as
// sequenceLength() judges), or npos when all of it is valid UTF-8. ASCII goes eight bytes a step.
size_t firstInvalid(std::string_view text);

}  // namespace cxgw::utf8
