// The Hodges-Lehmann shift without forming every pairwise difference: the
// median of x_i - y_j over all pairs of two sorted samples, selected exactly
// in O((p + q) log(p q)) time and O(p + q) memory instead of O(p q), so the
// FAIR statistics stay near-linear in the number of sweeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace edx::evoked::detail {

// Selection in the implicit sorted matrix d(i, t) = x[i] - y[q-1-t] (rows
// ascending in t and, for fixed t, in i): per-row bounds on the candidates are
// narrowed by two pivots drawn from a random sample of the remaining
// candidates around the wanted rank (the sampling idea of Floyd & Rivest 1975
// applied to the sorted-matrix selection of Johnson & Mizoguchi 1978 and
// Monahan 1984), each pass counting in O(p + q) by a two-pointer walk; once
// few candidates remain they are gathered and selected directly. Every
// comparison is on the same rounded difference x[i] - y[j] the all-pairs sort
// would use, so the answer is bit-identical to it; the generator (fixed
// seed) only changes how fast the bounds close.
// Buffers are sized at construction: shift() does not allocate or throw.
class PairwiseMedian {
public:
    // Rows (x) and columns (y) of up to `capacity` each.
    explicit PairwiseMedian(std::size_t capacity);

    // Median of x[i] - y[j] over all pairs (mean of the two middle ones for
    // an even count). x and y ascending, not empty, each at most capacity().
    // A guess [guess_lo, guess_hi] of where the median lies (e.g. a nearby
    // data set's) replaces the first pass's sampled pivots: a good one leaves
    // few candidates after one pass, a wrong one costs one pass. The answer
    // does not depend on it. NaN: no guess.
    double shift(std::span<const double> x, std::span<const double> y, double guess_lo = kNoGuess,
                 double guess_hi = kNoGuess) noexcept;
    // The element of 0-based rank `rank` among the x.size() * y.size() differences.
    double select(std::span<const double> x, std::span<const double> y, std::size_t rank,
                  double guess_lo = kNoGuess, double guess_hi = kNoGuess) noexcept;

    static constexpr double kNoGuess = std::numeric_limits<double>::quiet_NaN();

    std::size_t capacity() const noexcept { return capacity_; }

private:
    // Per row: how many differences are < v (less) and <= v (not_more), by a two-pointer walk.
    void count(std::span<const double> x, std::span<const double> y, double v, std::size_t* less,
               std::size_t* not_more) const noexcept;
    std::uint64_t next() noexcept;

    std::size_t capacity_;
    std::vector<std::size_t> lo_, hi_, prefix_, less_a_, more_a_, less_b_, more_b_;
    std::vector<double> sample_, gather_;
    std::uint64_t state_ = 0x484C5348u;  // "HLSH"
};

}  // namespace edx::evoked::detail
