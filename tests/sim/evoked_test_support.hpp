// Measurements the evoked-simulator tests make on generated sweeps, written
// independently of the simulator so that a test compares signal with truth.
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "edx/io/recording.hpp"

namespace edx::sim::test {

// Time (ms from the stimulus) of sample i of a sweep: the stimulus falls on
// sample round(pre_trigger_s * rate).
inline double sample_ms(const Recording& r, std::size_t i) {
    const double stimulus_sample = std::round(r.pre_trigger_s * r.info.sample_rate_hz);
    return (static_cast<double>(i) - stimulus_sample) * 1000.0 / r.info.sample_rate_hz;
}

// Index of the first sample at or after from_ms.
inline std::size_t index_at(const Recording& r, double from_ms) {
    const double stimulus_sample = std::round(r.pre_trigger_s * r.info.sample_rate_hz);
    const double i = std::ceil(from_ms * r.info.sample_rate_hz / 1000.0 + stimulus_sample - 1e-9);
    return i < 0 ? 0 : static_cast<std::size_t>(i);
}

// First non-zero sample in [from_ms, to_ms), as a time in ms.
inline std::optional<double> first_nonzero_ms(const Recording& r, std::size_t sweep, double from_ms, double to_ms) {
    const auto x = r.sweep(sweep);
    for (std::size_t i = index_at(r, from_ms); i < x.size() && sample_ms(r, i) < to_ms; ++i) {
        if (x[i] != 0.0f) return sample_ms(r, i);
    }
    return std::nullopt;
}

// Time and value of the most negative sample in [from_ms, to_ms).
struct Extremum {
    double t_ms = 0.0;
    double value = 0.0;
};
inline Extremum minimum(const Recording& r, std::size_t sweep, double from_ms, double to_ms) {
    const auto x = r.sweep(sweep);
    Extremum e{0.0, 1e300};
    for (std::size_t i = index_at(r, from_ms); i < x.size() && sample_ms(r, i) < to_ms; ++i) {
        if (x[i] < e.value) e = {sample_ms(r, i), x[i]};
    }
    return e;
}

inline double peak_to_peak(const Recording& r, std::size_t sweep, double from_ms, double to_ms) {
    const auto x = r.sweep(sweep);
    double lo = 0.0, hi = 0.0;
    for (std::size_t i = index_at(r, from_ms); i < x.size() && sample_ms(r, i) < to_ms; ++i) {
        lo = std::min(lo, static_cast<double>(x[i]));
        hi = std::max(hi, static_cast<double>(x[i]));
    }
    return hi - lo;
}

// How far (ms) the part of sweep b in [from_ms, to_ms) lags the same part of
// sweep a: the peak of their cross-correlation, refined by a parabola
// through the best integer lag and its neighbours.
inline double xcorr_lag_ms(const Recording& ra, std::size_t a, const Recording& rb, std::size_t b, double from_ms,
                           double to_ms, double max_lag_ms) {
    const auto x = ra.sweep(a);
    const auto y = rb.sweep(b);
    const double fs_ms = ra.info.sample_rate_hz / 1000.0;
    const std::size_t i0 = index_at(ra, from_ms), i1 = index_at(ra, to_ms);
    const int max_lag = static_cast<int>(std::ceil(max_lag_ms * fs_ms));
    auto corr = [&](int lag) {
        double acc = 0.0;
        for (std::size_t i = i0; i < i1; ++i) {
            const long j = static_cast<long>(i) + lag;
            if (j >= 0 && j < static_cast<long>(y.size())) acc += double(x[i]) * y[static_cast<std::size_t>(j)];
        }
        return acc;
    };
    int best = -max_lag;
    double best_c = corr(best);
    for (int lag = -max_lag + 1; lag <= max_lag; ++lag) {
        const double c = corr(lag);
        if (c > best_c) best = lag, best_c = c;
    }
    const double cm = corr(best - 1), cp = corr(best + 1);
    const double frac = 0.5 * (cm - cp) / (cm - 2.0 * best_c + cp);
    return (best + frac) / fs_ms;
}

inline double rms(std::span<const float> x) {
    double acc = 0.0;
    for (float v : x) acc += double(v) * v;
    return x.empty() ? 0.0 : std::sqrt(acc / static_cast<double>(x.size()));
}

}  // namespace edx::sim::test
