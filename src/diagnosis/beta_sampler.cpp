#include "beta_sampler.hpp"

#include <cmath>

namespace edx::diagnosis::detail {

double BetaSampler::uniform() noexcept {
    // 53 random bits, shifted by half a step so 0 is never returned.
    return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
}

double BetaSampler::normal() noexcept {
    if (has_spare_) {
        has_spare_ = false;
        return spare_;
    }
    double u, v, s;
    do {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
}

double BetaSampler::gamma(double shape) noexcept {
    // Marsaglia & Tsang (2000); shapes below 1 through Gamma(a) = Gamma(a + 1) U^(1/a).
    if (shape < 1.0) {
        const double g = gamma(shape + 1.0);
        return g * std::pow(uniform(), 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = normal();
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        const double u = uniform();
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
}

double BetaSampler::beta(const BetaParameters& b) noexcept {
    const double x = gamma(b.alpha);
    const double y = gamma(b.beta);
    const double sum = x + y;
    // Tiny shapes can underflow both gammas to 0: fall back on the mean.
    return sum > 0.0 ? x / sum : b.mean();
}

}  // namespace edx::diagnosis::detail
