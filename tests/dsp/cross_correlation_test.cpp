#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/cross_correlation.hpp"

using namespace edx::dsp;

TEST_CASE("FFT cross-correlation equals scipy.signal.correlate(mode='full') within 1e-9", "[dsp][cross_correlation]") {
    for (const auto& c : edx::dsp::test::reference().at("correlate")) {
        const auto a = c.at("a").get<std::vector<double>>();
        const auto b = c.at("b").get<std::vector<double>>();
        const auto ref = c.at("full").get<std::vector<double>>();
        const auto y = cross_correlate(a, b);
        REQUIRE(y.size() == ref.size());
        for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == Approx(ref[i]).margin(1e-9));
    }
}

TEST_CASE("a sub-sample delay is recovered from upsampled cross-correlation", "[dsp][cross_correlation]") {
    // A band-limited evoked-like pulse, delayed by a fraction of a sample.
    const std::size_t n = 256;
    auto pulse = [](double t) { return std::exp(-0.5 * std::pow((t - 100.0) / 4.0, 2)) - 0.6 * std::exp(-0.5 * std::pow((t - 110.0) / 6.0, 2)); };
    for (double delay : {0.3, -1.45, 2.8}) {
        std::vector<double> ref(n), del(n);
        for (std::size_t i = 0; i < n; ++i) {
            ref[i] = pulse(static_cast<double>(i));
            del[i] = pulse(static_cast<double>(i) - delay);
        }
        const auto est = estimate_delay(ref, del, 16, 10);
        INFO("true delay " << delay << " samples, estimated " << est.delay_samples);
        CHECK(est.delay_samples == Approx(delay).margin(0.01));
    }
    REQUIRE_THROWS_WITH(cross_correlate(std::vector<double>{}, std::vector<double>{1.0}), Catch::Contains("non-empty"));
}
