#pragma once
// The project's schema files under schemas/aspects/, embedded into the library at build time by
// schemas/cmake/embed_files.cmake.

#include <span>
#include <string_view>

namespace cxgw::schemas {

struct BuiltInSchemaFile {
  std::string_view relative_path;  // "<namespace>/<version>/<Name>.schema.json"
  std::string_view text;
};

std::span<const BuiltInSchemaFile> builtInSchemaFiles();

}  // namespace cxgw::schemas
