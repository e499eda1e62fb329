#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "edx/evoked/h_reflex.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "measure_test_support.hpp"

using namespace edx;
using namespace edx::evoked;

namespace {
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
}  // namespace

TEST_CASE("a FAIR series: every sweep with its time, position, M and H, the recording's summary", "[evoked][h_reflex]") {
    sim::HReflexConfig c;
    c.background.snr_db = 20.0;
    c.fair.delay_ms = 2.0;
    c.fair.onset_tau_s = 1.0;
    c.age_years = 50.0;
    c.leg_length_cm = 40.0;
    const auto sim = sim::simulate_h_reflex(c, 21);
    const auto r = measure_h_reflex(sim.recording, sim.recording.info.subject);
    const auto& truth = sim.truth;
    REQUIRE(r.recording == c.name);
    REQUIRE(r.side == "left");
    REQUIRE(r.sweeps_total == 30);
    REQUIRE(r.sweeps_used == 30);
    REQUIRE(r.h_present);
    REQUIRE(r.m_present);
    REQUIRE(r.h_presence.p_value < r.h_presence.alpha);
    std::vector<double> h_amp, m_amp, ratio, onset;
    for (std::size_t i = 0; i < r.sweeps.size(); ++i) {
        const auto& t = truth.at("sweeps")[i];
        const auto& s = r.sweeps[i];
        REQUIRE(s.sweep_index == i);
        REQUIRE(s.time_s == t.at("time_s").get<double>());
        REQUIRE(s.position == t.at("position").get<std::string>());
        REQUIRE(s.intensity_ma == t.at("intensity_ma").get<double>());
        REQUIRE(s.h_onset_ms);
        REQUIRE(s.m_onset_ms);
        // The FAIR delay moves each H onset; the per-sweep onsets follow it.
        REQUIRE(*s.h_onset_ms == Approx(t.at("h_onset_ms").get<double>()).margin(0.25));
        // The M-wave at the intensity of Hmax is small (here 0.8 mV against
        // 0.18 mV noise): a single sweep's M onset is less precise than the H's.
        REQUIRE(*s.m_onset_ms == Approx(t.at("m_onset_ms").get<double>()).margin(0.4));
        h_amp.push_back(*s.h_amplitude_mv / t.at("h_amplitude_mv").get<double>());
        m_amp.push_back(*s.m_amplitude_mv / t.at("m_amplitude_mv").get<double>());
        ratio.push_back(t.at("h_amplitude_mv").get<double>() / t.at("m_amplitude_mv").get<double>());
        onset.push_back(t.at("h_onset_ms").get<double>());
    }
    // Amplitudes (template scaled to each sweep) within 10% in median; the ratio follows.
    REQUIRE(median(h_amp) == Approx(1.0).epsilon(0.1));
    REQUIRE(median(m_amp) == Approx(1.0).epsilon(0.1));
    REQUIRE(*r.h_latency_ms == Approx(median(onset)).margin(0.15));
    REQUIRE(*r.m_latency_ms == Approx(truth.at("m_latency_ms").get<double>()).margin(0.1));
    REQUIRE(*r.h_m_ratio == Approx(median(ratio)).epsilon(0.15));
    REQUIRE(*r.h_latency_min_ms <= *r.h_latency_ms);
    REQUIRE(r.h_latency_at_hmax_ms);
    // Normative: the regression with its status.
    REQUIRE(r.expected);
    REQUIRE(r.expected->latency_ms == Approx(truth.at("expected_h_latency_ms").get<double>()).margin(1e-9));
    REQUIRE_THAT(r.expected->source, Catch::Contains("unverified"));
    REQUIRE(*r.h_latency_minus_expected_ms == Approx(*r.h_latency_ms - r.expected->latency_ms));
    // One intensity: no recruitment curve, so no Mmax and no Hmax/Mmax, and why.
    REQUIRE_FALSE(r.recruitment.m.fitted);
    REQUIRE_FALSE(r.mmax_mv);
    REQUIRE_FALSE(r.hmax_mmax);
    REQUIRE_THAT(r.mmax_basis, Catch::Contains("Mmax unknown"));
    REQUIRE_THAT(r.filter, Catch::Contains("causal"));
}

