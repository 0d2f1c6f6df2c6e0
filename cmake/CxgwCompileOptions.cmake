# Compile options shared by every cxgw target, applied through the cxgw_options interface target.
add_library(cxgw_options INTERFACE)
target_compile_options(cxgw_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough)
if(CXGW_WARNINGS_AS_ERRORS)
  target_compile_options(cxgw_options INTERFACE -Werror)
endif()
if(CXGW_SANITIZE)
  target_compile_options(cxgw_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(cxgw_options INTERFACE -fsanitize=address,undefined)
endif()
