#include <catch2/catch.hpp>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/sos.hpp"

using namespace edx::dsp;

TEST_CASE("step_initial_state equals scipy.signal.sosfilt_zi", "[dsp][sos]") {
    for (const auto& c : edx::dsp::test::reference().at("filtering")) {
        const auto cascade = edx::dsp::test::cascade_from(c.at("sos"));
        const auto zi = cascade.step_initial_state();
        const auto& ref = c.at("sosfilt_zi_state");
        REQUIRE(zi.size() == 2 * ref.size());
        for (std::size_t s = 0; s < ref.size(); ++s) {
            CHECK(zi[2 * s] == Approx(ref[s][0].get<double>()).epsilon(1e-9).margin(1e-12));
            CHECK(zi[2 * s + 1] == Approx(ref[s][1].get<double>()).epsilon(1e-9).margin(1e-12));
        }
    }
}

TEST_CASE("SOS rows are normalised by a0 and bad rows are refused", "[dsp][sos]") {
    const double rows[] = {2.0, 4.0, 2.0, 2.0, -1.0, 0.5};
    const auto c = SosCascade::from_rows(rows);
    CHECK(c[0].b0 == 1.0);
    CHECK(c[0].b1 == 2.0);
    CHECK(c[0].a1 == -0.5);
    CHECK(c[0].a2 == 0.25);
    const double zero_a0[] = {1.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    REQUIRE_THROWS_WITH(SosCascade::from_rows(zero_a0), Catch::Contains("a0"));
    const double five[] = {1.0, 0.0, 0.0, 1.0, 0.0};
    REQUIRE_THROWS_WITH(SosCascade::from_rows(five), Catch::Contains("6 values"));
    REQUIRE_THROWS_WITH(SosCascade({{1.0, std::nan(""), 0.0, 0.0, 0.0}}), Catch::Contains("section 0"));
    CHECK_FALSE(SosCascade({{1.0, 0.0, 0.0, -2.1, 1.1}}).is_stable());
}
