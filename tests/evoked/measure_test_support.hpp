// What the tests of the evoked measurements share: recordings built from
// waveforms other than the simulator's (so a test can show a measurement does
// not depend on one family of shapes), white noise at a set level, and the
// order statistics the accuracy targets are stated in.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <random>
#include <vector>

#include "edx/io/recording.hpp"

namespace edx::evoked::test {

// The q-quantile (0..1) of |values| by the nearest-rank rule.
inline double abs_quantile(std::vector<double> values, double q) {
    for (double& v : values) v = std::abs(v);
    std::sort(values.begin(), values.end());
    if (values.empty()) return NAN;
    const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::min(values.size() - 1, k == 0 ? 0 : k - 1)];
}

// A smooth-take-off potential with compact support (the second family, beside
// the simulator's piecewise cubics that take off with a non-zero slope): a sine
// of `phases` half-periods under a half-sine window, starting at onset_ms and
// lasting duration_ms, scaled so its largest magnitude is amplitude_mv, first
// phase negative. Near the onset it rises as (t - onset)^2: zero slope,
// non-zero curvature. Its onset is where its support starts.
inline double windowed_sine_mv(double t_ms, double onset_ms, double duration_ms, int phases, double amplitude_mv) {
    const double u = (t_ms - onset_ms) / duration_ms;
    if (u <= 0.0 || u >= 1.0) return 0.0;
    // The product's largest magnitude for 2 or 3 phases is close to 0.77-0.9:
    // normalise numerically once per call site if an exact peak is needed.
    return -amplitude_mv * std::sin(std::numbers::pi * u) * std::sin(phases * std::numbers::pi * u);
}

// Peak magnitude of windowed_sine_mv with unit amplitude (for normalising).
inline double windowed_sine_peak(int phases) {
    double peak = 0.0;
    for (int i = 1; i < 100000; ++i) {
        const double u = i / 100000.0;
        peak = std::max(peak, std::abs(std::sin(std::numbers::pi * u) * std::sin(phases * std::numbers::pi * u)));
    }
    return peak;
}

struct SyntheticSweeps {
    Recording recording;
    std::vector<double> h_onset_ms;  // per sweep, the truth
    std::vector<double> m_onset_ms;
};

// A sweep-form h_reflex recording whose M- and H-waves come from `shape`
// (t_ms relative to the wave's onset -> value for unit amplitude), with
// per-sweep H jitter (normal, sd jitter_ms) and white Gaussian noise of
// noise_rms_mv. Stimulus at pre_ms into each sweep.
inline SyntheticSweeps synthetic_h_reflex(const std::function<double(double)>& m_shape,
                                          const std::function<double(double)>& h_shape, double fs, int sweeps,
                                          double m_onset_ms, double m_amplitude_mv, double h_onset_ms,
                                          double h_amplitude_mv, double jitter_ms, double noise_rms_mv,
                                          std::uint64_t seed) {
    SyntheticSweeps out;
    Recording& r = out.recording;
    r.info.name = "synthetic_h";
    r.info.kind = RecordingKind::h_reflex;
    r.info.sample_rate_hz = fs;
    r.info.units = Units::mV;
    r.info.muscle = "soleus";
    r.info.nerve = "tibial";
    r.info.side = "left";
    r.form = SampleForm::sweeps;
    const double pre_ms = 10.0, sweep_ms = 100.0;
    r.pre_trigger_s = pre_ms / 1000.0;
    r.frames = static_cast<std::size_t>(std::lround(sweep_ms * fs / 1000.0));
    r.sweep_count = static_cast<std::size_t>(sweeps);
    r.samples.assign(r.frames * r.sweep_count, 0.0f);
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (int s = 0; s < sweeps; ++s) {
        r.stimuli.push_back({2.0 * s + 1.0, 20.0});
        const double h_on = h_onset_ms + jitter_ms * normal(rng);
        out.h_onset_ms.push_back(h_on);
        out.m_onset_ms.push_back(m_onset_ms);
        auto x = r.sweep(static_cast<std::size_t>(s));
        for (std::size_t i = 0; i < r.frames; ++i) {
            const double t = static_cast<double>(i) * 1000.0 / fs - pre_ms;
            const double v = m_amplitude_mv * m_shape(t - m_onset_ms) + h_amplitude_mv * h_shape(t - h_on) +
                             noise_rms_mv * normal(rng);
            x[i] = static_cast<float>(v);
        }
    }
    r.check_consistent();
    return out;
}

}  // namespace edx::evoked::test
