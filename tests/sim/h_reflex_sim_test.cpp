#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "edx/signals/table.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "sim/evoked_test_support.hpp"

using namespace edx;
using namespace edx::sim;
using namespace edx::sim::test;

namespace {

// The physiology of a normal leg, with nothing but the responses in the sweeps.
HReflexConfig clean(double fs = 10000.0) {
    HReflexConfig c;
    c.sample_rate_hz = fs;
    c.leg_length_cm = 38.0;
    c.age_years = 45.0;
    c.background = EvokedBackground::none();
    c.artefact = ArtefactSettings::none();
    return c;
}

double norm(const char* pointer) { return signals::constant("norms/h_reflex_latency.json", pointer); }

}  // namespace

TEST_CASE("the H latency regression reproduces the published population latencies", "[h_reflex]") {
    // The coefficients are unverified recollection; the population figures are
    // verified. At the populations' assumed typical anthropometrics the
    // regression must fall within one SD of each published mean, and across
    // +/- 2 SD of leg length within the populations' mean +/- 2 SD.
    const double per_height = signals::constant("physiology/anthropometry.json", "/leg_length_per_height");
    const double leg_sd = norm("/regression_check/leg_length_sd_cm");
    struct Population {
        const char* mean;
        const char* sd;
        const char* age;
        const char* height;
    };
    for (const auto& p :
         {Population{"/population/busch_h/mean_ms", "/population/busch_h/sd_ms",
                     "/regression_check/busch_h_typical_age_years", "/regression_check/busch_h_typical_height_cm"},
          Population{"/population/falco94/mean_ms", "/population/falco94/sd_ms",
                     "/regression_check/falco94_typical_age_years", "/regression_check/falco94_typical_height_cm"}}) {
        INFO(p.mean);
        const double leg = per_height * norm(p.height);
        const double predicted = expected_h_latency_ms(leg, norm(p.age));
        REQUIRE(std::abs(predicted - norm(p.mean)) <= norm(p.sd));
        for (double dl : {-2.0 * leg_sd, 2.0 * leg_sd}) {
            REQUIRE(std::abs(expected_h_latency_ms(leg + dl, norm(p.age)) - norm(p.mean)) <= 2.0 * norm(p.sd));
        }
    }
    // The Falco94 cohort is 60-88 years old: its mean age must lie in that range.
    REQUIRE(norm("/regression_check/falco94_typical_age_years") >= norm("/population/falco94/age_min_years"));
    REQUIRE(norm("/regression_check/falco94_typical_age_years") <= norm("/population/falco94/age_max_years"));
}

TEST_CASE("the noiseless sweeps start and peak where the truth says, at 10 and 20 kHz", "[h_reflex]") {
    for (double fs : {10000.0, 20000.0}) {
        for (HMontage montage : {HMontage::hugon_braddom_johnson, HMontage::half_and_half}) {
            auto c = clean(fs);
            c.montage = montage;
            c.fair.delay_ms = 3.0;
            const auto sim = simulate_h_reflex(c, 11);
            const auto& r = sim.recording;
            const double dt = 1000.0 / fs;
            INFO("fs " << fs << " montage " << to_string(montage));
            REQUIRE(sim.truth["montage"] == std::string(to_string(montage)));
            const bool positive_first = montage == HMontage::hugon_braddom_johnson;
            REQUIRE(sim.truth["h_wave"]["unit_potential"]["shape"]["initial_polarity"] ==
                    (positive_first ? "positive" : "negative"));
            for (std::size_t i = 0; i < r.sweep_count; ++i) {
                const auto& s = sim.truth["sweeps"][i];
                REQUIRE(s["m_present"].get<bool>());
                REQUIRE(s["h_present"].get<bool>());
                const double m_onset = s["m_onset_ms"], h_onset = s["h_onset_ms"];
                const double m_end = m_onset + sim.truth["m_wave"]["duration_ms"].get<double>();
                // M: the first non-zero sample after the stimulus; H: the first after the M-wave.
                const auto m_seen = first_nonzero_ms(r, i, 0.0, 1e9);
                REQUIRE(m_seen);
                REQUIRE(*m_seen > m_onset);
                REQUIRE(*m_seen - m_onset <= dt + 1e-9);
                REQUIRE(m_end < h_onset);
                const auto h_seen = first_nonzero_ms(r, i, m_end + dt, 1e9);
                REQUIRE(h_seen);
                REQUIRE(*h_seen > h_onset);
                REQUIRE(*h_seen - h_onset <= dt + 1e-9);
                // The initial deflection has the montage's polarity.
                const float first = r.sweep(i)[index_at(r, *h_seen)];
                REQUIRE((first > 0.0f) == positive_first);
                // The most negative sample is one of the two around the negative peak; its
                // value is within 0.5% of the amplitude.
                const auto e = minimum(r, i, m_end + dt, 1e9);
                REQUIRE(std::abs(e.t_ms - s["h_negative_peak_ms"].get<double>()) < dt);
                REQUIRE(-e.value == Approx(s["h_amplitude_mv"].get<double>()).epsilon(0.005));
                const auto em = minimum(r, i, 0.0, m_end);
                REQUIRE(std::abs(em.t_ms - s["m_negative_peak_ms"].get<double>()) < dt);
                REQUIRE(-em.value == Approx(s["m_amplitude_mv"].get<double>()).epsilon(0.005));
                REQUIRE(peak_to_peak(r, i, m_end + dt, 1e9) ==
                        Approx(s["h_peak_to_peak_mv"].get<double>()).epsilon(0.005));
            }
        }
    }
}

