#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "edx/evoked/evoked_pipeline.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/sim/h_reflex_sim.hpp"

using namespace edx;
using namespace edx::evoked;

namespace {
sim::SimulatedRecording noiseless(double fs, std::uint64_t seed, bool artefact) {
    sim::HReflexConfig c;
    c.sample_rate_hz = fs;
    c.h_jitter_sd_ms = 0.2;
    c.background = sim::EvokedBackground::none();
    if (!artefact) c.artefact = sim::ArtefactSettings::none();
    return sim::simulate_h_reflex(c, seed);
}
}  // namespace

TEST_CASE("what the signal path does to latency: a noiseless response keeps its onset", "[evoked][pipeline]") {
    // The measured onsets of noiseless simulated M- and H-waves, with and
    // without the stimulus artefact, through screening, artefact suppression,
    // the causal high-pass and the zero-phase low-pass, Woody alignment and
    // the onset criterion: every per-sweep onset against the truth.
    for (double fs : {10000.0, 20000.0}) {
        for (bool artefact : {false, true}) {
            double worst_h = 0.0, worst_m = 0.0;
            for (std::uint64_t seed = 1; seed <= 6; ++seed) {
                const auto sim = noiseless(fs, seed, artefact);
                const auto r = measure_h_reflex(sim.recording, sim.recording.info.subject);
                REQUIRE(r.h_present);
                for (std::size_t i = 0; i < r.sweeps.size(); ++i) {
                    const auto& t = sim.truth.at("sweeps")[i];
                    REQUIRE(r.sweeps[i].h_onset_ms);
                    worst_h = std::max(worst_h, std::abs(*r.sweeps[i].h_onset_ms - t.at("h_onset_ms").get<double>()));
                    if (r.sweeps[i].m_onset_ms) {
                        worst_m = std::max(worst_m, std::abs(*r.sweeps[i].m_onset_ms - t.at("m_onset_ms").get<double>()));
                    }
                }
            }
            INFO("fs " << fs << " artefact " << artefact << ": worst H error " << worst_h << " ms, M " << worst_m << " ms");
            // Without noise what is left is the onset criterion's model (a quadratic
            // for a cubic rise): within half a sample; the filters add no delay.
            REQUIRE(worst_h <= 0.5 * 1000.0 / fs);
            REQUIRE(worst_m <= 0.5 * 1000.0 / fs);
        }
    }
}

TEST_CASE("sweeps with non-finite samples, clipping or an artefact the suppressor cannot fit are excluded and counted", "[evoked][pipeline]") {
    sim::HReflexConfig c;
    c.background.snr_db = 20.0;
    auto sim = sim::simulate_h_reflex(c, 3);
    Recording& rec = sim.recording;
    const double fs = rec.info.sample_rate_hz;
    const auto at = [&](double ms) { return static_cast<std::size_t>(std::lround((ms + 10.0) * fs / 1000.0)); };
    rec.sweep(2)[at(50.0)] = std::numeric_limits<float>::quiet_NaN();
    // Clipped: 1 ms held at a value beyond the sweep's other extremes.
    for (std::size_t i = at(60.0); i < at(61.0); ++i) rec.sweep(5)[i] = 40.0f;
    // Overload: a large ringing in the stretch the artefact tail is fitted on.
    const PipelineConfig pc = PipelineConfig::defaults_for(rec.info.kind, fs);
    for (std::size_t i = at(pc.blank_end_ms); i < at(pc.blank_end_ms + 1.5); ++i) {
        rec.sweep(8)[i] += static_cast<float>(3.0 * std::sin(static_cast<double>(i) * 1.3));
    }
    const auto r = measure_h_reflex(rec, rec.info.subject);
    REQUIRE(r.sweeps_total == rec.sweep_count);
    REQUIRE(r.excluded_by_reason.non_finite == 1);
    REQUIRE(r.excluded_by_reason.clipping == 1);
    REQUIRE(r.excluded_by_reason.artefact_overload == 1);
    REQUIRE(r.sweeps_excluded == 3);
    REQUIRE(r.sweeps_used == rec.sweep_count - 3);
    REQUIRE(r.sweeps[2].exclusion_reason == "non_finite");
    REQUIRE(r.sweeps[5].exclusion_reason == "clipping");
    REQUIRE(r.sweeps[8].exclusion_reason == "artefact_overload");
    for (std::size_t s : {2u, 5u, 8u}) {
        REQUIRE(r.sweeps[s].excluded);
        REQUIRE_FALSE(r.sweeps[s].h_onset_ms);  // never measured
        REQUIRE_FALSE(r.sweeps[s].m_amplitude_mv);
    }
    REQUIRE(r.h_present);
}

TEST_CASE("the pipeline's configuration comes from the tables and is checked", "[evoked][pipeline]") {
    const auto h = PipelineConfig::defaults_for(RecordingKind::h_reflex, 10000.0);
    REQUIRE(h.filter.highpass_hz == 5.0);
    REQUIRE_FALSE(h.filter.lowpass_hz);  // 8 kHz is above 0.95 x Nyquist at 10 kHz
    REQUIRE(PipelineConfig::defaults_for(RecordingKind::h_reflex, 20000.0).filter.lowpass_hz == 8000.0);
    REQUIRE(PipelineConfig::defaults_for(RecordingKind::sensory_ncs, 20000.0).blank_end_ms < h.blank_end_ms);
    REQUIRE_THROWS_WITH(PipelineConfig::defaults_for(RecordingKind::needle_emg, 10000.0), Catch::Contains("needle_emg"));
    PipelineConfig bad = h;
    bad.blank_end_ms = -1.0;
    REQUIRE_THROWS_WITH(bad.validate(), Catch::Contains("blank"));
}
