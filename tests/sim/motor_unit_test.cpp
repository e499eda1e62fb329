#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "edx/signals/table.hpp"
#include "edx/sim/motor_unit.hpp"
#include "edx/sim/muap_parameters.hpp"

#include "sim/test_label.hpp"

using namespace edx::sim;

namespace {

using edx::sim::test::label;

constexpr const char* norms = "norms/muap_norms.json";
double norm(const std::string& parameter, const char* field) {
    return edx::signals::table(norms).at("tibialis_anterior").at(parameter).at(field).get<double>();
}

struct Summary {
    double amplitude_uv = 0, duration_ms = 0, phases = 0, turns = 0, area_uv_ms = 0, polyphasic = 0;
};

// Mean MUAP parameters of n units of a class, as JNNP-TA summarises a muscle.
Summary summarise(MuapClass c, int n, const std::string& seed_name) {
    const auto model = MotorUnitModel::from_table(c);
    const auto criteria = MuapCriteria::from_table();
    Summary s;
    for (int i = 0; i < n; ++i) {
        Random r = Random::stream(2024, seed_name + std::to_string(i));
        const auto t = render_muap(draw_motor_unit(model, r), 10000.0, 4);
        const auto p = measure_muap(t.samples_uv, t.fine_rate_hz(), criteria);
        s.amplitude_uv += p.amplitude_uv / n;
        s.duration_ms += p.duration_ms / n;
        s.phases += double(p.phases) / n;
        s.turns += double(p.turns) / n;
        s.area_uv_ms += p.area_uv_ms / n;
        s.polyphasic += p.polyphasic(criteria) ? 1.0 / n : 0.0;
    }
    return s;
}

}  // namespace

TEST_CASE("normal units match the tibialis anterior norms", "[motor_unit]") {
    // JNNP-TA gives the control subjects' per-muscle means (20 MUPs each) as
    // mean +/- SD: 60 simulated units must look like a normal muscle, i.e. lie
    // within mean +/- 2 SD for every parameter and under the polyphasic ULN.
    const auto s = summarise(MuapClass::normal, 60, "normal/");
    auto within = [](double x, const std::string& p) {
        INFO(p << " = " << x);
        REQUIRE(x >= norm(p, "mean") - 2 * norm(p, "sd"));
        REQUIRE(x <= norm(p, "mean") + 2 * norm(p, "sd"));
    };
    within(s.amplitude_uv, "amplitude_uv");
    within(s.duration_ms, "duration_ms");
    within(s.phases, "phases");
    within(s.turns, "turns");
    within(s.area_uv_ms, "area_uv_ms");
    REQUIRE(s.polyphasic <= norm("polyphasic_fraction", "uln"));
}

TEST_CASE("neuropathic units are large, long and polyphasic", "[motor_unit]") {
    // Chronic reinnervation: long-duration, high-amplitude MUPs (CCJM-gloss),
    // beyond the normal upper limits.
    const auto normal = summarise(MuapClass::normal, 40, "n/");
    const auto neuro = summarise(MuapClass::neuropathic, 40, "n/");
    INFO("amplitude " << neuro.amplitude_uv << " duration " << neuro.duration_ms << " polyphasic " << neuro.polyphasic);
    REQUIRE(neuro.amplitude_uv > norm("amplitude_uv", "uln"));
    REQUIRE(neuro.amplitude_uv > 1.5 * normal.amplitude_uv);
    REQUIRE(neuro.duration_ms > norm("duration_ms", "uln"));
    REQUIRE(neuro.phases > normal.phases);
    REQUIRE(neuro.polyphasic > normal.polyphasic);
}

TEST_CASE("myopathic units are small, short and polyphasic", "[motor_unit]") {
    // Fibre loss and variable fibre size: low-amplitude, short-duration,
    // polyphasic MUPs (CCJM-gloss), below the normal lower limits (mean - 2 SD).
    const auto normal = summarise(MuapClass::normal, 40, "m/");
    const auto myo = summarise(MuapClass::myopathic, 40, "m/");
    INFO("amplitude " << myo.amplitude_uv << " duration " << myo.duration_ms << " polyphasic " << myo.polyphasic);
    REQUIRE(myo.amplitude_uv < norm("amplitude_uv", "mean") - 2 * norm("amplitude_uv", "sd"));
    REQUIRE(myo.duration_ms < norm("duration_ms", "mean") - 2 * norm("duration_ms", "sd"));
    REQUIRE(myo.area_uv_ms < norm("area_uv_ms", "mean") - 2 * norm("area_uv_ms", "sd"));
    REQUIRE(myo.polyphasic > normal.polyphasic);
}

TEST_CASE("reinnervation adds fibres and myopathy removes them", "[motor_unit]") {
    for (int i = 0; i < 10; ++i) {
        Random r1 = Random::stream(3, label("neuro", i));
        const auto n = draw_motor_unit(MotorUnitModel::from_table(MuapClass::neuropathic), r1);
        const auto adopted = std::lround(double(n.original_fibres) * (n.reinnervation_factor - 1.0));
        REQUIRE(n.fibres.size() == n.original_fibres + static_cast<std::size_t>(adopted));

        Random r2 = Random::stream(3, label("myo", i));
        const auto m = draw_motor_unit(MotorUnitModel::from_table(MuapClass::myopathic), r2);
        // Binomial survival of each fibre: within 4 SD of its expectation.
        const double p = 1.0 - m.fibre_loss_fraction;
        const double expected = double(m.original_fibres) * p;
        const double sd = std::sqrt(double(m.original_fibres) * p * (1 - p));
        REQUIRE(std::abs(double(m.fibres.size()) - expected) <= 4 * sd + 1);
    }
}

