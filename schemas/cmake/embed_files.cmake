# cmake -DASPECTS_DIR=<schemas/aspects> -DOUTPUT=<file.cpp> -P embed_aspect_schemas.cmake
#
# Writes a C++ source that defines builtInSchemaFiles() (src/builtin_schema_files.hpp) with
# every <namespace>/<version>/<Name>.schema.json under ASPECTS_DIR as a raw string literal.
cmake_minimum_required(VERSION 3.25)

set(delimiter "cxgw_schema")
file(GLOB_RECURSE schema_files LIST_DIRECTORIES false "${ASPECTS_DIR}/*.schema.json")
list(SORT schema_files)

set(entries "")
foreach(schema_file IN LISTS schema_files)
  file(RELATIVE_PATH relative_path "${ASPECTS_DIR}" "${schema_file}")
  file(READ "${schema_file}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${schema_file} contains )${delimiter}\", the raw string delimiter")
  endif()
  string(APPEND entries "    {\"${relative_path}\",\n     R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()

file(WRITE "${OUTPUT}.tmp"
"// Generated from schemas/aspects/ by schemas/cmake/embed_aspect_schemas.cmake. Do not edit.
#include \"builtin_schema_files.hpp\"

namespace cxgw::schemas {
namespace {

constexpr BuiltInSchemaFile kBuiltInSchemaFiles[] = {
${entries}};

}  // namespace

std::span<const BuiltInSchemaFile> builtInSchemaFiles() { return kBuiltInSchemaFiles; }

}  // namespace cxgw::schemas
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
