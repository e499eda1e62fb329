#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/zero_phase.hpp"

using namespace edx::dsp;

TEST_CASE("zero-phase filter equals scipy.signal.sosfiltfilt within 1e-5", "[dsp][zero_phase]") {
    for (const auto& c : edx::dsp::test::reference().at("filtering")) {
        INFO(c.at("name").get<std::string>());
        const auto cascade = edx::dsp::test::cascade_from(c.at("sos"));
        CHECK(default_pad_length(cascade) == c.at("sosfiltfilt_padlen").get<std::size_t>());
        const auto x = edx::dsp::test::load_array<float>(c.at("input"));
        const auto ref = edx::dsp::test::load_array<double>(c.at("sosfiltfilt"));
        std::vector<float> y(x.size());
        zero_phase_filter(cascade, x, y);
        double worst = 0, peak = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            worst = std::max(worst, std::abs(static_cast<double>(y[i]) - ref[i]));
            peak = std::max(peak, std::abs(ref[i]));
        }
        INFO("max |difference| " << worst << ", peak " << peak);
        CHECK(worst <= 1e-5 * peak);
    }
}

TEST_CASE("zero-phase filtering does not shift a peak", "[dsp][zero_phase]") {
    const double fs = 10000.0;
    std::vector<double> x(2000);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = (static_cast<double>(i) - 1000.3) / fs;
        x[i] = std::exp(-0.5 * (t / 0.001) * (t / 0.001));
    }
    std::vector<double> y(x.size());
    zero_phase_filter(butterworth_lowpass(4, 800.0, fs), x, y);
    const auto peak = std::max_element(y.begin(), y.end()) - y.begin();
    CHECK(peak == 1000);
}

TEST_CASE("zero-phase filter refuses signals not longer than the pad length", "[dsp][zero_phase]") {
    const auto cascade = butterworth_lowpass(4, 100.0, 1000.0);  // 2 sections: pad 15
    std::vector<float> x(15), y(15);
    REQUIRE_THROWS_WITH(zero_phase_filter(cascade, x, y), Catch::Contains("pad length (15)"));
    std::vector<float> x2(16), y2(16);
    REQUIRE_NOTHROW(zero_phase_filter(cascade, x2, y2));
}
