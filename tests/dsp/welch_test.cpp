#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/welch.hpp"

using namespace edx::dsp;

TEST_CASE("Welch PSD equals scipy.signal.welch within 1e-5 relative", "[dsp][welch]") {
    const auto& ref = edx::dsp::test::reference();
    const auto& filtering = ref.at("filtering");
    for (const auto& c : ref.at("welch")) {
        std::vector<float> x;
        for (const auto& f : filtering) {
            if (f.at("name") == c.at("input")) x = edx::dsp::test::load_array<float>(f.at("input"));
        }
        REQUIRE_FALSE(x.empty());
        WelchConfig config;
        config.segment_length = c.at("nperseg");
        config.overlap = c.at("noverlap").get<std::size_t>();
        const std::string detrend = c.at("detrend");
        config.detrend = detrend == "constant" ? Detrend::constant : detrend == "linear" ? Detrend::linear : Detrend::none;
        config.scaling = c.at("scaling") == "density" ? SpectrumScaling::density : SpectrumScaling::spectrum;
        const auto psd = welch(x, c.at("fs").get<double>(), config);
        const auto& p = c.at("psd");
        const auto& f = c.at("frequencies_hz");
        INFO("nperseg " << config.segment_length << ", detrend " << detrend);
        REQUIRE(psd.power.size() == p.size());
        double peak = 0;
        for (const auto& v : p) peak = std::max(peak, v.get<double>());
        for (std::size_t k = 0; k < p.size(); ++k) {
            const double r = p[k].get<double>();
            CHECK(std::abs(psd.power[k] - r) <= 1e-5 * std::max(r, 1e-9 * peak));
            CHECK(psd.frequencies_hz[k] == Approx(f[k].get<double>()).epsilon(1e-12));
        }
    }
}

TEST_CASE("Welch PSD integrates to the power of a sinusoid", "[dsp][welch]") {
    const double fs = 1000.0;
    std::vector<double> x(10000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 2.0 * std::sin(2 * std::numbers::pi * 50.0 * static_cast<double>(i) / fs);
    WelchConfig c500;
    c500.segment_length = 500;
    const auto psd = welch(x, fs, c500);
    double power = 0;
    for (double p : psd.power) power += p * fs / 500.0;
    CHECK(power == Approx(2.0).epsilon(1e-3));  // A^2 / 2
    REQUIRE_THROWS_WITH(welch(std::vector<double>(100), fs, WelchConfig{}), Catch::Contains("at least segment_length = 256"));
    WelchConfig full;
    full.overlap = 256;
    REQUIRE_THROWS_WITH(welch(x, fs, full), Catch::Contains("overlap = 256"));
}
