# Every dependency comes from a Debian package. Licences: HDF5 (BSD-style),
# Eigen (MPL-2.0), Boost (BSL-1.0), nlohmann-json (MIT), Catch2 (BSL-1.0, tests only).
find_package(PkgConfig REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Boost 1.71 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(Threads REQUIRED)
if(EDX_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()

# HDF5 as one imported target, whatever form FindHDF5 reports it in.
if(NOT TARGET edx::hdf5)
  add_library(edx::hdf5 INTERFACE IMPORTED)
  target_include_directories(edx::hdf5 INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(edx::hdf5 INTERFACE ${HDF5_C_LIBRARIES} ${HDF5_LIBRARIES})
  target_compile_definitions(edx::hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

if(EDX_FFT STREQUAL "fftw")
  pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3 fftw3f)
elseif(NOT EDX_FFT STREQUAL "kiss")
  message(FATAL_ERROR "EDX_FFT must be kiss or fftw, not '${EDX_FFT}'")
endif()
