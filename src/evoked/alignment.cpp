#include "edx/evoked/alignment.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "band_limit.hpp"
#include "eigen.hpp"

#include "edx/signals/table.hpp"

namespace edx::evoked {

namespace {

constexpr std::string_view kTable = "norms/evoked_measurement.json";

float dot(const float* a, const float* b, std::size_t n) {
    return Eigen::Map<const Eigen::VectorXf>(a, static_cast<Eigen::Index>(n))
        .dot(Eigen::Map<const Eigen::VectorXf>(b, static_cast<Eigen::Index>(n)));
}

struct Peak {
    double lag = 0.0;    // fractional
    double value = 0.0;  // correlation at the fractional lag (parabola's vertex)
};

// The parabola through (-1, ym), (0, y0), (1, yp): vertex offset and value.
Peak parabolic(double k, double ym, double y0, double yp) {
    const double den = ym - 2.0 * y0 + yp;
    if (!(den < 0.0)) return {k, y0};
    const double delta = std::clamp(0.5 * (ym - yp) / den, -0.5, 0.5);
    return {k + delta, y0 - 0.25 * (ym - yp) * delta};
}

// Correlation of x (shifted by each lag in [lo, hi]) with t over n samples
// starting at x0 (the window's first sample at lag 0); best lag refined by a parabola.
Peak best_lag(const float* x0, const float* t, std::size_t n, long lo, long hi, long global_lo, long global_hi,
              std::vector<float>& scratch) {
    for (;;) {
        scratch.resize(static_cast<std::size_t>(hi - lo + 1));
        for (long k = lo; k <= hi; ++k) scratch[static_cast<std::size_t>(k - lo)] = dot(x0 + k, t, n);
        const auto it = std::max_element(scratch.begin(), scratch.end());
        const long k = lo + static_cast<long>(it - scratch.begin());
        // A peak on the edge of a local range that could go further: widen and look again.
        if (k == lo && lo > global_lo) {
            lo = std::max(global_lo, lo - 2);
            continue;
        }
        if (k == hi && hi < global_hi) {
            hi = std::min(global_hi, hi + 2);
            continue;
        }
        const double y0 = *it;
        if (k == lo || k == hi) return {static_cast<double>(k), y0};
        return parabolic(static_cast<double>(k), scratch[static_cast<std::size_t>(k - 1 - lo)], y0,
                         scratch[static_cast<std::size_t>(k + 1 - lo)]);
    }
}

}  // namespace

// The tables are compiled in: each configuration is read once.
AlignmentConfig AlignmentConfig::for_h_wave() {
    static const AlignmentConfig cached = [] {
        AlignmentConfig c;
        c.max_shift_ms = signals::constant(kTable, "/alignment/max_shift_ms");
        c.iterations = static_cast<int>(signals::constant(kTable, "/alignment/iterations"));
        c.template_lowpass_hz = signals::constant(kTable, "/alignment/template_lowpass_hz");
        return c;
    }();
    return cached;
}

AlignmentConfig AlignmentConfig::for_m_wave() {
    static const AlignmentConfig cached = [] {
        AlignmentConfig c = for_h_wave();
        c.max_shift_ms = signals::constant(kTable, "/alignment/m_max_shift_ms");
        // The direct M-wave is several times the H-wave and locked to the
        // stimulus: its template's noise is too small to move its shifts.
        c.template_lowpass_hz = 0.0;
        return c;
    }();
    return cached;
}

AlignmentConfig AlignmentConfig::for_ncs() {
    static const AlignmentConfig cached = [] {
        AlignmentConfig c = for_h_wave();
        c.max_shift_ms = signals::constant(kTable, "/alignment/ncs_max_shift_ms");
        return c;
    }();
    return cached;
}

void AlignmentConfig::validate() const {
    if (!(std::isfinite(max_shift_ms) && max_shift_ms >= 0.0)) {
        throw std::invalid_argument("AlignmentConfig.max_shift_ms must be finite and >= 0");
    }
    if (iterations < 1) throw std::invalid_argument("AlignmentConfig.iterations must be at least 1");
    if (!(coarse_rate_hz > 0.0)) throw std::invalid_argument("AlignmentConfig.coarse_rate_hz must be > 0");
    if (!(std::isfinite(template_lowpass_hz) && template_lowpass_hz >= 0.0)) {
        throw std::invalid_argument("AlignmentConfig.template_lowpass_hz must be finite and >= 0");
    }

}

std::vector<double> shifted_row(std::span<const float> row, double shift, std::size_t begin, std::size_t end) {
    std::vector<double> out(end - begin, 0.0);
    const long n = static_cast<long>(row.size());
    auto at = [&](long i) { return static_cast<double>(row[static_cast<std::size_t>(std::clamp(i, 0L, n - 1))]); };
    for (std::size_t t = begin; t < end; ++t) {
        const double pos = static_cast<double>(t) + shift;
        const double fl = std::floor(pos);
        const long i = static_cast<long>(fl);
        const double u = pos - fl;
        // Catmull-Rom cubic through i-1, i, i+1, i+2.
        const double p0 = at(i - 1), p1 = at(i), p2 = at(i + 1), p3 = at(i + 2);
        out[t - begin] = p1 + 0.5 * u * (p2 - p0 + u * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + u * (3.0 * (p1 - p2) + p3 - p0)));
    }
    return out;
}