TEST_CASE("a unit's fibres surround the needle within its territory", "[motor_unit]") {
    Random r = Random::stream(11, "geometry");
    const auto u = draw_motor_unit(MotorUnitModel::from_table(MuapClass::normal), r);
    REQUIRE(u.needle_offset_mm <= 0.8 * u.territory_radius_mm + 1e-12);
    for (const auto& f : u.fibres) {
        // Distance from the territory centre is at most the radius; the centre is
        // needle_offset_mm from the needle.
        REQUIRE(std::hypot(f.x_mm, f.y_mm) <= u.territory_radius_mm + u.needle_offset_mm + 1e-9);
        REQUIRE(f.velocity_m_per_s == Approx(fibre_velocity_m_per_s(f.diameter_um)));
        REQUIRE(f.arrival_ms > 0.0);
    }
}

TEST_CASE("a concentric needle records smaller, shorter MUAPs than a monopolar one", "[motor_unit]") {
    // The cannula, as reference, sees the far field of the unit's distant fibres
    // much as the core does, and cancels it (monopolar MUPs are larger and longer).
    auto concentric = MotorUnitModel::from_table(MuapClass::normal);
    auto monopolar = concentric;
    monopolar.needle.cannula_points = 0;
    const auto criteria = MuapCriteria::from_table();
    double dc = 0, dm = 0, ac = 0, am = 0;
    for (int i = 0; i < 10; ++i) {
        Random a = Random::stream(8, label("cnm", i)), b = Random::stream(8, label("cnm", i));
        const auto tc = render_muap(draw_motor_unit(concentric, a), 10000.0, 4);
        const auto tm = render_muap(draw_motor_unit(monopolar, b), 10000.0, 4);
        const auto pc = measure_muap(tc.samples_uv, tc.fine_rate_hz(), criteria);
        const auto pm = measure_muap(tm.samples_uv, tm.fine_rate_hz(), criteria);
        dc += pc.duration_ms;
        dm += pm.duration_ms;
        ac += pc.amplitude_uv;
        am += pm.amplitude_uv;
    }
    REQUIRE(dc < dm);
    REQUIRE(ac < am);
}

TEST_CASE("a 10 kHz recording can reach the truth measured on the fine waveform", "[motor_unit]") {
    // Truth is measured at 4x the sample rate; sampled at 10 kHz, at any phase,
    // a discharge keeps its amplitude within 5% and its duration within 0.3 ms
    // (worst seen over 450 units: 3.4% and 0.27 ms, both in small myopathic
    // units), well inside the analysis targets of 10% and 1 ms.
    const auto criteria = MuapCriteria::from_table();
    for (auto c : {MuapClass::normal, MuapClass::neuropathic, MuapClass::myopathic}) {
        for (int i = 0; i < 10; ++i) {
            Random r = Random::stream(9, label("sampled", i));
            const auto t = render_muap(draw_motor_unit(MotorUnitModel::from_table(c), r), 10000.0, 4);
            const auto fine = measure_muap(t.samples_uv, t.fine_rate_hz(), criteria);
            for (int phase = 0; phase < t.oversampling; ++phase) {
                const auto p = measure_muap(t.decimated(phase), t.sample_rate_hz, criteria);
                REQUIRE(p.amplitude_uv == Approx(fine.amplitude_uv).epsilon(0.05));
                REQUIRE(p.duration_ms == Approx(fine.duration_ms).margin(0.3));
            }
        }
    }
}

TEST_CASE("a unit is the same for the same stream", "[motor_unit]") {
    const auto model = MotorUnitModel::from_table(MuapClass::neuropathic);
    Random a = Random::stream(5, "u"), b = Random::stream(5, "u"), c = Random::stream(6, "u");
    const auto ta = render_muap(draw_motor_unit(model, a), 20000.0, 2);
    const auto tb = render_muap(draw_motor_unit(model, b), 20000.0, 2);
    const auto tc = render_muap(draw_motor_unit(model, c), 20000.0, 2);
    REQUIRE(ta.samples_uv == tb.samples_uv);
    REQUIRE(ta.samples_uv != tc.samples_uv);
}

TEST_CASE("class names round-trip and bad models are refused", "[motor_unit]") {
    for (auto c : {MuapClass::normal, MuapClass::neuropathic, MuapClass::myopathic}) {
        REQUIRE(parse_muap_class(to_string(c)) == c);
    }
    REQUIRE_FALSE(parse_muap_class("dystrophic"));
    auto model = MotorUnitModel::from_table(MuapClass::normal);
    model.fibre_loss_fraction = {0.5, 1.0};
    REQUIRE_THROWS_WITH(model.validate(), Catch::Contains("fibre_loss_fraction"));
}
