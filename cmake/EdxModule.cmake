# edx_module(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One static library per module, edx_<name> (alias edx::<name>), with the public
# headers in include/edx/<name>/ and the implementation in src/<name>/.
function(edx_module name)
  cmake_parse_arguments(M "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(edx_${name} STATIC ${M_SOURCES})
  add_library(edx::${name} ALIAS edx_${name})
  target_include_directories(edx_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(edx_${name}
    PUBLIC ${M_PUBLIC_DEPS}
    PRIVATE edx_project_options ${M_PRIVATE_DEPS})
endfunction()

# edx_executable(<name> SOURCES ... DEPS ...): a program built with the project's flags.
function(edx_executable name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${M_SOURCES})
  target_link_libraries(${name} PRIVATE edx_project_options ${M_DEPS})
endfunction()
