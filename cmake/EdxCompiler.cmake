# Compiler settings applied to the project's own targets through edx_project_options.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

add_library(edx_project_options INTERFACE)
target_compile_options(edx_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Werror)

if(EDX_ARCH STREQUAL "native")
  target_compile_options(edx_project_options INTERFACE -march=native)
elseif(EDX_ARCH STREQUAL "x86-64-v3")
  target_compile_options(edx_project_options INTERFACE -march=x86-64-v3)
elseif(NOT EDX_ARCH STREQUAL "portable")
  message(FATAL_ERROR "EDX_ARCH must be native, x86-64-v3 or portable, not '${EDX_ARCH}'")
endif()

if(EDX_SANITIZE)
  set(_edx_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(edx_project_options INTERFACE ${_edx_san})
  target_link_options(edx_project_options INTERFACE ${_edx_san})
  # -O1 as AddressSanitizer recommends, line tables only (-g1) for its reports:
  # half the compile time of -O2 -g, which dominates the test command's time.
  # Placed after the build type's flags, so these win. At -O1 with the
  # sanitizers GCC 12 reports impossible memset bounds after a vector shrinks
  # by a constant (a known false -Wstringop-overflow): a warning, not an error.
  target_compile_options(edx_project_options INTERFACE -O1 -g1
    $<$<CXX_COMPILER_ID:GNU>:-Wno-error=stringop-overflow>)
endif()
