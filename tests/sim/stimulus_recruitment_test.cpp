#include <catch2/catch.hpp>

#include <cmath>

#include "edx/signals/table.hpp"
#include "edx/sim/stimulus_recruitment.hpp"

using namespace edx::sim;

namespace {
double table(const char* pointer, const char* bound) {
    return edx::signals::table("physiology/h_reflex.json")
        .at(nlohmann::json::json_pointer(pointer))
        .at(bound)
        .get<double>();
}
}  // namespace

TEST_CASE("over the table's parameter corners H rises, peaks below the M plateau and vanishes at Mmax",
          "[stimulus_recruitment]") {
    int corners = 0;
    for (const char* h50b : {"min", "max"})
        for (const char* ratiob : {"min", "max"})
            for (const char* hsb : {"min", "max"})
                for (const char* msb : {"min", "max"}) {
                    const double h50 = table("/recruitment/h50_ma", h50b);
                    const double m50 = h50 * table("/recruitment/m50_over_h50", ratiob);
                    const StimulusRecruitment r(h50, h50 * table("/recruitment/h_slope_fraction", hsb), m50,
                                                m50 * table("/recruitment/m_slope_fraction", msb));
                    INFO("h50 " << h50 << " m50 " << m50);
                    ++corners;
                    const double peak = r.h_max_intensity_ma();
                    REQUIRE(r.h_fraction(peak) == Approx(1.0).epsilon(1e-12));
                    // No intensity gives a larger H; H rises before the peak and falls after it.
                    double prev = 0.0;
                    for (double i = 0.05; i < 150.0; i += 0.05) {
                        const double h = r.h_fraction(i);
                        REQUIRE(h <= 1.0 + 1e-12);
                        if (i < peak - 0.05) REQUIRE(h >= prev);
                        if (i > peak + 0.05) REQUIRE(h <= prev);
                        prev = h;
                    }
                    // The H peak comes while M is still below half its maximum ...
                    REQUIRE(r.m_fraction(peak) < 0.5);
                    // ... and once M is maximal the H-wave has all but gone.
                    REQUIRE(r.h_fraction(r.m_intensity_for(0.98)) < 0.1);
                    // Inverse functions.
                    REQUIRE(r.m_fraction(r.m_intensity_for(0.05)) == Approx(0.05).epsilon(1e-9));
                    REQUIRE(r.h_fraction(r.h_intensity_for(0.05)) == Approx(0.05).epsilon(1e-6));
                    REQUIRE(r.h_intensity_for(0.05) < peak);
                }
    REQUIRE(corners == 16);
}

TEST_CASE("a raised H threshold moves the H curve, not the M curve, and costs H amplitude", "[stimulus_recruitment]") {
    const StimulusRecruitment normal(10.0, 1.0, 18.0, 2.5);
    const StimulusRecruitment raised(13.0, 1.3, 18.0, 2.5);
    // In absolute terms (the same motoneuron pool): H is smaller at every intensity ...
    auto absolute = [](const StimulusRecruitment& r, double i) { return r.h_fraction(i) * r.occluded_peak(); };
    double normal_at_5 = 0.0, raised_at_5 = 0.0;
    for (double i = 0.0; i < 60.0; i += 0.01) {
        REQUIRE(absolute(raised, i) <= absolute(normal, i) * (1.0 + 1e-12));
        REQUIRE(raised.m_fraction(i) == normal.m_fraction(i));
        if (normal_at_5 == 0.0 && absolute(normal, i) >= 0.05 * normal.occluded_peak()) normal_at_5 = i;
        if (raised_at_5 == 0.0 && absolute(raised, i) >= 0.05 * normal.occluded_peak()) raised_at_5 = i;
    }
    // ... and reaches 5% of the normal Hmax about 3 mA later.
    REQUIRE(raised_at_5 - normal_at_5 > 2.0);
    REQUIRE(raised.occluded_peak() < normal.occluded_peak());
}

TEST_CASE("recruitment parameters must be positive", "[stimulus_recruitment]") {
    REQUIRE_THROWS_WITH(StimulusRecruitment(0.0, 1.0, 18.0, 2.5), Catch::Contains("h50_ma"));
    REQUIRE_THROWS_WITH(StimulusRecruitment(10.0, 1.0, 18.0, -1.0), Catch::Contains("m_slope_ma"));
}
