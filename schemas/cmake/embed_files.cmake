# cmake -DINPUT_DIR=<dir> -DGLOB=<pattern> -DOUTPUT=<file.cpp> -DHEADER=<header.hpp>
#       -DENTRY_TYPE=<struct> -DFUNCTION=<name> -P embed_files.cmake
#
# Writes a C++ source that defines `std::span<const ENTRY_TYPE> FUNCTION()` (declared in HEADER,
# ENTRY_TYPE being {relative_path, text}) with every file under INPUT_DIR matching GLOB, sorted by
# path, as a raw string literal. This is how schemas/ compiles its data files into the library,
# so the cxgw binary is self-contained.
cmake_minimum_required(VERSION 3.25)

foreach(parameter INPUT_DIR GLOB OUTPUT HEADER ENTRY_TYPE FUNCTION)
  if(NOT DEFINED ${parameter})
    message(FATAL_ERROR "embed_files.cmake needs -D${parameter}=...")
  endif()
endforeach()

set(delimiter "cxgw_embed")
file(GLOB_RECURSE input_files LIST_DIRECTORIES false "${INPUT_DIR}/${GLOB}")
list(SORT input_files)

set(entries "")
foreach(input_file IN LISTS input_files)
  file(RELATIVE_PATH relative_path "${INPUT_DIR}" "${input_file}")
  file(READ "${input_file}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${input_file} contains )${delimiter}\", the raw string delimiter")
  endif()
  string(APPEND entries "    {\"${relative_path}\",\n     R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()

get_filename_component(folder "${INPUT_DIR}" NAME)
file(WRITE "${OUTPUT}.tmp"
"// Generated from schemas/${folder}/ by schemas/cmake/embed_files.cmake. Do not edit.
#include \"${HEADER}\"

namespace cxgw::schemas {
namespace {

constexpr ${ENTRY_TYPE} kEmbeddedFiles[] = {
${entries}};

}  // namespace

std::span<const ${ENTRY_TYPE}> ${FUNCTION}() { return kEmbeddedFiles; }

}  // namespace cxgw::schemas
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
