// Eigen for the evoked module. GCC 12 reports a false "(may be) used
// uninitialized" inside its own AVX-512 intrinsics header when Eigen's
// vectorised kernels are inlined (GCC bug 105593); the warning's location is
// that header, so it is silenced for the headers included here only.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#include <Eigen/Core>
#include <Eigen/Dense>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
