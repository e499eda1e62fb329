#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "edx/emg/needle_emg_analysis.hpp"
#include "edx/sim/needle_emg.hpp"
#include "edx/sim/study_sim.hpp"

using namespace edx;

namespace {

const emg::NeedleEmgConfig& config() {
    static const auto c = emg::NeedleEmgConfig::from_tables();
    return c;
}

sim::SimulatedRecording recording(int grade, sim::MuapClass cls, std::uint64_t seed, double rest_s = 6.0, double minimal_s = 8.0) {
    sim::NeedleEmgSpec s;
    s.name = "ta_left";
    s.muscle = "tibialis_anterior";
    s.side = "left";
    s.rest_s = rest_s;
    s.minimal_s = minimal_s;
    s.muap_class = cls;
    s.spontaneous.grade = grade;
    s.spontaneous_during_contraction = false;
    return sim::simulate_needle_emg(s, seed);
}

}  // namespace

TEST_CASE("a recording is cut at its contraction markers: rest for spontaneous activity, minimal for MUAPs",
          "[emg][needle_emg_analysis]") {
    const auto r = recording(2, sim::MuapClass::normal, 71);
    const auto res = emg::analyse_needle_emg(r.recording, config());
    REQUIRE(res.spontaneous_sites.size() == 1);
    REQUIRE(res.spontaneous_sites[0].segment.start_s == 0.0);
    REQUIRE(res.spontaneous_sites[0].segment.end_s == Approx(6.0));
    REQUIRE(res.muap_sites.size() == 1);
    REQUIRE(res.muap_sites[0].segment.start_s == Approx(6.0));
    REQUIRE(res.spontaneous);
    REQUIRE(res.spontaneous->rest_s == Approx(6.0));
    REQUIRE(res.spontaneous->grade == r.truth.at("spontaneous").at("grade").get<int>());
    REQUIRE(res.muap.n_units >= 1);
    REQUIRE(res.call.call == emg::MuscleCall::normal);
    REQUIRE(res.needle_assumed);
    // The finding the localisation reads.
    const auto f = emg::muscle_finding(res);
    REQUIRE(f.muscle == "tibialis_anterior");
    REQUIRE(f.abnormal);
}

TEST_CASE("without contraction markers the whole recording is read as rest, and maximal effort is not analysed",
          "[emg][needle_emg_analysis]") {
    auto r = recording(0, sim::MuapClass::normal, 72, 6.0, 0.0);
    r.recording.markers.clear();
    const auto res = emg::analyse_needle_emg(r.recording, config());
    REQUIRE(res.spontaneous_sites.size() == 1);
    REQUIRE(res.muap_sites.empty());
    REQUIRE(res.call.call == emg::MuscleCall::insufficient_data);
    REQUIRE_FALSE(res.notes.empty());

    auto m = recording(0, sim::MuapClass::normal, 73, 3.0, 4.0);
    m.recording.markers.push_back({5.0, "contraction=maximal"});
    const auto rm = emg::analyse_needle_emg(m.recording, config());
    REQUIRE(rm.muap_sites.size() == 1);
    REQUIRE(rm.muap_sites[0].segment.end_s == Approx(5.0));
    bool noted = false;
    for (const auto& n : rm.notes) noted = noted || n.find("contraction=maximal") != std::string::npos;
    REQUIRE(noted);
}

TEST_CASE("non-finite samples split a segment, each channel is a site", "[emg][needle_emg_analysis]") {
    auto r = recording(1, sim::MuapClass::normal, 74);
    // Two channels: the recording and a copy; NaNs in the middle of the rest of channel 1.
    Recording two = r.recording;
    two.channels = 2;
    two.samples.resize(r.recording.frames * 2);
    for (std::size_t i = 0; i < r.recording.frames; ++i) {
        two.samples[2 * i] = r.recording.samples[i];
        two.samples[2 * i + 1] = (i >= 20000 && i < 20100) ? std::numeric_limits<float>::quiet_NaN() : r.recording.samples[i];
    }
    two.non_finite.count = 100;
    const auto res = emg::analyse_needle_emg(two, config());
    REQUIRE(res.channels == 2);
    REQUIRE(res.spontaneous_sites.size() == 3);  // channel 0 whole, channel 1 in two stretches
    REQUIRE(res.muap_sites.size() == 2);
    REQUIRE_THROWS_AS(emg::analyse_needle_emg([] {
        Recording h;
        h.info.kind = RecordingKind::h_reflex;
        return h;
    }(), config()), std::invalid_argument);
}

TEST_CASE("the JSON output holds the contract's fields", "[emg][needle_emg_analysis]") {
    sim::StudySpec spec;
    spec.lesion = sim::LesionSite::peroneal_fibular_head;
    spec.axon_loss = 0.8;
    spec.lesion_age_months = 5.0;
    spec.h_reflex = false;
    spec.nerve_conduction = false;
    spec.needle_rest_s = 4.0;
    spec.needle_minimal_s = 6.0;
    spec.needle_muscles = {"tibialis_anterior", "short_head_biceps_femoris", "tibialis_posterior"};
    const auto study = sim::simulate_study(spec, 31);
    const auto res = emg::analyse_study_emg(study.study, {{"sural", "left", 1.0, std::nullopt}}, config());
    const auto j = emg::to_json(res);
    REQUIRE(j.at("recordings").size() == 3);
    for (const auto& r : j.at("recordings")) {
        for (const char* k : {"name", "muscle", "side", "spontaneous", "muap", "call"}) REQUIRE(r.contains(k));
        for (const char* k : {"fibrillations_per_min", "psw_per_min", "fasciculations_per_min", "grade"}) REQUIRE(r.at("spontaneous").contains(k));
        for (const char* k : {"n_units", "mean_amplitude_uv", "mean_duration_ms", "percent_polyphasic", "recruitment_ratio"}) {
            REQUIRE(r.at("muap").contains(k));
        }
        REQUIRE(emg::parse_muscle_call(r.at("call").get<std::string>()));
    }
    REQUIRE(j.at("localisation").size() == 1);
    const auto& ranked = j.at("localisation")[0].at("ranked");
    REQUIRE(ranked.size() == 6);
    for (const auto& s : ranked) {
        for (const char* k : {"site", "score", "for", "against"}) REQUIRE(s.contains(k));
    }
    REQUIRE(ranked[0].at("site") == "peroneal_fibular_head");
}
