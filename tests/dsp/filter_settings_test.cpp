#include <catch2/catch.hpp>

#include <cmath>

#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/filter_settings.hpp"
#include "edx/signals/table.hpp"

using namespace edx::dsp;

TEST_CASE("per-kind defaults come from the filters table with their sources", "[dsp][filter_settings]") {
    const auto h = default_filter_settings("h_reflex");
    REQUIRE(h);
    CHECK(*h->settings.highpass_hz == edx::signals::constant("filters/machine_defaults.json", "/kinds/h_reflex/highpass_hz"));
    CHECK(*h->settings.lowpass_hz == edx::signals::constant("filters/machine_defaults.json", "/kinds/h_reflex/lowpass_hz"));
    CHECK(h->status == "verified");
    CHECK(h->sources == "KNF-H");
    const auto m = default_filter_settings("motor_ncs");
    REQUIRE(m);
    CHECK(m->status == "unverified");
    for (const char* kind : {"f_wave", "needle_emg", "sensory_ncs"}) CHECK(default_filter_settings(kind));
    CHECK_FALSE(default_filter_settings("surface_emg"));
}

TEST_CASE("filter settings design high-pass, low-pass and notch in order", "[dsp][filter_settings]") {
    FilterSettings s;
    s.highpass_hz = 5.0;
    s.lowpass_hz = 3000.0;
    s.order = 2;
    s.notch_hz = 50.0;
    s.notch_harmonics = 1;
    const auto c = design_filter(s, 20000.0);
    REQUIRE(c.size() == 4);
    const auto hp = butterworth_highpass(2, 5.0, 20000.0);
    CHECK(c[0].a1 == hp[0].a1);
    CHECK(std::abs(c.response(50.0, 20000.0)) < 1e-9);
    CHECK(s.describe() == "high-pass 5 Hz, low-pass 3000 Hz, Butterworth order 2, notch 50 Hz + 1 harmonic (Q 30), causal");
    s.bandpass_hz = std::pair{20.0, 2000.0};
    REQUIRE_THROWS_WITH(design_filter(s, 20000.0), Catch::Contains("not both"));
    FilterSettings hi;
    hi.lowpass_hz = 10000.0;
    REQUIRE_THROWS_WITH(design_filter(hi, 20000.0), Catch::Contains("Nyquist"));
}
