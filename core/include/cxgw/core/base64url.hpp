#pragma once
// base64url (RFC 4648 section 5) without padding, as JOSE (RFC 7515 section 2) and the AAS API
// (identifiers in paths) use it.

#include <optional>
#include <string>
#include <string_view>

namespace cxgw {

std::string base64UrlEncode(std::string_view bytes);

// The bytes of `text`; nullopt for anything but the canonical unpadded encoding: a character
// outside the url-safe alphabet (so also '=' and the '+' '/' of plain base64), a length that
// leaves a lone character, or unused trailing bits that are not zero. Every byte string thus has
// exactly one accepted encoding, so a signed token cannot be altered without changing its bytes.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace cxgw
