#pragma once
// The JSON-LD context documents under schemas/contexts/, embedded into the library at build time
// by schemas/cmake/embed_files.cmake, and the remote context URLs each one is served for.

#include <span>
#include <string_view>

namespace cxgw::schemas {

struct BuiltInContextFile {
  std::string_view relative_path;  // "<name>.jsonld"
  std::string_view text;
};

std::span<const BuiltInContextFile> builtInContextFiles();

struct BundledContext {
  std::string_view url;
  std::string_view file;  // a relative_path of builtInContextFiles()
};

std::span<const BundledContext> bundledContexts();

}  // namespace cxgw::schemas