namespace {

struct WoodyState {
    std::vector<double> shift, amp;
};

// Template (amplitude-weighted sum of the rows at their rounded shifts) over
// [begin, end), and the sum of the squared weights.
double build_sum(const std::vector<const float*>& x, const WoodyState& st, std::size_t begin, std::size_t len,
                 std::vector<double>& sum) {
    sum.assign(len, 0.0);
    double a2 = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double w = std::max(st.amp[i], 0.0);
        if (w == 0.0) continue;
        const float* xi = x[i] + static_cast<long>(begin) + std::lround(st.shift[i]);
        for (std::size_t t = 0; t < len; ++t) sum[t] += w * xi[t];
        a2 += w * w;
    }
    return a2;
}

// Woody iterations on rows x over the focus [focus_begin, focus_end): each
// row against the template without it (built from the band-limited rows xs,
// whose first sample is sweep sample xs_offset; xs may be x itself, offset 0),
// lags within +-d_max, the first pass reaching first_reach around the current
// shift, later passes 2. Returns the passes run.
int woody(const std::vector<const float*>& x, const std::vector<const float*>& xs, std::size_t xs_offset,
          std::size_t focus_begin, std::size_t focus_end, long d_max, int iterations, long first_reach,
          WoodyState& st, bool& converged, std::vector<float>& scratch) {
    const std::size_t n = x.size(), flen = focus_end - focus_begin;
    std::vector<double> sum;
    std::vector<float> loo(flen);
    converged = n == 1;
    int it = 0;
    for (; it < iterations && n > 1; ++it) {
        const double a2sum = build_sum(xs, st, focus_begin - xs_offset, flen, sum);
        double moved = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = std::max(st.amp[i], 0.0);
            const double rest = a2sum - w * w;
            if (!(rest > 1e-12 * a2sum) || rest <= 0.0) continue;
            const long r = std::lround(st.shift[i]);
            const float* xi_aligned = xs[i] + static_cast<long>(focus_begin - xs_offset) + r;
            const double inv = 1.0 / rest;
            for (std::size_t t = 0; t < flen; ++t) loo[t] = static_cast<float>((sum[t] - w * xi_aligned[t]) * inv);
            const double norm = dot(loo.data(), loo.data(), flen);
            if (!(norm > 0.0)) continue;
            const long reach = it == 0 ? first_reach : 2;
            const long lo = std::max(-d_max, r - reach), hi = std::min(d_max, r + reach);
            const Peak p =
                best_lag(x[i] + static_cast<long>(focus_begin), loo.data(), flen, lo, hi, -d_max, d_max, scratch);
            moved = std::max(moved, std::abs(p.lag - st.shift[i]));
            st.shift[i] = p.lag;
            st.amp[i] = p.value / norm;
        }
        // Keep the shifts' median at zero (by whole samples, so the template's
        // rows move with it).
        {
            std::vector<double> sorted = st.shift;
            std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n / 2), sorted.end());
            const double centre = std::round(sorted[n / 2]);
            if (centre != 0.0) {
                for (double& v : st.shift) v = std::clamp(v - centre, -static_cast<double>(d_max), static_cast<double>(d_max));
            }
        }
        if (it > 0 && moved < 0.01) {
            converged = true;
            ++it;
            break;
        }
    }
    return it;
}

}  // namespace

