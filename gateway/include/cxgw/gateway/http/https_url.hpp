#pragma once
// The two things the gateway does with the URLs partners and the configuration give it.

#include <string>
#include <string_view>

namespace cxgw::gateway {

// Whether `url` is an https URL with something after the scheme. The gateway sends nothing to
// any other kind of URL.
inline bool isHttpsUrl(std::string_view url) {
  return url.size() > 8 && url.substr(0, 8) == "https://";
}

// `base` without trailing slashes, followed by `path` (which starts with '/').
inline std::string joinUrl(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string out(base);
  out += path;
  return out;
}

}  // namespace cxgw::gateway
