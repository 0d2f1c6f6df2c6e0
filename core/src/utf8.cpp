#include "cxgw/core/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace cxgw::utf8 {

size_t sequenceLength(std::string_view text, size_t pos) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[pos + k]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() - pos < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

size_t firstInvalid(std::string_view text) {
  constexpr uint64_t kHighBits = 0x8080808080808080U;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text.size() - pos >= sizeof(uint64_t)) {
      uint64_t eight;
      std::memcpy(&eight, text.data() + pos, sizeof eight);
      if ((eight & kHighBits) == 0) {
        pos += sizeof eight;
        continue;
      }
    }
    const size_t length = sequenceLength(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

}  // namespace cxgw::utf8
