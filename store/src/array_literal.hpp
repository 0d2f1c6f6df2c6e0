#pragma once
// text[] values as the PostgreSQL store passes them, in COPY rows and as statement parameters.

#include <string>
#include <vector>

namespace cxgw::store {

// `elements` as a text[] input literal, e.g. {"a","b \"c\""}; every element quoted.
inline std::string arrayLiteral(const std::vector<std::string>& elements) {
  std::string out = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (const char c : elements[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

}  // namespace cxgw::store
