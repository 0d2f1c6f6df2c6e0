#include "cxgw/store/sync_watermark.hpp"

#include <cstdint>
#include <optional>

#include "cxgw/core/json_text.hpp"
#include "cxgw/core/utf8.hpp"

namespace cxgw::store {
namespace {

class WatermarkParser {
 public:
  explicit WatermarkParser(std::string_view text) : text_(text) {}

  Result<SyncWatermark> parse() {
    SyncWatermark watermark;
    if (!consume('[')) return fail("expected '['");
    if (!consume(']')) {
      while (true) {
        std::string value;
        if (auto error = parseString(value)) return std::move(*error);
        watermark.values.push_back(std::move(value));
        if (consume(']')) break;
        if (!consume(',')) return fail("expected ',' or ']'");
      }
    }
    if (pos_ != text_.size()) return fail("unexpected text after ']'");
    return watermark;
  }

 private:
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Error fail(std::string_view what) const {
    return Error{ErrorCode::kInvalidArgument,
                 std::string(what) + " at offset " + std::to_string(pos_) +
                     " of a sync watermark, which must be a JSON array of strings",
                 "watermark", "", 0};
  }

  std::optional<Error> parseString(std::string& out) {
    if (!consume('"')) return fail("expected a string");
    while (true) {
      if (pos_ >= text_.size()) return fail("unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return std::nullopt;
      }
      if (c == '\\') {
        if (auto error = parseEscape(out)) return error;
      } else if (c < 0x20) {
        return fail("unescaped control character");
      } else if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        ++pos_;
      } else {
        const size_t length = utf8::sequenceLength(text_, pos_);
        if (length == 0) return fail("invalid UTF-8");
        out.append(text_.substr(pos_, length));
        pos_ += length;
      }
    }
  }

  std::optional<Error> parseEscape(std::string& out) {
    ++pos_;  // the backslash
    if (pos_ >= text_.size()) return fail("unterminated string");
    const char c = text_[pos_++];
    switch (c) {
      case '"':
        out.push_back('"');
        return std::nullopt;
      case '\\':
        out.push_back('\\');
        return std::nullopt;
      case '/':
        out.push_back('/');
        return std::nullopt;
      case 'b':
        out.push_back('\b');
        return std::nullopt;
      case 'f':
        out.push_back('\f');
        return std::nullopt;
      case 'n':
        out.push_back('\n');
        return std::nullopt;
      case 'r':
        out.push_back('\r');
        return std::nullopt;
      case 't':
        out.push_back('\t');
        return std::nullopt;
      case 'u':
        break;
      default:
        --pos_;
        return fail("invalid escape");
    }
    uint32_t cp = 0;
    if (!parseHex4(cp)) return fail("invalid \\u escape");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (!consume('\\') || !consume('u') || !parseHex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return fail("high surrogate without low surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    appendUtf8(out, cp);
    return std::nullopt;
  }

  bool parseHex4(uint32_t& cp) {
    if (text_.size() - pos_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return false;
      }
      cp = (cp << 4) | digit;
    }
    pos_ += 4;
    return true;
  }

  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  const std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::string encodeWatermark(const SyncWatermark& watermark) {
  std::string out = "[";
  for (size_t i = 0; i < watermark.values.size(); ++i) {
    if (i > 0) out.push_back(',');
    json::appendString(out, watermark.values[i]);
  }
  out.push_back(']');
  return out;
}

Result<SyncWatermark> decodeWatermark(std::string_view text) {
  return WatermarkParser(text).parse();
}

}  // namespace cxgw::store