TEST_CASE("the FAIR delay in the noiseless sweeps is the truth's delay", "[h_reflex][fair]") {
    auto c = clean(10000.0);
    c.h_jitter_sd_ms = 0.0;
    c.h_amplitude_cv = 0.0;
    c.m_jitter_sd_ms = 0.0;
    c.fair.delay_ms = 3.0;
    c.fair.onset_tau_s = 6.0;
    c.fair.recovery_tau_s = 4.0;
    const auto sim = simulate_h_reflex(c, 5);
    const auto& r = sim.recording;
    const auto& sweeps = sim.truth["sweeps"];
    const double h_onset0 = sweeps[0]["h_onset_ms"];
    const double window_end = h_onset0 + sim.truth["h_wave"]["duration_ms"].get<double>() + 1.0;
    int fair_sweeps = 0;
    double largest = 0.0;
    for (std::size_t i = 1; i < r.sweep_count; ++i) {
        const double truth_delay = sweeps[i]["delay_applied_ms"];
        const double seen = xcorr_lag_ms(r, 0, r, i, h_onset0 - 1.0, window_end, 5.0);
        INFO("sweep " << i << " truth " << truth_delay << " seen " << seen);
        REQUIRE(std::abs(seen - truth_delay) <= 0.01);
        // The recording's markers say where the sweep was taken.
        REQUIRE(r.marker_state("position", r.stimuli[i].time_s) == sweeps[i]["position"].get<std::string>());
        if (sweeps[i]["position"] == "fair") ++fair_sweeps;
        largest = std::max(largest, truth_delay);
    }
    REQUIRE(fair_sweeps == 10);
    // Builds up with the onset time constant: first FAIR sweep 5 s after the
    // marker, last one 23 s after it.
    REQUIRE(sweeps[10]["delay_applied_ms"].get<double>() == Approx(3.0 * (1 - std::exp(-5.0 / 6.0))).epsilon(1e-9));
    REQUIRE(largest == Approx(3.0 * (1 - std::exp(-23.0 / 6.0))).epsilon(1e-9));
    // The M-wave does not move: FAIR acts on the proximal sciatic nerve only.
    REQUIRE(std::abs(xcorr_lag_ms(r, 0, r, 15, 0.5, h_onset0 - 5.0, 2.0)) <= 0.01);
}

