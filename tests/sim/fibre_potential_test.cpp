#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "edx/signals/table.hpp"
#include "edx/sim/fibre_potential.hpp"
#include "edx/sim/muap_parameters.hpp"

using namespace edx::sim;

namespace {

constexpr const char* table = "physiology/needle_emg.json";
double constant(const char* pointer) { return edx::signals::constant(table, pointer); }

// The line-source integral computed directly (composite Simpson, 1 um steps
// near the electrode), independently of the simulator's tabulation.
double direct_potential_uv(double r_mm, double u_mm, double diameter_um) {
    const double a = constant("/fibre_potential/rosenfalck_a_mv_per_mm3");
    const double extent = constant("/fibre_potential/profile_extent_mm");
    const double si = constant("/fibre_potential/intracellular_conductivity_s_per_m");
    const double sr = constant("/fibre_potential/radial_conductivity_s_per_m");
    const double sz = constant("/fibre_potential/axial_conductivity_s_per_m");
    const double scale = constant("/fibre_potential/potential_scale");
    const double k = sz / sr;
    auto f = [&](double z) {
        const double vm2 = a * (6 * z - 6 * z * z + z * z * z) * std::exp(-z);
        return vm2 / std::sqrt(k * r_mm * r_mm + (u_mm - z) * (u_mm - z));
    };
    const int n = 20000;  // even; 1 um steps, far below the smallest effective distance (0.23 mm)
    const double h = extent / n;
    double acc = f(0.0) + f(extent);
    for (int i = 1; i < n; ++i) acc += (i % 2 ? 4.0 : 2.0) * f(i * h);
    const double integral = acc * h / 3.0;
    const double radius_mm = diameter_um / 2000.0;
    return scale * 1000.0 * si * radius_mm * radius_mm / (4.0 * sr) * integral;
}

std::vector<double> render(const MuscleFibre& fibre, const ConcentricNeedle& needle, double fs, double t0_ms,
                           double length_ms) {
    std::vector<double> out(static_cast<std::size_t>(length_ms * fs / 1000.0), 0.0);
    add_fibre_potential(out, fs, t0_ms, fibre, needle);
    return out;
}

double p2p(const std::vector<double>& v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return *hi - *lo;
}

}  // namespace

TEST_CASE("the tabulated line-source potential matches direct integration", "[fibre_potential]") {
    // Distances between and on the tabulated rows; front positions away from
    // the tapered ends. Tolerance: 1% of the potential's peak magnitude at that
    // distance (interpolation in distance between rows 12% apart; measured
    // worst case 0.2% up to 1.3 mm, 0.7% at 3 mm).
    for (double r : {0.1, 0.23, 0.5, 1.3, 3.0}) {
        double peak = 0.0;
        for (double u = -5.0; u <= 20.0; u += 0.1) peak = std::max(peak, std::abs(direct_potential_uv(r, u, 55.0)));
        for (double u : {-4.0, -1.0, 0.3, 0.8, 1.9, 3.3, 6.0, 12.0, 20.0}) {
            INFO("r = " << r << " mm, u = " << u << " mm");
            REQUIRE(line_source_potential_uv(r, u, 55.0) ==
                    Approx(direct_potential_uv(r, u, 55.0)).margin(0.01 * peak));
        }
    }
}

TEST_CASE("a fibre potential is triphasic: positive, sharply negative, positive", "[fibre_potential]") {
    // The front approaching (outward current: positive), passing (inward: the
    // negative spike) and leaving (repolarisation: slow positive).
    const auto needle = ConcentricNeedle::from_table();
    MuscleFibre f;
    f.x_mm = -0.4;  // in front of the core, away from the shaft (angle 0)
    f.velocity_m_per_s = fibre_velocity_m_per_s(f.diameter_um);
    const auto v = render(f, needle, 100000.0, -5.0, 15.0);
    const auto p = measure_muap(v, 100000.0, MuapCriteria::from_table());
    REQUIRE(p.first_phase_positive);
    REQUIRE(p.phases == 3);
    REQUIRE(p.peak_uv < 0.0);
}

TEST_CASE("fibre potentials shrink with distance and scale with diameter squared", "[fibre_potential]") {
    const auto needle = ConcentricNeedle::from_table();
    double previous = 1e300;
    // Away from the shaft: a fibre beside the cannula is recorded by it too.
    for (double r : {0.0, 0.2, 0.5, 1.0, 2.0, 4.0}) {
        MuscleFibre f;
        f.x_mm = -r;
        const double a = p2p(render(f, needle, 40000.0, -5.0, 15.0));
        INFO("r = " << r);
        REQUIRE(a < previous);
        previous = a;
    }
    // At a fixed velocity the shape is the same and the size goes with the
    // fibre's cross-section (membrane current per unit length).
    MuscleFibre small, large;
    small.x_mm = large.x_mm = 0.3;
    small.diameter_um = 40.0;
    large.diameter_um = 60.0;
    const auto vs = render(small, needle, 40000.0, -5.0, 15.0);
    const auto vl = render(large, needle, 40000.0, -5.0, 15.0);
    for (std::size_t i = 0; i < vs.size(); ++i) REQUIRE(vl[i] == Approx(vs[i] * 2.25).margin(1e-9));
}

TEST_CASE("a faster fibre gives the same potential compressed in time", "[fibre_potential]") {
    const auto needle = ConcentricNeedle::from_table();
    MuscleFibre slow, fast;
    slow.x_mm = fast.x_mm = 0.25;
    slow.velocity_m_per_s = 2.0;
    fast.velocity_m_per_s = 4.0;
    // Sample the slow fibre at half the rate: sample i is at 2x the time of the fast one's sample i.
    const auto vs = render(slow, needle, 20000.0, -8.0, 30.0);
    const auto vf = render(fast, needle, 40000.0, -4.0, 15.0);
    REQUIRE(vs.size() == vf.size());
    for (std::size_t i = 0; i < vf.size(); ++i) REQUIRE(vs[i] == Approx(vf[i]).margin(1e-9));
}

TEST_CASE("a fibre potential is zero outside its support", "[fibre_potential]") {
    const auto needle = ConcentricNeedle::from_table();
    MuscleFibre f;
    f.x_mm = 0.5;
    f.arrival_ms = 10.0;
    const double fs = 40000.0;
    const auto v = render(f, needle, fs, 0.0, 40.0);
    const auto [lo, hi] = fibre_potential_support_ms(f.velocity_m_per_s);
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double t = 1000.0 * static_cast<double>(i) / fs - f.arrival_ms;
        if (t < lo || t > hi) REQUIRE(v[i] == 0.0);
    }
    REQUIRE(p2p(v) > 10.0);
}

TEST_CASE("conduction velocity follows the table's diameter relation", "[fibre_potential]") {
    REQUIRE(fibre_velocity_m_per_s(55.0) ==
            Approx(constant("/fibre_potential/velocity_intercept_m_per_s") +
                   55.0 * constant("/fibre_potential/velocity_per_diameter_m_per_s_per_um")));
    // Blijham06's relation puts a 55 um fibre at Andreassen87's 3.7 m/s mean.
    REQUIRE(fibre_velocity_m_per_s(55.0) == Approx(3.7).margin(0.01));
}

TEST_CASE("a needle with a negative radius is refused", "[fibre_potential]") {
    auto needle = ConcentricNeedle::from_table();
    needle.core_radius_mm = -0.1;
    REQUIRE_THROWS_WITH(needle.validate(), Catch::Contains("core_radius_mm"));
}
