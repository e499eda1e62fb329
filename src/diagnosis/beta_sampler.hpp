// Draws from Beta distributions for the diagnosis Monte Carlo, from a seed, the
// same on every platform: std::mt19937_64 is specified exactly, and the uniform,
// normal and gamma transforms are written here rather than taken from
// <random>'s distributions, whose algorithms the standard leaves open.
#pragma once

#include <cstdint>
#include <random>

#include "edx/diagnosis/beta_fit.hpp"

namespace edx::diagnosis::detail {

class BetaSampler {
public:
    explicit BetaSampler(std::uint64_t seed) : engine_(seed) {}

    double uniform() noexcept;                 // in (0, 1)
    double normal() noexcept;                  // standard normal (Marsaglia polar)
    double gamma(double shape) noexcept;       // Gamma(shape, 1), shape > 0 (Marsaglia-Tsang)
    double beta(const BetaParameters& b) noexcept;

private:
    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace edx::diagnosis::detail
