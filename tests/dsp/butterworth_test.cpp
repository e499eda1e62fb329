#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/butterworth.hpp"

using namespace edx::dsp;

namespace {

// |edx - scipy| <= 1e-9 x the largest magnitude of that row's numerator (or
// denominator): relative, and meaningful for coefficients that are exactly 0.
double worst_relative_difference(const SosCascade& ours, const SosCascade& ref) {
    double worst = 0;
    for (std::size_t s = 0; s < ref.size(); ++s) {
        const double b[3] = {ours[s].b0 - ref[s].b0, ours[s].b1 - ref[s].b1, ours[s].b2 - ref[s].b2};
        const double a[2] = {ours[s].a1 - ref[s].a1, ours[s].a2 - ref[s].a2};
        const double bs = std::max({std::abs(ref[s].b0), std::abs(ref[s].b1), std::abs(ref[s].b2)});
        const double as = std::max({1.0, std::abs(ref[s].a1), std::abs(ref[s].a2)});
        for (double d : b) worst = std::max(worst, std::abs(d) / bs);
        for (double d : a) worst = std::max(worst, std::abs(d) / as);
    }
    return worst;
}

}  // namespace

TEST_CASE("Butterworth designs equal scipy.signal.butter(output='sos') within 1e-9 relative", "[dsp][butterworth]") {
    const auto& cases = edx::dsp::test::reference().at("butter");
    REQUIRE(cases.size() >= 40);
    for (const auto& c : cases) {
        const std::string type = c.at("type");
        const int order = c.at("order");
        const double fs = c.at("fs");
        INFO(type << " order " << order << " " << c.at("hz").dump() << " Hz at " << fs << " Hz");
        SosCascade ours;
        if (type == "lowpass") ours = butterworth_lowpass(order, c.at("hz").get<double>(), fs);
        if (type == "highpass") ours = butterworth_highpass(order, c.at("hz").get<double>(), fs);
        if (type == "bandpass") ours = butterworth_bandpass(order, c.at("hz")[0], c.at("hz")[1], fs);
        if (type == "bandstop") ours = butterworth_bandstop(order, c.at("hz")[0], c.at("hz")[1], fs);
        const auto ref = edx::dsp::test::cascade_from(c.at("sos"));
        REQUIRE(ours.size() == ref.size());
        CHECK(worst_relative_difference(ours, ref) <= 1e-9);
        CHECK(ours.is_stable());
    }
}

TEST_CASE("Butterworth magnitude is -3 dB at the corner and flat in the pass band", "[dsp][butterworth]") {
    for (int order : {1, 2, 5, 8}) {
        const auto lp = butterworth_lowpass(order, 1000.0, 20000.0);
        CHECK(std::abs(lp.response(1000.0, 20000.0)) == Approx(1.0 / std::sqrt(2.0)).epsilon(1e-9));
        CHECK(std::abs(lp.response(0.0, 20000.0)) == Approx(1.0).epsilon(1e-12));
        const auto bp = butterworth_bandpass(order, 20.0, 2000.0, 20000.0);
        CHECK(std::abs(bp.response(20.0, 20000.0)) == Approx(1.0 / std::sqrt(2.0)).epsilon(1e-9));
        CHECK(std::abs(bp.response(2000.0, 20000.0)) == Approx(1.0 / std::sqrt(2.0)).epsilon(1e-9));
    }
}

TEST_CASE("Butterworth design refuses impossible settings with a precise message", "[dsp][butterworth]") {
    REQUIRE_THROWS_WITH(butterworth_lowpass(0, 100.0, 1000.0), Catch::Contains("order = 0"));
    REQUIRE_THROWS_WITH(butterworth_lowpass(2, 500.0, 1000.0), Catch::Contains("cutoff_hz = 500 Hz"));
    REQUIRE_THROWS_WITH(butterworth_lowpass(2, 600.0, 1000.0), Catch::Contains("Nyquist (500 Hz)"));
    REQUIRE_THROWS_WITH(butterworth_highpass(2, 0.0, 1000.0), Catch::Contains("cutoff_hz"));
    REQUIRE_THROWS_WITH(butterworth_bandpass(2, 300.0, 200.0, 1000.0), Catch::Contains("low_hz = 300 Hz"));
    REQUIRE_THROWS_WITH(butterworth_bandstop(2, 10.0, 5000.0, 8000.0), Catch::Contains("high_hz"));
    REQUIRE_THROWS_WITH(butterworth_lowpass(2, 100.0, -1.0), Catch::Contains("sample_rate_hz"));
}
