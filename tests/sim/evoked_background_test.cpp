#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "edx/signals/table.hpp"
#include "edx/sim/evoked_background.hpp"

using namespace edx;
using namespace edx::sim;

namespace {
Recording sweeps(std::size_t n, double fs, double isi_s) {
    Recording r;
    r.info.name = "test";
    r.info.kind = RecordingKind::h_reflex;
    r.info.sample_rate_hz = fs;
    r.info.muscle = "soleus";
    r.form = SampleForm::sweeps;
    r.frames = 1000;
    r.sweep_count = n;
    r.pre_trigger_s = 0.01;
    for (std::size_t i = 0; i < n; ++i) r.stimuli.push_back({1.0 + i * isi_s, 10.0});
    r.samples.assign(n * r.frames, 0.0f);
    return r;
}
}  // namespace

TEST_CASE("an SNR sets the noise RMS from the reference peak, an RMS is taken as given", "[background]") {
    Random r(1);
    EvokedBackground b;
    b.snr_db = 20.0;
    const auto snr = resolve_background(b, RecordingKind::h_reflex, 2.0, r);
    REQUIRE(snr.spec.rms == Approx(0.2).epsilon(1e-12));
    REQUIRE(snr.snr_db == Approx(20.0).epsilon(1e-12));
    REQUIRE(snr.level_from == "snr_db");
    b.snr_db.reset();
    b.noise_rms_mv = 0.05;
    const auto rms = resolve_background(b, RecordingKind::h_reflex, 2.0, r);
    REQUIRE(rms.spec.rms == 0.05);
    REQUIRE(rms.snr_db == Approx(20.0 * std::log10(2.0 / 0.05)));
    b.noise_rms_mv.reset();
    b.snr_db = 6.0;
    REQUIRE_THROWS_WITH(resolve_background(b, RecordingKind::h_reflex, 0.0, r), Catch::Contains("background.snr_db"));
}

TEST_CASE("unset background values are drawn in the table's ranges, and setting one leaves the others",
          "[background]") {
    const auto& t = signals::table("physiology/evoked_artefact_noise.json");
    for (auto kind : {RecordingKind::h_reflex, RecordingKind::sensory_ncs}) {
        const auto& k = t.at(std::string(to_string(kind)));
        for (std::uint64_t seed = 0; seed < 50; ++seed) {
            Random r1(seed), r2(seed);
            const auto drawn = resolve_background(EvokedBackground{}, kind, 1.0, r1);
            REQUIRE(drawn.spec.rms >= k["noise_rms_mv"]["min"].get<double>());
            REQUIRE(drawn.spec.rms <= k["noise_rms_mv"]["max"].get<double>());
            REQUIRE(drawn.spec.mains_amplitude <= k["mains_amplitude_mv"]["max"].get<double>());
            REQUIRE(drawn.spec.wander_amplitude <= k["wander_amplitude_mv"]["max"].get<double>());
            REQUIRE(drawn.spec.mains_harmonics >= 0);
            REQUIRE(drawn.spec.mains_harmonics <= 3);
            EvokedBackground given;
            given.snr_db = 10.0;
            given.mains_amplitude_mv = 0.0;
            const auto other = resolve_background(given, kind, 1.0, r2);
            REQUIRE(other.spec.pink_fraction == drawn.spec.pink_fraction);
            REQUIRE(other.spec.wander_amplitude == drawn.spec.wander_amplitude);
            REQUIRE(other.spec.mains_phase_rad == drawn.spec.mains_phase_rad);
        }
    }
}

TEST_CASE("background noise has the exact RMS per sweep and mains is continuous across sweeps", "[background]") {
    auto rec = sweeps(6, 10000.0, 2.0137);
    NoiseSpec spec;
    spec.rms = 0.01;
    Random r(4);
    REQUIRE(add_background(rec, spec, r) == Approx(0.01).epsilon(1e-9));
    for (std::size_t i = 0; i < rec.sweep_count; ++i) {
        double acc = 0.0;
        for (float v : rec.sweep(i)) acc += double(v) * v;
        REQUIRE(std::sqrt(acc / rec.frames) == Approx(0.01).epsilon(1e-5));
    }
    // Mains only: every sample is the hum at its absolute time.
    auto hum = sweeps(4, 10000.0, 2.0137);
    NoiseSpec mains;
    mains.mains_hz = 60.0;
    mains.mains_amplitude = 0.02;
    mains.mains_phase_rad = 0.7;
    add_background(hum, mains, r);
    for (std::size_t i = 0; i < hum.sweep_count; ++i) {
        for (std::size_t j = 0; j < hum.frames; j += 37) {
            const double t = hum.stimuli[i].time_s - hum.pre_trigger_s + j / 10000.0;
            REQUIRE(hum.sweep(i)[j] == Approx(0.02 * std::sin(2 * std::numbers::pi * 60.0 * t + 0.7)).margin(1e-6));
        }
    }
}

TEST_CASE("background settings are validated by field", "[background]") {
    EvokedBackground b;
    b.mains_hz = 55.0;
    REQUIRE_THROWS_WITH(b.validate(), Catch::Contains("background.mains_hz"));
    b = EvokedBackground{};
    b.snr_db = 10.0;
    b.noise_rms_mv = 0.01;
    REQUIRE_THROWS_WITH(b.validate(), Catch::Contains("exclusive"));
}
