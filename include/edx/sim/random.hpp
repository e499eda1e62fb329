// The simulator's random source: xoshiro256** seeded by splitmix64, with its
// own uniform and normal draws, so a seed gives the same recording on every
// platform and standard library (std::normal_distribution does not promise that).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace edx::sim {

class Random {
public:
    explicit Random(std::uint64_t seed) noexcept;

    std::uint64_t next_u64() noexcept;
    // Uniform in [0, 1).
    double uniform() noexcept;
    double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
    // Standard normal (Marsaglia polar method).
    double normal() noexcept;
    double normal(double mean, double sd) noexcept { return mean + sd * normal(); }
    // Exponential with the given mean.
    double exponential(double mean) noexcept;
    // An independent stream that depends only on the seed and a name (e.g. the
    // recording's), so adding a recording to a study leaves the others unchanged.
    static Random stream(std::uint64_t seed, std::string_view name) noexcept;

private:
    std::array<std::uint64_t, 4> state_{};
    double spare_normal_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace edx::sim
