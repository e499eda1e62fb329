#include "pairwise_median.hpp"

#include <algorithm>

namespace edx::evoked::detail {

namespace {
// Sample size and half-width (in sample ranks) of the pivot pair around the
// wanted rank: the rank's position in a sample of 64 has an SD of at most 4,
// so +-8 brackets it in most passes and leaves about a quarter of the
// candidates for the next.
constexpr std::size_t kSample = 64;
constexpr std::ptrdiff_t kHalfWidth = 8;
}  // namespace

PairwiseMedian::PairwiseMedian(std::size_t capacity)
    : capacity_(capacity),
      lo_(capacity + 1),
      hi_(capacity + 1),
      prefix_(capacity + 2),
      less_a_(capacity + 1),
      more_a_(capacity + 1),
      less_b_(capacity + 1),
      more_b_(capacity + 1),
      sample_(kSample),
      gather_(4 * capacity + 2048) {}

std::uint64_t PairwiseMedian::next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void PairwiseMedian::count(std::span<const double> x, std::span<const double> y, double v, std::size_t* less,
                           std::size_t* not_more) const noexcept {
    // Row i ascending: x[i] - y[q-1-t] for t = 0..q-1. Going down the rows
    // every difference grows (or stays), so both boundaries only move left.
    const std::size_t p = x.size(), q = y.size();
    std::size_t a = q, b = q;
    for (std::size_t i = 0; i < p; ++i) {
        const double xi = x[i];
        while (a > 0 && xi - y[q - a] >= v) --a;
        while (b > 0 && xi - y[q - b] > v) --b;
        less[i] = a;
        not_more[i] = b;
    }
}

double PairwiseMedian::select(std::span<const double> x, std::span<const double> y, std::size_t rank,
                              double guess_lo, double guess_hi) noexcept {
    bool guessed = guess_lo <= guess_hi;  // false for NaN
    const std::size_t p = x.size(), q = y.size();
    for (std::size_t i = 0; i < p; ++i) {
        lo_[i] = 0;
        hi_[i] = q;
    }
    std::size_t below = 0, left = p * q;
    const std::size_t gather_at = std::min(gather_.size(), 8 * (p + q) + 4096);
    auto at = [&](std::size_t i, std::size_t t) { return x[i] - y[q - 1 - t]; };
    for (;;) {
        if (left <= gather_at) {
            std::size_t g = 0;
            for (std::size_t i = 0; i < p; ++i) {
                for (std::size_t t = lo_[i]; t < hi_[i]; ++t) gather_[g++] = at(i, t);
            }
            const auto target = static_cast<std::ptrdiff_t>(rank - below);
            std::nth_element(gather_.begin(), gather_.begin() + target, gather_.begin() + static_cast<std::ptrdiff_t>(g));
            return gather_[static_cast<std::size_t>(target)];
        }
        double a = guess_lo, b = guess_hi;
        if (!guessed) {
            prefix_[0] = 0;
            for (std::size_t i = 0; i < p; ++i) prefix_[i + 1] = prefix_[i] + (hi_[i] - lo_[i]);
            for (double& s : sample_) {
                const std::size_t u = static_cast<std::size_t>(next() % left);
                const auto row = static_cast<std::size_t>(
                    std::upper_bound(prefix_.begin() + 1, prefix_.begin() + static_cast<std::ptrdiff_t>(p) + 1, u) -
                    (prefix_.begin() + 1));
                s = at(row, lo_[row] + (u - prefix_[row]));
            }
            std::sort(sample_.begin(), sample_.end());
            const double where = (static_cast<double>(rank - below) + 0.5) / static_cast<double>(left);
            const auto centre = static_cast<std::ptrdiff_t>(where * static_cast<double>(kSample));
            const auto last = static_cast<std::ptrdiff_t>(kSample) - 1;
            a = sample_[static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(centre - kHalfWidth, 0, last))];
            b = sample_[static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(centre + kHalfWidth, 0, last))];
        }
        guessed = false;

        count(x, y, a, less_a_.data(), more_a_.data());
        std::size_t less = 0, not_more = 0;
        for (std::size_t i = 0; i < p; ++i) less += less_a_[i], not_more += more_a_[i];
        if (rank < less) {  // below a
            for (std::size_t i = 0; i < p; ++i) hi_[i] = std::min(hi_[i], less_a_[i]);
        } else if (rank < not_more) {
            return a;
        } else {
            count(x, y, b, less_b_.data(), more_b_.data());
            std::size_t less_b = 0, not_more_b = 0;
            for (std::size_t i = 0; i < p; ++i) less_b += less_b_[i], not_more_b += more_b_[i];
            if (rank >= not_more_b) {  // above b
                for (std::size_t i = 0; i < p; ++i) lo_[i] = std::max(lo_[i], more_b_[i]);
            } else if (rank >= less_b) {
                return b;
            } else {  // between a and b
                for (std::size_t i = 0; i < p; ++i) {
                    lo_[i] = std::max(lo_[i], more_a_[i]);
                    hi_[i] = std::min(hi_[i], less_b_[i]);
                }
            }
        }
        below = 0;
        left = 0;
        for (std::size_t i = 0; i < p; ++i) below += lo_[i], left += hi_[i] - lo_[i];
    }
}

double PairwiseMedian::shift(std::span<const double> x, std::span<const double> y, double guess_lo,
                             double guess_hi) noexcept {
    const std::size_t n = x.size() * y.size();
    if (n <= std::min(gather_.size(), 4 * (x.size() + y.size()) + 2048)) {
        // Few pairs: all of them, as the reference does.
        std::size_t g = 0;
        for (const double xi : x) {
            for (const double yj : y) gather_[g++] = xi - yj;
        }
        const auto mid = gather_.begin() + static_cast<std::ptrdiff_t>(n / 2);
        std::nth_element(gather_.begin(), mid, gather_.begin() + static_cast<std::ptrdiff_t>(n));
        if (n % 2 == 1) return *mid;
        return 0.5 * (*std::max_element(gather_.begin(), mid) + *mid);
    }
    const double upper = select(x, y, n / 2, guess_lo, guess_hi);
    if (n % 2 == 1) return upper;
    // The other middle difference is the largest one below `upper`, unless
    // `upper` itself is repeated down to rank n/2 - 1.
    count(x, y, upper, less_a_.data(), more_a_.data());
    std::size_t less = 0;
    for (std::size_t i = 0; i < x.size(); ++i) less += less_a_[i];
    double lower = upper;
    if (less >= n / 2) {
        bool first = true;
        const std::size_t q = y.size();
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (less_a_[i] == 0) continue;
            const double d = x[i] - y[q - less_a_[i]];
            if (first || d > lower) lower = d;
            first = false;
        }
    }
    return 0.5 * (lower + upper);
}

}  // namespace edx::evoked::detail
