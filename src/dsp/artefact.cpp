#include "edx/dsp/artefact.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace edx::dsp {

namespace {

long to_samples(double ms, double fs) { return std::lround(ms * fs / 1000.0); }

void check_window(const char* name, double start, double end) {
    if (!(std::isfinite(start) && std::isfinite(end) && start < end)) {
        throw std::invalid_argument(std::string("artefact ") + name + " window must have start < end (ms)");
    }
}

struct TailFit {
    double amplitude = 0, offset = 0, sse = 0;
};

// For a fixed tau the model is linear in A (and C): solve it, return the
// residual sum of squares. The fit over tau is then one-dimensional.
TailFit fit_for_tau(const float* y, long n, double tau_samples, bool with_offset) {
    double see = 0, sye = 0, se = 0, sy = 0, syy = 0;
    const double decay = std::exp(-1.0 / tau_samples);
    double e = 1.0;
    for (long i = 0; i < n; ++i) {
        const double v = y[i];
        see += e * e;
        sye += v * e;
        se += e;
        sy += v;
        syy += v * v;
        e *= decay;
    }
    TailFit f;
    if (!with_offset) {
        f.amplitude = see > 0 ? sye / see : 0.0;
        f.sse = syy - f.amplitude * sye;
    } else {
        const double nn = static_cast<double>(n);
        const double det = see * nn - se * se;
        if (std::abs(det) < 1e-300) return fit_for_tau(y, n, tau_samples, false);
        f.amplitude = (sye * nn - se * sy) / det;
        f.offset = (see * sy - se * sye) / det;
        f.sse = syy - f.amplitude * sye - f.offset * sy;
    }
    return f;
}

}  // namespace

StimulusArtefactSuppressor::StimulusArtefactSuppressor(const ArtefactConfig& config) : config_(config) {
    const double fs = config.sample_rate_hz;
    if (!(std::isfinite(fs) && fs > 0)) throw std::invalid_argument("artefact sample_rate_hz must be positive");
    check_window("baseline", config.baseline_start_ms, config.baseline_end_ms);
    check_window("blank", config.blank_start_ms, config.blank_end_ms);
    check_window("fit", config.fit_start_ms, config.fit_end_ms);
    if (config.correct_baseline && config.baseline_end_ms > 0) {
        throw std::invalid_argument("artefact baseline window must end at or before the stimulus (baseline_end_ms <= 0)");
    }
    if (config.fit_tail && config.fit_start_ms < config.blank_end_ms) {
        throw std::invalid_argument("artefact fit window must start at or after the blanking ends (fit_start_ms >= blank_end_ms)");
    }
    if (!(config.tau_min_ms > 0 && config.tau_min_ms < config.tau_max_ms && std::isfinite(config.tau_max_ms))) {
        throw std::invalid_argument("artefact tau bounds must satisfy 0 < tau_min_ms < tau_max_ms");
    }
    baseline_begin_ = to_samples(config.baseline_start_ms, fs);
    baseline_end_ = to_samples(config.baseline_end_ms, fs);
    blank_begin_ = to_samples(config.blank_start_ms, fs);
    blank_end_ = to_samples(config.blank_end_ms, fs);
    fit_begin_ = to_samples(config.fit_start_ms, fs);
    fit_end_ = to_samples(config.fit_end_ms, fs);
    if (config.fit_tail && fit_end_ - fit_begin_ < 3) {
        throw std::invalid_argument("artefact fit window must hold at least 3 samples");
    }
    if (baseline_end_ <= baseline_begin_ || blank_end_ <= blank_begin_) {
        throw std::invalid_argument("artefact baseline and blank windows must hold at least 1 sample");
    }
}

