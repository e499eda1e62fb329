#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "edx/io/recording.hpp"
#include "edx/io/study.hpp"

using namespace edx;

namespace {
Recording sweeps_of(std::size_t count, std::size_t frames) {
    Recording r;
    r.info.name = "soleus_h_left";
    r.info.kind = RecordingKind::h_reflex;
    r.info.sample_rate_hz = 10000.0;
    r.info.muscle = "soleus";
    r.form = SampleForm::sweeps;
    r.frames = frames;
    r.sweep_count = count;
    r.samples.assign(count * frames, 0.0f);
    r.pre_trigger_s = 0.01;
    for (std::size_t i = 0; i < count; ++i) r.stimuli.push_back({2.0 * static_cast<double>(i), 10.0});
    return r;
}
}  // namespace

TEST_CASE("kinds and units round-trip through their names", "[recording]") {
    for (auto kind : {RecordingKind::h_reflex, RecordingKind::f_wave, RecordingKind::motor_ncs,
                      RecordingKind::sensory_ncs, RecordingKind::needle_emg, RecordingKind::surface_emg}) {
        REQUIRE(parse_recording_kind(to_string(kind)) == kind);
    }
    REQUIRE_FALSE(parse_recording_kind("h-reflex"));
    REQUIRE(parse_units("uV") == Units::uV);
    REQUIRE_FALSE(parse_units("µV"));
    REQUIRE(conversion_factor(Units::V, Units::uV) == Approx(1e6));
    REQUIRE(conversion_factor(Units::uV, Units::mV) == Approx(1e-3));
    REQUIRE(canonical_units(RecordingKind::h_reflex) == Units::mV);
    REQUIRE(canonical_units(RecordingKind::needle_emg) == Units::uV);
}

TEST_CASE("structured marker labels give the state from that time on", "[recording]") {
    Recording r = sweeps_of(3, 100);
    r.markers = {{0.0, "position=anatomic"}, {1.5, "note: patient moved"}, {3.0, "position=fair"}};
    REQUIRE(r.marker_state("position", 0.5) == "anatomic");
    REQUIRE(r.marker_state("position", 2.9) == "anatomic");
    REQUIRE(r.marker_state("position", 3.0) == "fair");
    REQUIRE_FALSE(r.marker_state("contraction", 10.0));
    REQUIRE_FALSE(Marker{0.0, "position"}.value_of("position"));
    REQUIRE(Marker{0.0, "position="}.value_of("position") == std::nullopt);
}

TEST_CASE("sweep access and duration follow the sweep form", "[recording]") {
    Recording r = sweeps_of(4, 1000);
    r.sweep(2)[5] = 1.5f;
    REQUIRE(r.samples[2 * 1000 + 5] == 1.5f);
    REQUIRE(r.duration_s() == Approx(6.0 - 0.01 + 0.1));
    REQUIRE_THROWS_AS(r.sweep(4), std::out_of_range);
    REQUIRE_NOTHROW(r.check_consistent());
}

TEST_CASE("inconsistent recordings are refused with the reason", "[recording]") {
    Recording r = sweeps_of(2, 100);
    r.pre_trigger_s = 0.01;  // the sweep lasts exactly 0.01 s
    REQUIRE_THROWS_WITH(r.check_consistent(), Catch::Contains("pre_trigger_s"));
    r = sweeps_of(2, 1000);
    r.stimuli.pop_back();
    REQUIRE_THROWS_WITH(r.check_consistent(), Catch::Contains("one stimulus per sweep"));
    r = sweeps_of(2, 1000);
    r.info.muscle.clear();
    REQUIRE_THROWS_WITH(r.check_consistent(), Catch::Contains("muscle"));
}

TEST_CASE("a recording's anthropometrics complete those of the study", "[study]") {
    Study study;
    study.subject.height_cm = 180.0;
    study.subject.age_years = 40.0;
    Recording r = sweeps_of(1, 10);
    r.info.subject.age_years = 41.0;
    study.recordings.push_back(r);
    const auto m = study.measures_for(*study.find("soleus_h_left"));
    REQUIRE(m.height_cm == 180.0);
    REQUIRE(m.age_years == 41.0);
    REQUIRE_FALSE(m.leg_length_cm);
    REQUIRE(study.find("absent") == nullptr);
}
