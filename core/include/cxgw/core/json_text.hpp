#pragma once
// Writing JSON text by hand where a DOM would be overkill (log lines, error bodies, metrics
// detail). Callers build the surrounding structure; these functions make the strings safe.

#include <string>
#include <string_view>

namespace cxgw::json {

// Appends `text` as a JSON string literal, quotes included. Control characters, quotes and
// backslashes are escaped; bytes that are not valid UTF-8 are replaced by U+FFFD so that the
// output is always valid JSON, whatever the input.
void appendString(std::string& out, std::string_view text);

// `text` as a JSON string literal.
std::string quote(std::string_view text);

}  // namespace cxgw::json