ArtefactResult StimulusArtefactSuppressor::process(std::span<float> sweep, std::size_t stimulus_index) const noexcept {
    ArtefactResult r;
    const auto n = static_cast<long>(sweep.size());
    const auto s = static_cast<long>(stimulus_index);
    // Interpolation needs two samples on each side of the blank.
    const long first_needed = std::min(config_.correct_baseline ? s + baseline_begin_ : s + blank_begin_ - 2,
                                       s + blank_begin_ - 2);
    const long last_needed = std::max(s + blank_end_ + 2, config_.fit_tail ? s + fit_end_ : 0);
    if (first_needed < 0 || last_needed > n) {
        r.status = ArtefactStatus::windows_outside_sweep;
        return r;
    }
    auto finite_range = [&](long a, long b) {
        for (long i = a; i < b; ++i) {
            if (!std::isfinite(sweep[static_cast<std::size_t>(i)])) return false;
        }
        return true;
    };
    if (!finite_range(first_needed, last_needed)) {
        r.status = ArtefactStatus::non_finite_input;
        return r;
    }

    if (config_.correct_baseline) {
        double sum = 0;
        for (long i = s + baseline_begin_; i < s + baseline_end_; ++i) sum += sweep[static_cast<std::size_t>(i)];
        r.baseline = sum / static_cast<double>(baseline_end_ - baseline_begin_);
        for (auto& v : sweep) v = static_cast<float>(v - r.baseline);
    }

    if (config_.fit_tail) {
        const float* y = sweep.data() + (s + fit_begin_);
        const long m = fit_end_ - fit_begin_;
        const double fs_ms = config_.sample_rate_hz / 1000.0;
        // Coarse log-spaced grid over tau, then golden-section refinement
        // around the best grid point: robust to the SSE's flat regions.
        const double lo = std::log(config_.tau_min_ms * fs_ms);
        const double hi = std::log(config_.tau_max_ms * fs_ms);
        constexpr int grid = 48;
        int best = 0;
        double best_sse = 0;
        for (int k = 0; k <= grid; ++k) {
            const double sse = fit_for_tau(y, m, std::exp(lo + (hi - lo) * k / grid), config_.fit_offset).sse;
            if (k == 0 || sse < best_sse) {
                best_sse = sse;
                best = k;
            }
        }
        double a = lo + (hi - lo) * std::max(best - 1, 0) / grid;
        double b = lo + (hi - lo) * std::min(best + 1, grid) / grid;
        const double g = (std::sqrt(5.0) - 1.0) / 2.0;
        double c = b - g * (b - a), d = a + g * (b - a);
        double fc = fit_for_tau(y, m, std::exp(c), config_.fit_offset).sse;
        double fd = fit_for_tau(y, m, std::exp(d), config_.fit_offset).sse;
        for (int it = 0; it < 60; ++it) {
            if (fc < fd) {
                b = d; d = c; fd = fc;
                c = b - g * (b - a);
                fc = fit_for_tau(y, m, std::exp(c), config_.fit_offset).sse;
            } else {
                a = c; c = d; fc = fd;
                d = a + g * (b - a);
                fd = fit_for_tau(y, m, std::exp(d), config_.fit_offset).sse;
            }
        }
        const double tau = std::exp((a + b) / 2.0);
        const TailFit fit = fit_for_tau(y, m, tau, config_.fit_offset);
        r.tail_amplitude = fit.amplitude;
        r.tail_offset = fit.offset;
        r.tail_tau_ms = tau / fs_ms;
        r.tail_fit_rms = std::sqrt(std::max(fit.sse, 0.0) / static_cast<double>(m));
        // Subtract the exponential from the end of the blank onwards (it is
        // extrapolated backwards to the blank edge and forwards under the response).
        for (long i = s + blank_end_; i < n; ++i) {
            const double e = fit.amplitude * std::exp(-static_cast<double>(i - (s + fit_begin_)) / tau);
            sweep[static_cast<std::size_t>(i)] = static_cast<float>(sweep[static_cast<std::size_t>(i)] - e);
        }
    }

    // Blank: join sample i0 - 1 to sample i1 across the artefact.
    const long i0 = s + blank_begin_;
    const long i1 = s + blank_end_;
    const double x0 = sweep[static_cast<std::size_t>(i0 - 1)];
    const double x1 = sweep[static_cast<std::size_t>(i1)];
    const auto span_len = static_cast<double>(i1 - (i0 - 1));
    if (config_.interpolation == Interpolation::linear) {
        for (long i = i0; i < i1; ++i) {
            const double u = static_cast<double>(i - (i0 - 1)) / span_len;
            sweep[static_cast<std::size_t>(i)] = static_cast<float>(x0 + (x1 - x0) * u);
        }
    } else {
        // Cubic Hermite with the slopes of the signal on each side (per sample,
        // scaled to the span), so the joins are smooth.
        const double m0 = (x0 - sweep[static_cast<std::size_t>(i0 - 2)]) * span_len;
        const double m1 = (sweep[static_cast<std::size_t>(i1 + 1)] - x1) * span_len;
        for (long i = i0; i < i1; ++i) {
            const double u = static_cast<double>(i - (i0 - 1)) / span_len;
            const double u2 = u * u, u3 = u2 * u;
            const double v = (2 * u3 - 3 * u2 + 1) * x0 + (u3 - 2 * u2 + u) * m0 + (-2 * u3 + 3 * u2) * x1 +
                             (u3 - u2) * m1;
            sweep[static_cast<std::size_t>(i)] = static_cast<float>(v);
        }
    }
    return r;
}

}  // namespace edx::dsp