TEST_CASE("noise has the requested SNR of the H-wave and the stated RMS", "[h_reflex][noise]") {
    for (double snr : {6.0, 20.0}) {
        auto noisy = clean(20000.0);
        noisy.background.noise_rms_mv.reset();
        noisy.background.snr_db = snr;
        const auto a = simulate_h_reflex(noisy, 21);
        const auto b = simulate_h_reflex(clean(20000.0), 21);
        REQUIRE(a.recording.samples.size() == b.recording.samples.size());
        // Noise is what the noisy recording adds to the noiseless one of the same seed.
        std::vector<float> diff(a.recording.samples.size());
        for (std::size_t i = 0; i < diff.size(); ++i) diff[i] = a.recording.samples[i] - b.recording.samples[i];
        const double noise_rms = rms(diff);
        double peak = 0.0;
        int n = 0;
        for (std::size_t i = 0; i < b.recording.sweep_count; ++i) {
            const auto& s = b.truth["sweeps"][i];
            const double m_end = s["m_onset_ms"].get<double>() + b.truth["m_wave"]["duration_ms"].get<double>();
            peak += -minimum(b.recording, i, m_end, 1e9).value;
            ++n;
        }
        peak /= n;
        INFO("snr " << snr);
        REQUIRE(20.0 * std::log10(peak / noise_rms) == Approx(snr).margin(0.02));
        REQUIRE(a.truth["noise"]["snr_db"].get<double>() == Approx(snr).margin(1e-9));
        REQUIRE(a.truth["noise"]["noise_rms_mv_realised"].get<double>() == Approx(noise_rms).epsilon(1e-4));
        // The physiology is the same with and without noise.
        REQUIRE(a.truth["sweeps"].size() == b.truth["sweeps"].size());
        for (std::size_t i = 0; i < b.recording.sweep_count; ++i) {
            REQUIRE(a.truth["sweeps"][i]["h_onset_ms"] == b.truth["sweeps"][i]["h_onset_ms"]);
            REQUIRE(a.truth["sweeps"][i]["h_amplitude_mv"] == b.truth["sweeps"][i]["h_amplitude_mv"]);
        }
    }
}

TEST_CASE("the stimulus artefact in the sweeps is the truth's spike and tail, scaled with intensity",
          "[h_reflex][artefact]") {
    auto with = clean();
    with.artefact = ArtefactSettings{};
    with.phases = recruitment_protocol(5.0, 40.0, 8);
    const auto a = simulate_h_reflex(with, 17);
    auto without = with;
    without.artefact = ArtefactSettings::none();
    const auto b = simulate_h_reflex(without, 17);
    const auto& art = a.truth["artefact"];
    const StimulusArtefact model{art["pulse_ms"], art["spike_mv"], art["tail_mv"], art["tail_tau_ms"]};
    REQUIRE(model.pulse_ms >= 0.5);  // H-reflex pulses are 0.5-1 ms (KNF-H)
    REQUIRE(model.pulse_ms <= 1.0);
    const auto& r = a.recording;
    for (std::size_t i = 0; i < r.sweep_count; ++i) {
        const double scale = r.stimuli[i].intensity_ma / 40.0;
        for (std::size_t j = 0; j < r.frames; ++j) {
            const double added = double(r.sweep(i)[j]) - b.recording.sweep(i)[j];
            REQUIRE(added ==
                    Approx(scale * model.value_mv(sample_ms(r, j))).margin(2e-6 * (1.0 + std::abs(model.spike_mv))));
        }
    }
}

TEST_CASE("an absent H leaves only the M-wave and noise of the stated RMS before the stimulus", "[h_reflex][noise]") {
    auto c = clean(10000.0);
    c.lesion.h_present = false;
    c.background.noise_rms_mv = 0.01;
    c.phases = fair_protocol(20);
    const auto sim = simulate_h_reflex(c, 3);
    const auto& r = sim.recording;
    REQUIRE(sim.truth["h_present"] == false);
    std::vector<float> baseline;
    for (std::size_t i = 0; i < r.sweep_count; ++i) {
        const auto& s = sim.truth["sweeps"][i];
        REQUIRE(s["h_present"] == false);
        REQUIRE(s["h_onset_ms"].is_null());
        REQUIRE(s["h_amplitude_mv"] == 0.0);
        const auto x = r.sweep(i);
        baseline.insert(baseline.end(), x.begin(), x.begin() + static_cast<long>(index_at(r, 0.0)));
    }
    // 60 sweeps x 100 pre-stimulus samples of white + 1/f noise: within 5%.
    REQUIRE(rms(baseline) == Approx(0.01).epsilon(0.05));
    REQUIRE(sim.truth["noise"]["noise_rms_mv_realised"].get<double>() == Approx(0.01).epsilon(1e-6));

    // Without noise nothing follows the M-wave.
    auto quiet = clean();
    quiet.lesion.h_present = false;
    const auto q = simulate_h_reflex(quiet, 3);
    for (std::size_t i = 0; i < q.recording.sweep_count; ++i) {
        const double m_end =
            q.truth["sweeps"][i]["m_onset_ms"].get<double>() + q.truth["m_wave"]["duration_ms"].get<double>();
        REQUIRE_FALSE(first_nonzero_ms(q.recording, i, m_end + 0.1, 1e9));
    }
    // An SNR cannot be referred to an absent H-wave.
    quiet.background = EvokedBackground{};
    quiet.background.snr_db = 20.0;
    REQUIRE_THROWS_WITH(simulate_h_reflex(quiet, 3), Catch::Contains("background.snr_db"));
}

