# Included by the top-level CMakeLists.txt when CXGW_FUZZ is ON, before the components: every
# target that uses cxgw_options (all cxgw libraries) is compiled with libFuzzer's coverage
# instrumentation plus ASan and UBSan; the fuzzer executables add the libFuzzer driver
# (tests/fuzz/CMakeLists.txt). UBSan findings abort, so the fuzzer reports them as crashes.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "CXGW_FUZZ needs clang (libFuzzer); use the fuzz preset: "
                      "cmake --preset fuzz")
endif()
if(CXGW_SANITIZE)
  message(FATAL_ERROR "CXGW_FUZZ already enables ASan and UBSan; turn CXGW_SANITIZE off")
endif()
target_compile_options(cxgw_options INTERFACE
  -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  -fno-sanitize-recover=undefined
  -fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/ubsan_ignorelist.txt)
target_link_options(cxgw_options INTERFACE -fsanitize=address,undefined)
