#include "cxgw/core/json_text.hpp"

#include "cxgw/core/utf8.hpp"

namespace cxgw::json {

void appendString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    // Printable ASCII other than '"' and '\\' goes out as it is, a run at a time.
    const size_t run = i;
    while (i < text.size()) {
      const auto p = static_cast<unsigned char>(text[i]);
      if (p < 0x20 || p >= 0x7F || p == '"' || p == '\\') break;
      ++i;
    }
    out.append(text.data() + run, i - run);
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = utf8::sequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:  // the other control characters and DEL
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
    ++i;
  }
  out.push_back('"');
}

std::string quote(std::string_view text) {
  std::string out;
  appendString(out, text);
  return out;
}

}  // namespace cxgw::json