TEST_CASE("a recruitment series: H before M at low intensity, H gone when M is maximal, the curves fitted", "[evoked][h_reflex]") {
    sim::HReflexConfig c;
    c.background.snr_db = 20.0;
    c.recruitment = sim::StimulusRecruitment(8.0, 0.8, 14.0, 1.6);
    c.phases = sim::recruitment_protocol(4.0, 26.0, 45);
    const auto sim = sim::simulate_h_reflex(c, 22);
    const auto r = measure_h_reflex(sim.recording, sim.recording.info.subject);
    REQUIRE(r.h_present);
    REQUIRE(r.h_without_m);
    int false_h = 0, missed_h = 0;
    for (std::size_t i = 0; i < r.sweeps.size(); ++i) {
        const auto& t = sim.truth.at("sweeps")[i];
        const bool truth_h = t.at("h_present").get<bool>() && t.at("h_amplitude_mv").get<double>() > 0.2 * sim.truth.at("hmax_mv").get<double>();
        if (!t.at("h_present").get<bool>() && r.sweeps[i].h_onset_ms) ++false_h;
        if (truth_h && !r.sweeps[i].h_onset_ms) ++missed_h;
    }
    // No latency for a sweep without an H-wave; every H above a fifth of Hmax found.
    REQUIRE(false_h == 0);
    REQUIRE(missed_h == 0);
    REQUIRE(r.recruitment.m.fitted);
    REQUIRE(r.recruitment.m.plateau_reached);
    REQUIRE(r.recruitment.h.fitted);
    REQUIRE(r.recruitment.h.intensity_at_hmax_ma == Approx(c.recruitment->h_max_intensity_ma()).margin(1.0));
    REQUIRE(r.recruitment.m.i50_ma == Approx(14.0).margin(0.5));
    REQUIRE(r.mmax_mv);
    REQUIRE(*r.mmax_mv == Approx(sim.truth.at("mmax_mv").get<double>()).epsilon(0.1));
    REQUIRE(r.hmax_mmax);
    REQUIRE(*r.hmax_mmax == Approx(sim.truth.at("hmax_mv").get<double>() / sim.truth.at("mmax_mv").get<double>()).epsilon(0.2));
}

TEST_CASE("an absent H-wave is reported absent: no latency, no amplitude", "[evoked][h_reflex]") {
    sim::HReflexConfig c;
    c.lesion.h_present = false;
    const auto sim = sim::simulate_h_reflex(c, 23);
    const auto r = measure_h_reflex(sim.recording, sim.recording.info.subject);
    REQUIRE_FALSE(r.h_present);
    REQUIRE(r.h_presence.tested);
    REQUIRE(r.m_present);
    REQUIRE_FALSE(r.h_latency_ms);
    REQUIRE_FALSE(r.h_amplitude_mv);
    REQUIRE_FALSE(r.h_m_ratio);
    for (const auto& s : r.sweeps) {
        REQUIRE_FALSE(s.h_onset_ms);
        REQUIRE_FALSE(s.h_amplitude_mv);
    }
}

TEST_CASE("another waveform family: per-sweep H onsets hold on potentials the simulator does not make", "[evoked][h_reflex]") {
    // M- and H-waves that take off with zero slope (half-sine-windowed sines,
    // onset = start of support), jitter 0.3 ms, white noise at 20 dB, 12
    // recordings of 30 sweeps per rate. Where the rise starts flat the
    // regression's break point is weakly determined: the template's onset
    // varies from recording to recording by about +-0.3 ms, late on average
    // (measured: median |error| 0.16-0.22 ms, 95th percentile 0.33-0.37 ms),
    // against 0.03-0.04 ms for the simulator's potentials, which take off with
    // a slope.
    const double norm2 = test::windowed_sine_peak(2), norm3 = test::windowed_sine_peak(3);
    auto m_shape = [&](double t) { return test::windowed_sine_mv(t, 0.0, 9.0, 2, 1.0 / norm2); };
    auto h_shape = [&](double t) { return test::windowed_sine_mv(t, 0.0, 11.0, 3, 1.0 / norm3); };
    for (double fs : {10000.0, 20000.0}) {
        std::vector<double> err;
        for (std::uint64_t seed = 1; seed <= 12; ++seed) {
            const auto s = test::synthetic_h_reflex(m_shape, h_shape, fs, 30, 5.2, 4.0, 30.7, 1.0, 0.3, 0.1, seed);
            const auto r = measure_h_reflex(s.recording, {});
            REQUIRE(r.h_present);
            for (std::size_t i = 0; i < r.sweeps.size(); ++i) {
                REQUIRE(r.sweeps[i].h_onset_ms);
                err.push_back(*r.sweeps[i].h_onset_ms - s.h_onset_ms[i]);
            }
        }
        double mean = 0.0;
        for (double e : err) mean += e / static_cast<double>(err.size());
        INFO("fs " << fs << " mean error " << mean << " median |error| " << test::abs_quantile(err, 0.5));
        // The criterion puts a noiseless zero-slope take-off up to 0.12 ms late
        // (onset_test.cpp); noise adds the spread between recordings.
        REQUIRE(mean >= -0.05);
        REQUIRE(mean <= 0.2);
        REQUIRE(test::abs_quantile(err, 0.5) <= 0.25);
        REQUIRE(test::abs_quantile(err, 0.95) <= 0.45);
    }
}

