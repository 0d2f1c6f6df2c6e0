# cxgw_component(NAME [DEPENDS cxgw::x ...] [PRIVATE_DEPENDS target ...])
#
# Declares the static library cxgw::NAME from NAME/src/*.cpp with its public headers in
# NAME/include/cxgw/NAME. DEPENDS lists the components it may use (ARCHITECTURE.md); they are
# the only cxgw components it links, so a forbidden include also fails to link.
function(cxgw_component name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(sources)
    add_library(cxgw_${name} STATIC ${sources})
    target_include_directories(cxgw_${name}
      PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(cxgw_${name} PUBLIC ${ARG_DEPENDS} PRIVATE cxgw_options ${ARG_PRIVATE_DEPENDS})
  else()
    add_library(cxgw_${name} INTERFACE)
    target_include_directories(cxgw_${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(cxgw_${name} INTERFACE ${ARG_DEPENDS})
  endif()
  add_library(cxgw::${name} ALIAS cxgw_${name})
  set_property(GLOBAL APPEND PROPERTY CXGW_COMPONENTS ${name})
endfunction()

# Compiles every public header alone in its own translation unit, so that each header states
# its own includes (ARCHITECTURE.md: "Each public header compiles on its own").
function(cxgw_add_header_self_containment_check)
  get_property(components GLOBAL PROPERTY CXGW_COMPONENTS)
  set(check_sources)
  set(check_links)
  foreach(component IN LISTS components)
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS
      ${PROJECT_SOURCE_DIR}/${component}/include/cxgw/*.hpp)
    foreach(header IN LISTS headers)
      file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/${component}/include ${header})
      string(MAKE_C_IDENTIFIER ${rel} stem)
      set(tu ${CMAKE_BINARY_DIR}/header_check/${stem}.cpp)
      file(CONFIGURE OUTPUT ${tu} CONTENT "#include <${rel}>\n")
      list(APPEND check_sources ${tu})
    endforeach()
    list(APPEND check_links cxgw::${component})
  endforeach()
  add_library(cxgw_header_check OBJECT ${check_sources})
  target_link_libraries(cxgw_header_check PRIVATE ${check_links} cxgw_options)
endfunction()
