# Build options, all prefixed EDX_.
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

option(EDX_BUILD_TESTS "Build the Catch2 test suite" ON)
option(EDX_BUILD_BENCHMARKS "Build the benchmarks in tools/bench" ON)
option(EDX_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
# libFuzzer targets (tests/stream/frame_parser_fuzz.cpp) and a bounded fuzz
# run as a ctest test (label fuzz). Needs clang: configure a build directory of
# its own with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang and build
# the fuzz_* targets there.
option(EDX_FUZZ "Build the libFuzzer targets and their bounded runs (clang only)" OFF)
# The figures in the README are for a build tuned to the machine it runs on.
# Vendors shipping binaries choose a portable baseline instead.
set(EDX_ARCH "native" CACHE STRING
    "Instruction set: native (this machine), x86-64-v3 (AVX2 baseline) or portable")
set_property(CACHE EDX_ARCH PROPERTY STRINGS native x86-64-v3 portable)

# FFT engine behind edx/dsp/fft.hpp. FFTW3 is GPL-2+: a binary linked with it
# is GPL as a whole, which an acquisition vendor embedding edx cannot accept.
# The default is therefore the KISS FFT that ships inside Eigen (MPL-2.0);
# "fftw" selects FFTW3 for those whose licence allows it.
set(EDX_FFT "kiss" CACHE STRING "FFT engine: kiss (Eigen's KISS FFT, MPL-2.0) or fftw (FFTW3, GPL-2+)")
set_property(CACHE EDX_FFT PROPERTY STRINGS kiss fftw)
