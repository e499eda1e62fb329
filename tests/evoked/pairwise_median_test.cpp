#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "evoked/fair_kernel.hpp"
#include "evoked/pairwise_median.hpp"

using namespace edx::evoked::detail;

namespace {

// Latencies of four kinds: continuous, quantised to 0.1 ms (many exact ties
// among the differences, as with sample-resolution latencies), a handful of
// distinct values, and one value repeated.
std::vector<double> draw(SplitMix64& rng, std::size_t n, int kind, double centre) {
    std::vector<double> v(n);
    for (auto& x : v) {
        const double u = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
        switch (kind) {
            case 0: x = centre + 3.0 * (u - 0.5); break;
            case 1: x = centre + std::round(30.0 * (u - 0.5)) / 10.0; break;
            case 2: x = centre + static_cast<double>(rng.index(3)); break;
            default: x = centre; break;
        }
    }
    return v;
}

}  // namespace

TEST_CASE("pairwise median: bit-identical to sorting every pairwise difference", "[fair]") {
    SplitMix64 rng(20261128);
    PairwiseMedian median(2500);
    std::vector<double> pairs;
    // Sizes below and far above the point where it stops gathering all pairs
    // (4 (p + q) + 2048), lopsided ones included.
    const std::vector<std::pair<std::size_t, std::size_t>> sizes = {
        {1, 1}, {1, 2}, {2, 1}, {10, 10}, {5, 2000}, {2000, 5}, {60, 90}, {200, 150}, {333, 653}, {1000, 1000}};
    int checked = 0;
    for (const auto& [p, q] : sizes) {
        for (int kind = 0; kind < 4; ++kind) {
            auto x = draw(rng, p, kind, 33.0);
            auto y = draw(rng, q, kind, 30.0);
            pairs.resize(p * q);
            const double reference = hodges_lehmann(x, y, pairs);
            std::sort(x.begin(), x.end());
            std::sort(y.begin(), y.end());
            INFO("p " << p << " q " << q << " kind " << kind);
            REQUIRE(median.shift(x, y) == reference);
            // Every rank the selection is asked for, not only the middle.
            std::size_t k = 0;
            for (const double xi : x) {
                for (const double yj : y) pairs[k++] = xi - yj;
            }
            std::sort(pairs.begin(), pairs.end());
            for (const std::size_t rank : {std::size_t{0}, p * q / 7, p * q / 2, p * q - 1}) {
                REQUIRE(median.select(x, y, rank) == pairs[rank]);
            }
            ++checked;
        }
    }
    REQUIRE(checked == 40);
}