TEST_CASE("a recruitment series: H peaks below the M plateau and falls as M becomes maximal",
          "[h_reflex][stimulus_recruitment]") {
    auto c = clean(10000.0);
    c.phases = recruitment_protocol(1.0, 80.0, 80);
    c.h_amplitude_cv = 0.0;
    c.m_amplitude_cv = 0.0;
    for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
        const auto sim = simulate_h_reflex(c, seed);
        const auto& r = sim.recording;
        INFO("seed " << seed);
        std::vector<double> h_pp, m_pp;
        for (std::size_t i = 0; i < r.sweep_count; ++i) {
            const double m_onset = sim.truth["m_latency_ms"].get<double>() - 0.2;
            const double m_end = m_onset + sim.truth["m_wave"]["duration_ms"].get<double>() + 0.4;
            m_pp.push_back(peak_to_peak(r, i, m_onset, m_end));
            h_pp.push_back(peak_to_peak(r, i, m_end, 1e9));
        }
        const auto h_best = std::max_element(h_pp.begin(), h_pp.end()) - h_pp.begin();
        const double m_max = *std::max_element(m_pp.begin(), m_pp.end());
        const double h_max = h_pp[static_cast<std::size_t>(h_best)];
        REQUIRE(h_max > 0.0);
        // At the H peak, M is well below its plateau.
        REQUIRE(m_pp[static_cast<std::size_t>(h_best)] < 0.5 * m_max);
        // Where M is maximal (>= 98%), H has fallen to under 10% of its maximum.
        bool seen_plateau = false;
        for (std::size_t i = 0; i < r.sweep_count; ++i) {
            if (m_pp[i] >= 0.98 * m_max) {
                seen_plateau = true;
                REQUIRE(h_pp[i] < 0.1 * h_max);
            }
        }
        REQUIRE(seen_plateau);
        // Stimulus intensities are recorded and increase along the ramp.
        REQUIRE(r.stimuli.front().intensity_ma == Approx(1.0));
        REQUIRE(r.stimuli.back().intensity_ma == Approx(80.0));
    }
}

