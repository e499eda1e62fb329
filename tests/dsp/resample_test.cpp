#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/resample.hpp"

using namespace edx::dsp;

TEST_CASE("FFT resampling equals scipy.signal.resample within 1e-10", "[dsp][resample]") {
    for (const auto& c : edx::dsp::test::reference().at("resample")) {
        const auto x = c.at("input").get<std::vector<double>>();
        const auto ref = c.at("output").get<std::vector<double>>();
        const auto y = resample_fft(x, c.at("num").get<std::size_t>());
        REQUIRE(y.size() == ref.size());
        INFO(x.size() << " -> " << ref.size());
        for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == Approx(ref[i]).margin(1e-10));
    }
}

TEST_CASE("upsampling interpolates a band-limited periodic signal exactly and keeps the samples", "[dsp][resample]") {
    const std::size_t n = 64, factor = 5;
    auto f = [](double t) { return std::sin(2 * std::numbers::pi * 3 * t) + 0.5 * std::cos(2 * std::numbers::pi * 11 * t); };
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = f(static_cast<double>(i) / n);
    const auto y = upsample_fft(x, factor);
    for (std::size_t j = 0; j < y.size(); ++j) CHECK(y[j] == Approx(f(static_cast<double>(j) / (n * factor))).margin(1e-12));
    REQUIRE_THROWS_WITH(upsample_fft(x, 0), Catch::Contains("factor"));
}