TEST_CASE("measure_h_reflex refuses another kind and bad options", "[evoked][h_reflex]") {
    sim::HReflexConfig c;
    auto sim = sim::simulate_h_reflex(c, 1);
    sim.recording.info.kind = RecordingKind::f_wave;
    REQUIRE_THROWS_WITH(measure_h_reflex(sim.recording, {}), Catch::Contains("not h_reflex"));
    sim.recording.info.kind = RecordingKind::h_reflex;
    HReflexOptions o;
    o.presence_alpha = 2.0;
    REQUIRE_THROWS_WITH(measure_h_reflex(sim.recording, {}, o), Catch::Contains("presence_alpha"));
}

TEST_CASE("peak latencies: the M and H templates' negative peaks, where the mean sweep has them", "[evoked][h_reflex]") {
    // Outside reference: the plain mean of the recorded sweeps (no filter, no
    // alignment) and its most negative sample after each onset, refined by a
    // parabola. The sweeps' jitter (0.3 ms) barely moves a peak of a mean.
    for (std::uint64_t seed : {3u, 4u, 5u, 6u, 7u, 8u}) {
        sim::HReflexConfig c;
        c.background.snr_db = 30.0;
        c.phases = {{"anatomic", 20, {}, {}, 5.0}};
        const auto sim = sim::simulate_h_reflex(c, seed);
        const auto& rec = sim.recording;
        const auto r = measure_h_reflex(rec, rec.info.subject);
        REQUIRE(r.h_present);
        REQUIRE(r.m_peak_latency_ms);
        REQUIRE(r.h_peak_latency_ms);
        const double fs = rec.info.sample_rate_hz, pre_ms = rec.pre_trigger_s * 1000.0;
        std::vector<double> mean(rec.frames, 0.0);
        for (std::size_t s = 0; s < rec.sweep_count; ++s) {
            for (std::size_t i = 0; i < rec.frames; ++i) mean[i] += rec.samples[s * rec.frames + i] / rec.sweep_count;
        }
        auto negative_peak_ms = [&](double from_ms, double to_ms) {
            const auto a = static_cast<std::size_t>((from_ms + pre_ms) * fs / 1000.0);
            const auto b = static_cast<std::size_t>((to_ms + pre_ms) * fs / 1000.0);
            std::size_t k = a;
            for (std::size_t i = a; i < b; ++i) {
                if (mean[i] < mean[k]) k = i;
            }
            const double y0 = mean[k - 1], y1 = mean[k], y2 = mean[k + 1];
            const double offset = 0.5 * (y0 - y2) / (y0 - 2.0 * y1 + y2);
            return (static_cast<double>(k) + offset) * 1000.0 / fs - pre_ms;
        };
        INFO("seed " << seed);
        // The main negative phase lies within 8 ms of the M onset and 10 ms of
        // the H onset. The raw mean also holds the stimulus artefact's tail
        // under the M-wave (the engine removes it), and the H-wave's jitter and
        // noise move the lowest sample of a broad phase: within 0.25 ms, a
        // display cursor's precision (measured up to 0.17 ms on these seeds).
        CHECK(*r.m_peak_latency_ms == Approx(negative_peak_ms(*r.m_latency_ms, *r.m_latency_ms + 8.0)).margin(0.25));
        CHECK(*r.h_peak_latency_ms == Approx(negative_peak_ms(*r.h_latency_ms, *r.h_latency_ms + 10.0)).margin(0.25));
    }
}