Alignment align_rows(const PreparedSweeps& sweeps, std::span<const std::size_t> rows, std::size_t begin,
                     std::size_t end, const AlignmentConfig& config, std::size_t focus_begin, std::size_t focus_end) {
    config.validate();
    if (rows.empty()) throw std::invalid_argument("align_rows: no rows to align");
    if (!(begin < end && end <= sweeps.frames)) {
        throw std::invalid_argument("align_rows: window [" + std::to_string(begin) + ", " + std::to_string(end) +
                                    ") outside the sweep of " + std::to_string(sweeps.frames) + " samples");
    }
    if (focus_begin == 0 && focus_end == 0) {
        focus_begin = begin;
        focus_end = end;
    }
    if (!(begin <= focus_begin && focus_begin < focus_end && focus_end <= end)) {
        throw std::invalid_argument("align_rows: the focus is not within the window");
    }
    const std::size_t n = rows.size();
    const std::size_t len = end - begin;
    const double fs = sweeps.sample_rate_hz;
    // Room for the search and the parabola's neighbours on both sides.
    long d_max = std::lround(config.max_shift_ms * fs / 1000.0);
    d_max = std::min({d_max, static_cast<long>(begin) - 1, static_cast<long>(sweeps.frames - end) - 1});
    d_max = std::max(d_max, 0L);

    Alignment out;
    out.begin = begin;
    out.end = end;
    out.max_shift_samples = static_cast<double>(d_max);
    WoodyState st;
    st.shift.assign(n, 0.0);
    st.amp.assign(n, 1.0);
    std::vector<const float*> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = sweeps.row(rows[i]).data();
    std::vector<float> scratch;

    // Coarse search on box-averaged sweeps when the range is wide.
    const long q = std::max(1L, static_cast<long>(std::floor(fs / config.coarse_rate_hz)));
    const bool coarse = q > 1 && d_max > 2 * q && n > 1;
    if (coarse) {
        const long first = (static_cast<long>(begin) - d_max) / q;  // decimated sample index range
        const long last = (static_cast<long>(end) + d_max) / q;     // exclusive
        const long db = (static_cast<long>(focus_begin) + q - 1) / q, de = static_cast<long>(focus_end) / q;
        const long dlen = de - db;
        if (dlen >= 4) {
            const auto width = static_cast<std::size_t>(last - first);
            std::vector<float> dec(n * width);
            for (std::size_t i = 0; i < n; ++i) {
                // The envelope (rectified, box-averaged, less its mean): a
                // multiphasic wave correlates with a copy of itself shifted by
                // one phase almost as well as unshifted, its envelope does not.
                double mean = 0.0;
                for (long j = first; j < last; ++j) {
                    double s = 0.0;
                    for (long k = 0; k < q; ++k) s += std::abs(static_cast<double>(x[i][j * q + k]));
                    dec[i * width + static_cast<std::size_t>(j - first)] = static_cast<float>(s / static_cast<double>(q));
                    mean += s / static_cast<double>(q);
                }
                mean /= static_cast<double>(last - first);
                for (long j = first; j < last; ++j) dec[i * width + static_cast<std::size_t>(j - first)] -= static_cast<float>(mean);
            }
            // Woody's iterations at the coarse rate: each row against the mean
            // of the others at their current coarse lags (integer, decimated).
            const long dd = d_max / q;
            std::vector<long> lag(n, 0);
            std::vector<double> sum(static_cast<std::size_t>(dlen));
            std::vector<float> loo(static_cast<std::size_t>(dlen));
            for (int pass = 0; pass < std::max(config.iterations, 2); ++pass) {
                std::fill(sum.begin(), sum.end(), 0.0);
                for (std::size_t i = 0; i < n; ++i) {
                    const float* xi = dec.data() + i * width + (db - first + lag[i]);
                    for (long j = 0; j < dlen; ++j) sum[static_cast<std::size_t>(j)] += xi[j];
                }
                bool moved = false;
                std::vector<long> next(n);
                for (std::size_t i = 0; i < n; ++i) {
                    const float* own = dec.data() + i * width + (db - first + lag[i]);
                    for (long j = 0; j < dlen; ++j) {
                        loo[static_cast<std::size_t>(j)] =
                            static_cast<float>((sum[static_cast<std::size_t>(j)] - own[j]) / static_cast<double>(n - 1));
                    }
                    const float* xi = dec.data() + i * width + (db - first);
                    const Peak p = best_lag(xi, loo.data(), static_cast<std::size_t>(dlen), -dd, dd, -dd, dd, scratch);
                    next[i] = std::lround(p.lag);
                    st.shift[i] = std::clamp(p.lag * static_cast<double>(q), -static_cast<double>(d_max),
                                             static_cast<double>(d_max));
                    moved = moved || next[i] != lag[i];
                }
                // Shifts are relative: keep their median at zero, so the
                // template stays where it was looked for and cannot drift to
                // the edge of the search.
                std::vector<long> sorted = next;
                std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n / 2), sorted.end());
                const long centre = sorted[n / 2];
                for (std::size_t i = 0; i < n; ++i) {
                    next[i] = std::clamp(next[i] - centre, -dd, dd);
                    st.shift[i] = std::clamp(st.shift[i] - static_cast<double>(centre * q), -static_cast<double>(d_max),
                                             static_cast<double>(d_max));
                }
                lag = std::move(next);
                if (!moved) break;
            }
        }
    }

    bool converged = false;
    // The band-limited rows the template is built from in the correlations,
    // over the focus and its search range (rows are only read there).
    std::vector<const float*> xs = x;
    std::size_t xs_offset = 0;  // the sweep sample of xs[i][0]
    std::vector<float> smoothed;
    const std::size_t width = detail::band_limit_width(config.template_lowpass_hz, fs);
    if (width > 1 && n > 1) {
        const std::size_t frames = sweeps.frames;
        const std::size_t from = focus_begin > static_cast<std::size_t>(d_max) + 2 ? focus_begin - d_max - 2 : 0;
        const std::size_t to = std::min(frames, focus_end + static_cast<std::size_t>(d_max) + 2);
        const std::size_t span = to - from;
        smoothed.resize(n * span);
        for (std::size_t i = 0; i < n; ++i) {
            float* out = smoothed.data() + i * span;
            detail::band_limit(x[i], frames, width, from, to, out);
            xs[i] = out;
        }
        xs_offset = from;
    }
    // After the coarse search (its lags refined by a parabola), the first fine
    // pass looks half a coarse sample either side, and two samples more.
    const int it = woody(x, xs, xs_offset, focus_begin, focus_end, d_max, config.iterations,
                         coarse ? q / 2 + 2 : d_max, st, converged, scratch);

    std::vector<double> sum;
    // RMS of each row less its scaled template (four independent sums: a
    // single one is a chain of dependent additions).
    auto residuals = [&](const std::vector<const float*>& rx, const std::vector<double>& tmpl) {
        std::vector<double> rms(n, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            const float* xi = rx[i] + static_cast<long>(begin) + std::lround(st.shift[i]);
            const double a = st.amp[i];
            double acc[4] = {};
            std::size_t t = 0;
            for (; t + 4 <= len; t += 4) {
                for (std::size_t j = 0; j < 4; ++j) {
                    const double e = xi[t + j] - a * tmpl[t + j];
                    acc[j] += e * e;
                }
            }
            for (; t < len; ++t) {
                const double e = xi[t] - a * tmpl[t];
                acc[0] += e * e;
            }
            rms[i] = std::sqrt(((acc[0] + acc[1]) + (acc[2] + acc[3])) / static_cast<double>(len));
        }
        return rms;
    };
    auto template_of = [&](const std::vector<const float*>& rx) {
        std::vector<double> t(len, 0.0);
        const double a2 = build_sum(rx, st, begin, len, sum);
        if (a2 > 0.0) {
            for (std::size_t k = 0; k < len; ++k) t[k] = sum[k] / a2;
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t k = 0; k < len; ++k) t[k] += rx[i][begin + k] / static_cast<double>(n);
            }
        }
        return t;
    };

    out.waveform = template_of(x);
    out.residual_rms = residuals(x, out.waveform);
    double norm = 0.0;
    for (double v : out.waveform) norm += v * v;
    norm = std::sqrt(norm);
    out.z.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        // Standard error of the amplitude for white noise of the residual's size.
        const double se = out.residual_rms[i] / std::max(norm, 1e-300);
        out.z[i] = se > 0.0 ? st.amp[i] / se : 0.0;
    }
    double ss_total = 0.0, a2sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        ss_total += out.residual_rms[i] * out.residual_rms[i] * static_cast<double>(len);
        a2sum += std::max(st.amp[i], 0.0) * std::max(st.amp[i], 0.0);
    }
    if (n > 1 && a2sum > 0.0) {
        const double sigma2 = ss_total / (static_cast<double>(len) * static_cast<double>(n - 1));
        out.noise_sd = std::sqrt(sigma2 / a2sum);
    }
    out.shift_samples = std::move(st.shift);
    out.amplitude = std::move(st.amp);
    out.iterations = it;
    out.converged = converged;
    return out;
}

}  // namespace edx::evoked