TEST_CASE("lesion knobs move the H-wave and nothing else", "[h_reflex][lesion]") {
    auto c = clean();
    const auto normal = simulate_h_reflex(c, 8);
    c.lesion.h_latency_shift_ms = 2.9;
    c.lesion.h_amplitude_factor = 0.5;
    const auto s1 = simulate_h_reflex(c, 8);
    for (std::size_t i = 0; i < normal.recording.sweep_count; ++i) {
        const auto& a = normal.truth["sweeps"][i];
        const auto& b = s1.truth["sweeps"][i];
        REQUIRE(b["h_onset_ms"].get<double>() - a["h_onset_ms"].get<double>() == Approx(2.9).margin(1e-9));
        REQUIRE(b["h_amplitude_mv"].get<double>() == Approx(0.5 * a["h_amplitude_mv"].get<double>()).epsilon(1e-12));
        REQUIRE(b["m_onset_ms"] == a["m_onset_ms"]);
        REQUIRE(b["m_amplitude_mv"] == a["m_amplitude_mv"]);
    }
    // A raised H threshold (back pain without root signs, Recr01) moves the H
    // recruitment curve up in intensity and, nearer the M curve, lowers Hmax.
    auto raised = clean();
    raised.lesion.h_threshold_factor = 1.3;
    const auto rt = simulate_h_reflex(raised, 8);
    REQUIRE(rt.truth["recruitment"]["h50_ma"].get<double>() ==
            Approx(1.3 * normal.truth["recruitment"]["h50_ma"].get<double>()).epsilon(1e-12));
    REQUIRE(rt.truth["recruitment"]["m50_ma"] == normal.truth["recruitment"]["m50_ma"]);
    REQUIRE(rt.truth["hmax_mv"].get<double>() < normal.truth["hmax_mv"].get<double>());
    // Losing the H in FAIR: amplitude factor 0 removes it once the change has developed.
    auto lost = clean();
    lost.fair.amplitude_factor = 0.0;
    lost.fair.onset_tau_s = 0.0;
    const auto l = simulate_h_reflex(lost, 8);
    for (const auto& s : l.truth["sweeps"]) REQUIRE(s["h_present"].get<bool>() == (s["position"] != "fair"));
}

TEST_CASE("a seed gives one recording, other seeds, names and noise give others", "[h_reflex][determinism]") {
    HReflexConfig c;  // everything drawn: subject, physiology, noise, artefact
    const auto a = simulate_h_reflex(c, 99);
    const auto b = simulate_h_reflex(c, 99);
    REQUIRE(a.recording.samples == b.recording.samples);
    REQUIRE(a.truth == b.truth);
    const auto other = simulate_h_reflex(c, 100);
    REQUIRE(other.recording.samples != a.recording.samples);
    REQUIRE(other.truth["h_latency_ms"] != a.truth["h_latency_ms"]);
    auto renamed = c;
    renamed.name = "soleus_h_right";
    REQUIRE(simulate_h_reflex(renamed, 99).recording.samples != a.recording.samples);
    // Recording metadata the layout needs.
    const auto& info = a.recording.info;
    REQUIRE(info.kind == RecordingKind::h_reflex);
    REQUIRE(info.muscle == "soleus");
    REQUIRE(info.nerve == "tibial");
    REQUIRE(info.stim_site == "popliteal_fossa");
    REQUIRE(info.subject.leg_length_cm);
    REQUIRE(info.subject.age_years);
    REQUIRE(*info.distance_mm == Approx(*info.subject.leg_length_cm * 10.0 / 2.0));
    REQUIRE(a.recording.markers.size() == 3);
    REQUIRE(a.recording.sweep_count == 30);
    REQUIRE(a.recording.stimuli[1].time_s - a.recording.stimuli[0].time_s == Approx(2.0));  // 0.5 Hz
    const double h_max_intensity = a.truth["recruitment"]["h_max_intensity_ma"];
    for (const auto& s : a.recording.stimuli) REQUIRE(s.intensity_ma == Approx(h_max_intensity));
}

TEST_CASE("bad configurations are refused with the field named", "[h_reflex]") {
    auto c = clean();
    c.sweep_s = 0.04;
    REQUIRE_THROWS_WITH(simulate_h_reflex(c, 1), Catch::Contains("sweep_s"));
    c = clean();
    c.phases.clear();
    REQUIRE_THROWS_WITH(simulate_h_reflex(c, 1), Catch::Contains("phases"));
    c = clean();
    c.phases[1].final_intensity_ma = 30.0;
    REQUIRE_THROWS_WITH(simulate_h_reflex(c, 1), Catch::Contains("phases[1].final_intensity_ma"));
    c = clean();
    c.fair.amplitude_factor = 2.0;
    REQUIRE_THROWS_WITH(simulate_h_reflex(c, 1), Catch::Contains("fair.amplitude_factor"));
    c = clean();
    c.background.snr_db = 10.0;
    REQUIRE_THROWS_WITH(simulate_h_reflex(c, 1), Catch::Contains("exclusive"));
    c = clean();
    c.side = "both";
    REQUIRE_THROWS_WITH(simulate_h_reflex(c, 1), Catch::Contains("side"));
}
