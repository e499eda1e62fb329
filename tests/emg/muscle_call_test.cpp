#include <catch2/catch.hpp>

#include <string>

#include "edx/emg/muscle_call.hpp"
#include "edx/emg/needle_emg_analysis.hpp"
#include "edx/signals/table.hpp"
#include "edx/sim/needle_emg.hpp"
#include "emg/r00108.hpp"

using namespace edx;

namespace {

emg::MotorUnitSummary summary(int units, double fastest, double amplitude, double duration, double polyphasic) {
    emg::MotorUnitSummary s;
    s.n_units = units;
    s.mean_amplitude_uv = amplitude;
    s.mean_duration_ms = duration;
    s.percent_polyphasic = polyphasic;
    s.recruitment.units = units;
    s.recruitment.fastest_rate_hz = fastest;
    s.recruitment.recruitment_ratio = fastest / units;
    return s;
}

}  // namespace

TEST_CASE("the limits applied name their source and status", "[emg][muscle_call]") {
    const auto ta = emg::normal_limits("tibialis_anterior", emg::NeedleType::concentric);
    REQUIRE(ta.reference_set == "tibialis_anterior_concentric");
    REQUIRE(ta.status == "verified");
    REQUIRE(*ta.amplitude_uln_uv == signals::table("norms/muap_norms.json").at("tibialis_anterior").at("amplitude_uv").at("uln").get<double>());
    REQUIRE(*ta.duration_lln_ms == Approx(9.35 - 2 * 0.93));
    const auto gm = emg::normal_limits("gluteus_medius", emg::NeedleType::concentric);
    REQUIRE(gm.reference_set == "tibialis_anterior_concentric");
    REQUIRE(gm.status == "assumption");
    const auto mono = emg::normal_limits("biceps_brachii", emg::NeedleType::monopolar);
    REQUIRE(mono.reference_set == "none");
    REQUIRE_FALSE(mono.size_limits());
}

TEST_CASE("the call follows its rules", "[emg][muscle_call]") {
    const auto c = emg::CallCriteria::from_table();
    REQUIRE(c.fastest_rate_uln_hz == 15.0);  // Recruit24
    const std::string ta = "tibialis_anterior";
    const auto con = emg::NeedleType::concentric;
    // Reduced recruitment alone is neuropathic.
    REQUIRE(emg::call_muscle(summary(1, 19.0, 900, 12, 0), ta, con, c).call == emg::MuscleCall::neuropathic);
    // Large and long MUAPs with normal recruitment are neuropathic; large alone is not.
    REQUIRE(emg::call_muscle(summary(4, 11.0, 1200, 13, 10), ta, con, c).call == emg::MuscleCall::neuropathic);
    REQUIRE(emg::call_muscle(summary(4, 11.0, 1200, 9, 10), ta, con, c).call == emg::MuscleCall::normal);
    // Small MUAPs with early recruitment are myopathic; small ones without it are not.
    REQUIRE(emg::call_muscle(summary(6, 9.0, 250, 6.5, 20), ta, con, c).call == emg::MuscleCall::myopathic);
    REQUIRE(emg::call_muscle(summary(3, 11.5, 400, 8.0, 20), ta, con, c).call == emg::MuscleCall::normal);
    // Small, short and polyphasic without early recruitment: myopathic.
    REQUIRE(emg::call_muscle(summary(3, 11.5, 300, 6.0, 67), ta, con, c).call == emg::MuscleCall::myopathic);
    // Too few units to compare size: the call rests on recruitment and says so.
    const auto few = emg::call_muscle(summary(2, 11.0, 300, 5.0, 0), ta, con, c);
    REQUIRE(few.call == emg::MuscleCall::normal);
    REQUIRE_FALSE(few.notes.empty());
    // Monopolar: size never compared.
    REQUIRE(emg::call_muscle(summary(5, 11.0, 2500, 15, 0), ta, emg::NeedleType::monopolar, c).call == emg::MuscleCall::normal);
    REQUIRE(emg::call_muscle(emg::MotorUnitSummary{}, ta, con, c).call == emg::MuscleCall::insufficient_data);
}

TEST_CASE("normal, neuropathic and myopathic simulated muscles are called correctly in >= 95%", "[emg][muscle_call]") {
    const auto config = emg::NeedleEmgConfig::from_tables();
    int total = 0, correct = 0;
    std::string wrong;
    for (auto cls : {sim::MuapClass::normal, sim::MuapClass::neuropathic, sim::MuapClass::myopathic}) {
        for (std::uint64_t seed = 1; seed <= 14; ++seed) {
            sim::NeedleEmgSpec spec;
            spec.name = "ta_needle";
            spec.muscle = "tibialis_anterior";
            spec.rest_s = 1.0;
            spec.minimal_s = 10.0;
            spec.muap_class = cls;
            const auto r = sim::simulate_needle_emg(spec, 6000 + seed);
            const auto result = emg::analyse_needle_emg(r.recording, config);
            ++total;
            const bool ok = emg::to_string(result.call.call) == sim::to_string(cls);
            correct += ok ? 1 : 0;
            if (!ok) {
                wrong.append(sim::to_string(cls)).append(" seed ").append(std::to_string(seed));
                wrong.append(" called ").append(emg::to_string(result.call.call)).append("\n");
            }
        }
    }
    INFO(wrong << correct << " of " << total);
    REQUIRE(static_cast<double>(correct) / total >= 0.95);
}

TEST_CASE("R00108 (normal biceps, monopolar needle) is called normal", "[emg][muscle_call][real]") {
    const auto& run = test::r00108_run();
    if (!run) {
        WARN(test::r00108_absent_message());
        return;
    }
    auto config = emg::NeedleEmgConfig::from_tables();
    config.needle = emg::NeedleType::monopolar;
    config.needle_given = true;
    const auto result = emg::analyse_needle_emg(run->recording, config);
    INFO(emg::to_json(result).dump(2));
    REQUIRE(result.call.call == emg::MuscleCall::normal);
    REQUIRE(result.call.limits.reference_set == "none");
    REQUIRE_FALSE(result.call.reduced_recruitment);
}
