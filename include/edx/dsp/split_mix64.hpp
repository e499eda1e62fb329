// A seeded generator for resampling (bootstrap replicates, permutation tests):
// SplitMix64 (Steele, Lea & Flood 2014), a fixed algorithm, so a seed gives the
// same replicates with every compiler and standard library.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edx::dsp {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in 0..n-1 (n >= 1), from the top 53 bits.
    std::size_t index(std::size_t n) noexcept {
        const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
        const auto i = static_cast<std::size_t>(u * static_cast<double>(n));
        return i < n ? i : n - 1;
    }

private:
    std::uint64_t state_;
};

}  // namespace edx::dsp
