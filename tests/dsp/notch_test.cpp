#include <catch2/catch.hpp>

#include <cmath>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/notch.hpp"

using namespace edx::dsp;

TEST_CASE("iir_notch equals scipy.signal.iirnotch within 1e-12 relative", "[dsp][notch]") {
    const auto& cases = edx::dsp::test::reference().at("iirnotch");
    REQUIRE(cases.size() >= 40);
    for (const auto& c : cases) {
        INFO(c.at("f0").get<double>() << " Hz, Q " << c.at("q").get<double>() << ", fs " << c.at("fs").get<double>());
        const auto s = iir_notch(c.at("f0"), c.at("q"), c.at("fs"));
        const auto& b = c.at("b");
        const auto& a = c.at("a");
        REQUIRE(a[0].get<double>() == 1.0);
        CHECK(s.b0 == Approx(b[0].get<double>()).epsilon(1e-12));
        CHECK(s.b1 == Approx(b[1].get<double>()).epsilon(1e-12));
        CHECK(s.b2 == Approx(b[2].get<double>()).epsilon(1e-12));
        CHECK(s.a1 == Approx(a[1].get<double>()).epsilon(1e-12));
        CHECK(s.a2 == Approx(a[2].get<double>()).epsilon(1e-12));
    }
}

TEST_CASE("mains notch removes the mains frequency and each harmonic, passes the rest", "[dsp][notch]") {
    const double fs = 20000.0;
    const auto notch = mains_notch({60.0, 2, 30.0}, fs);
    REQUIRE(notch.size() == 3);
    for (double f : {60.0, 120.0, 180.0}) CHECK(std::abs(notch.response(f, fs)) < 1e-9);
    CHECK(std::abs(SosCascade({iir_notch(60.0, 30.0, fs)}).response(0.0, fs)) == Approx(1.0).epsilon(1e-12));
    CHECK(std::abs(notch.response(1000.0, fs)) == Approx(1.0).margin(1e-3));
}

TEST_CASE("mains notch refuses other frequencies and harmonics above Nyquist", "[dsp][notch]") {
    REQUIRE_THROWS_WITH(mains_notch({55.0, 0, 30.0}, 1000.0), Catch::Contains("50 or 60"));
    REQUIRE_THROWS_WITH(mains_notch({50.0, 9, 30.0}, 1000.0), Catch::Contains("500 Hz is not below Nyquist"));
    REQUIRE_THROWS_WITH(mains_notch({50.0, -1, 30.0}, 1000.0), Catch::Contains("harmonics"));
    REQUIRE_THROWS_WITH(iir_notch(50.0, 0.0, 1000.0), Catch::Contains("quality"));
}
