// A closed interval a simulation parameter is drawn from, as the needle-EMG
// tables of signals/physiology give them ({"min", "max"} or a single "value").
#pragma once

#include <cmath>

#include "edx/sim/random.hpp"

namespace edx::sim {

struct Interval {
    double min = 0.0;
    double max = 0.0;

    static Interval exactly(double value) noexcept { return {value, value}; }

    double draw(Random& random) const noexcept { return min == max ? min : random.uniform(min, max); }
    // Uniform in log: for quantities spanning a decade or more (rates, amplitudes). Needs min > 0.
    double draw_log(Random& random) const noexcept {
        return min == max ? min : std::exp(random.uniform(std::log(min), std::log(max)));
    }
    bool contains(double x) const noexcept { return x >= min && x <= max; }
    bool valid() const noexcept { return std::isfinite(min) && std::isfinite(max) && min <= max; }
};

}  // namespace edx::sim
