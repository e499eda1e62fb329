#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <thread>
#include <vector>

#include "edx/dsp/fft.hpp"

using namespace edx::dsp;

namespace {

std::vector<double> random_signal(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> d;
    std::vector<double> x(n);
    for (auto& v : x) v = d(rng);
    return x;
}

}  // namespace

TEST_CASE("real FFT equals the direct DFT, and the inverse restores the signal", "[dsp][fft]") {
    INFO("backend " << FftPlan::backend());
    for (std::size_t n : {1u, 2u, 7u, 16u, 60u, 97u, 256u, 1000u}) {
        const auto x = random_signal(n, n);
        const auto plan = FftPlan::of_size(n);
        std::vector<std::complex<double>> X(plan->spectrum_size());
        plan->forward(x, X);
        double scale = 0, worst = 0;
        for (std::size_t k = 0; k < X.size(); ++k) {
            std::complex<double> ref = 0;
            for (std::size_t t = 0; t < n; ++t) {
                ref += x[t] * std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(k * t % n) /
                                                  static_cast<double>(n));
            }
            worst = std::max(worst, std::abs(ref - X[k]));
            scale = std::max(scale, std::abs(ref));
        }
        INFO("n = " << n);
        CHECK(worst <= 1e-12 * std::max(scale, 1.0));
        std::vector<double> back(n);
        plan->inverse(X, back);
        for (std::size_t t = 0; t < n; ++t) CHECK(back[t] == Approx(x[t]).margin(1e-12));
    }
}

TEST_CASE("plans are shared per size and run concurrently from several threads", "[dsp][fft]") {
    CHECK(FftPlan::of_size(480) == FftPlan::of_size(480));
    REQUIRE_THROWS_WITH(FftPlan::of_size(0), Catch::Contains("at least 1"));
    const auto plan = FftPlan::of_size(1009);  // prime: KISS's generic radix uses scratch
    std::vector<std::vector<double>> inputs;
    std::vector<std::vector<std::complex<double>>> expected;
    for (int i = 0; i < 4; ++i) {
        inputs.push_back(random_signal(1009, 40 + i));
        expected.emplace_back(plan->spectrum_size());
        plan->forward(inputs.back(), expected.back());
    }
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            std::vector<std::complex<double>> X(plan->spectrum_size());
            std::vector<double> back(1009);
            for (int rep = 0; rep < 40; ++rep) {
                const int which = (i + rep) % 4;
                plan->forward(inputs[static_cast<std::size_t>(which)], X);
                if (X != expected[static_cast<std::size_t>(which)]) ++mismatches[static_cast<std::size_t>(i)];
                // A second length planned concurrently with execution.
                FftPlan::of_size(static_cast<std::size_t>(500 + rep % 7))->inverse(
                    std::vector<std::complex<double>>(FftPlan::of_size(500 + rep % 7)->spectrum_size()),
                    std::span<double>(back.data(), 500 + rep % 7));
            }
        });
    }
    for (auto& t : threads) t.join();
    for (int m : mismatches) CHECK(m == 0);
}

TEST_CASE("FFT spans of the wrong size are refused and fast sizes are found", "[dsp][fft]") {
    const auto plan = FftPlan::of_size(8);
    std::vector<double> x(7);
    std::vector<std::complex<double>> X(5);
    REQUIRE_THROWS_WITH(plan->forward(x, X), Catch::Contains("needs 8 samples and 5 bins"));
    CHECK(next_fast_fft_size(1) == 1);
    CHECK(next_fast_fft_size(97) == 100);
    CHECK(next_fast_fft_size(1025) == 1080);
    CHECK(next_fast_fft_size(7) == 8);
}
