// The alignment's band limit: a triangle of moving averages, checked against
// its definition (direct convolution with the triangular kernel) and its
// frequency response (-3 dB near the frequency asked for).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "evoked/band_limit.hpp"

using namespace edx::evoked::detail;

namespace {

// Direct convolution with the triangle (1, 2, .., w, .., 2, 1) / w^2, ends held.
std::vector<double> triangle(const std::vector<double>& x, std::size_t w) {
    const auto h = static_cast<long>(w / 2);
    const auto n = static_cast<long>(x.size());
    std::vector<double> out(x.size(), 0.0);
    for (long t = 0; t < n; ++t) {
        double s = 0.0;
        for (long j = -2 * h; j <= 2 * h; ++j) {
            const double weight = static_cast<double>(2 * h + 1 - std::abs(j));
            s += weight * x[static_cast<std::size_t>(std::clamp(t + j, 0L, n - 1))];
        }
        out[static_cast<std::size_t>(t)] = s / static_cast<double>(w * w);
    }
    return out;
}

}  // namespace

TEST_CASE("the band limit is the triangle of two moving averages, over any stretch", "[evoked][band_limit]") {
    std::mt19937_64 rng(2);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> x(300);
    for (double& v : x) v = normal(rng);
    for (std::size_t w : {3u, 7u, 13u}) {
        const std::vector<double> ref = triangle(x, w);
        // The whole trace (ends held), and a stretch written from its first sample on.
        std::vector<double> all(x.size());
        band_limit(x.data(), x.size(), w, 0, x.size(), all.data());
        for (std::size_t t = 0; t < x.size(); ++t) REQUIRE(all[t] == Approx(ref[t]).margin(1e-12));
        std::vector<double> part(50);
        band_limit(x.data(), x.size(), w, 100, 150, part.data());
        for (std::size_t t = 0; t < 50; ++t) REQUIRE(part[t] == Approx(ref[100 + t]).margin(1e-12));
        // Float input, the same within float rounding.
        std::vector<float> xf(x.begin(), x.end()), outf(x.size());
        band_limit(xf.data(), xf.size(), w, 0, xf.size(), outf.data());
        for (std::size_t t = 0; t < x.size(); ++t) REQUIRE(outf[t] == Approx(ref[t]).margin(1e-5));
    }
    // Width 1 copies.
    std::vector<double> copy(10);
    band_limit(x.data(), x.size(), 1, 5, 15, copy.data());
    for (std::size_t t = 0; t < 10; ++t) REQUIRE(copy[t] == x[5 + t]);
}

TEST_CASE("the band limit is -3 dB near the frequency asked for, at 10 and 20 kHz", "[evoked][band_limit]") {
    for (double fs : {10000.0, 20000.0}) {
        for (double f3 : {300.0, 500.0, 1000.0}) {
            const std::size_t w = band_limit_width(f3, fs);
            REQUIRE(w % 2 == 1);
            // The gain of a sinusoid at f3 (in the middle of a long trace).
            const std::size_t n = 4000;
            std::vector<double> x(n), y(n);
            for (std::size_t t = 0; t < n; ++t) x[t] = std::sin(2.0 * std::numbers::pi * f3 * static_cast<double>(t) / fs);
            band_limit(x.data(), n, w, 0, n, y.data());
            double peak = 0.0;
            for (std::size_t t = n / 4; t < 3 * n / 4; ++t) peak = std::max(peak, std::abs(y[t]));
            INFO("fs " << fs << " f3 " << f3 << " width " << w << " gain " << peak);
            // An odd whole width moves the -3 dB point by up to a width's
            // rounding (w near 3 at 1 kHz, 10 kHz: the widest step): 0.6-0.8.
            REQUIRE(peak > 0.6);
            REQUIRE(peak < 0.8);
        }
    }
    REQUIRE(band_limit_width(0.0, 10000.0) == 1);
    REQUIRE(band_limit_width(5000.0, 10000.0) == 1);  // would be under 3 samples: none
}
