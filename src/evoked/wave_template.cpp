#include "wave_template.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "band_limit.hpp"
#include "eigen.hpp"
#include "edx/signals/table.hpp"

namespace edx::evoked::detail {

SegmentSearch clean_and_locate(PreparedSweeps& ps, const PipelineConfig& config) {
    if (ps.rows() == 0) return {};
    exclude_artefact_overload(ps, config);
    if (ps.rows() == 0) return {};
    const SegmentCriterion criterion = SegmentCriterion::from_signals();
    const SegmentSearch first = find_response_segments(ps, {}, criterion);
    remove_locked_mains(ps, first);
    suppress_artefact_tail(ps, config);
    if (ps.rows() == 0) return first;
    // The hum is gone: the second search need not look for it.
    SegmentCriterion again = criterion;
    again.mains_harmonics = 0;
    // Rows only leave (artefact overload): the spread of the rest is as before.
    SegmentSearch out = find_response_segments(ps, {}, again, first.noise_sd);
    if (first.mains_hz > 0.0) {
        out.mains_hz = first.mains_hz;
        out.mains = first.mains;
    }
    return out;
}

WaveTemplate measure_wave(const PreparedSweeps& ps, std::span<const std::size_t> rows, std::size_t w0, std::size_t w1,
                          std::size_t earliest, std::size_t baseline_end, std::size_t seg_begin, std::size_t seg_end,
                          const AlignmentConfig& config, const OnsetCriterion& criterion, std::size_t noise_begin,
                          std::size_t noise_end, bool shift_errors) {
    WaveTemplate w;
    // The correlations look at the located response and a margin either side.
    static const double focus_margin_ms =
        signals::constant("norms/evoked_measurement.json", "/alignment/focus_margin_ms");
    const auto focus_margin = static_cast<std::size_t>(std::lround(focus_margin_ms * ps.sample_rate_hz / 1000.0));
    const std::size_t focus_begin = std::clamp(seg_begin > focus_margin ? seg_begin - focus_margin : 0, w0, w1 - 1);
    const std::size_t focus_end = std::clamp(seg_end + focus_margin, focus_begin + 1, w1);
    w.alignment = align_rows(ps, rows, w0, w1, config, focus_begin, focus_end);
    const auto& al = w.alignment;
    const auto& t = al.waveform;
    const std::size_t len = w1 - w0;
    const double fs = ps.sample_rate_hz;

    // Level before the response, for finding its main peak.
    std::vector<double> pre;
    for (std::size_t k = earliest > w0 ? earliest - w0 : 0; k + w0 < baseline_end && k < len; ++k) pre.push_back(t[k]);
    double base = 0.0;
    if (!pre.empty()) {
        std::nth_element(pre.begin(), pre.begin() + static_cast<std::ptrdiff_t>(pre.size() / 2), pre.end());
        base = pre[pre.size() / 2];
    }
    std::size_t peak = std::clamp(seg_begin, w0, w1 - 1) - w0;
    for (std::size_t k = peak; k + w0 < std::min(seg_end, w1); ++k) {
        if (std::abs(t[k] - base) > std::abs(t[peak] - base)) peak = k;
    }
    w.peak_index = w0 + peak;

    // Noise of the template's detection trace: from the rows' residuals
    // against it over the part of the window before the response (where a
    // residual is noise only; over the response it would also hold the
    // alignment's misfit), or the whole window when that part is short.
    const std::size_t n = rows.size();
    double a2 = 0.0;
    for (double a : al.amplitude) a2 += std::max(a, 0.0) * std::max(a, 0.0);
    std::vector<double> noise_rows;
    double row_sd = 0.0;
    if (n > 1) {
        const auto lead = static_cast<std::size_t>(std::lround(2.5 * fs / 1000.0));
        const auto min_quiet = std::max<std::size_t>(16, static_cast<std::size_t>(std::lround(2.0 * fs / 1000.0)));
        const std::size_t before = seg_begin > w0 + lead ? seg_begin - w0 - lead : 0;
        const std::size_t span = before >= min_quiet ? before : len;
        // At most 16 rows: plenty for a noise level, and the filtering costs.
        const std::size_t used = std::min<std::size_t>(n, 16);
        noise_rows.resize(used * span);
        for (std::size_t i = 0; i < used; ++i) {
            const auto x = ps.row(rows[i]);
            const long r = std::lround(al.shift_samples[i]);
            for (std::size_t k = 0; k < span; ++k) {
                noise_rows[i * span + k] = x[static_cast<std::size_t>(static_cast<long>(w0 + k) + r)] - al.amplitude[i] * t[k];
            }
        }
        row_sd = detection_noise_sd(noise_rows, used, span, fs, criterion) *
                 std::sqrt(static_cast<double>(n) / static_cast<double>(n - 1));
    }
    // Too few rows for their residuals: the pre-stimulus windows instead.
    const std::size_t pre_len = ps.noise_end_index;
    if (n <= 2 && pre_len >= 8) {
        std::vector<double> pre_rows(n * pre_len);
        for (std::size_t i = 0; i < n; ++i) {
            const auto x = ps.row(rows[i]);
            for (std::size_t k = 0; k < pre_len; ++k) pre_rows[i * pre_len + k] = x[k];
        }
        row_sd = std::max(row_sd, detection_noise_sd(pre_rows, n, pre_len, fs, criterion));
    }
    w.detection_noise_sd = a2 > 0.0 ? row_sd / std::sqrt(a2) : row_sd;

    const std::size_t early = earliest > w0 ? std::min(earliest - w0, peak > 0 ? peak - 1 : 0) : 0;
    const std::size_t base_end = baseline_end > w0 ? std::min(baseline_end - w0, peak) : early + 2;
    w.onset = estimate_onset(t, fs, w.detection_noise_sd, peak, early, base_end, criterion);
    double onset = w.onset.found ? w.onset.onset_index : static_cast<double>(std::clamp(seg_begin, w0, w1 - 1) - w0);
    w.onset_index = static_cast<double>(w0) + onset;
    w.measures = measure_response(t, fs, ps.ms_at(static_cast<double>(w0)), onset, w.onset.found ? w.onset.baseline : base,
                                  len);

    w.z = al.z;

    // The template's main part: where it stands out of twice its noise and
    // of 5% of its peak, widened by half a millisecond either side.
    const double sd_t = al.noise_sd > 0.0 ? al.noise_sd : w.detection_noise_sd;
    std::vector<double> part(len, 0.0);
    const auto widen = static_cast<std::size_t>(std::lround(0.5 * fs / 1000.0));
    const double part_level = std::max(2.0 * sd_t, 0.05 * std::abs(t[peak] - base));
    // Within the located response (and 3 ms around it).
    const auto around = static_cast<std::size_t>(std::lround(3.0 * fs / 1000.0));
    const std::size_t part_from = seg_begin > w0 + around ? seg_begin - w0 - around : 0;
    const std::size_t part_to = std::min(len, seg_end + around > w0 ? seg_end + around - w0 : 0);
    for (std::size_t k = part_from; k < part_to; ++k) {
        if (std::abs(t[k] - base) > part_level) {
            for (std::size_t j = k > widen ? k - widen : 0; j < std::min(len, k + widen + 1); ++j) part[j] = t[j] - base;
        }
    }
    std::size_t lo = len, hi = 0;
    for (std::size_t k = 0; k < len; ++k) {
        if (part[k] != 0.0) {
            lo = std::min(lo, k);
            hi = k + 1;
        }
    }
    if (n > 2 && hi > lo + 2) {
        const std::size_t plen = hi - lo;
        // The part less its best constant and slope: what a sweep shares with
        // it through a slow component (the high-pass's recovery from a large
        // M-wave, which varies with the M from sweep to sweep) does not count.
        {
            double s0 = 0, s1 = 0, s2 = 0, sy = 0, sty = 0;
            for (std::size_t k = lo; k < hi; ++k) {
                const double u = static_cast<double>(k - lo);
                s0 += 1.0;
                s1 += u;
                s2 += u * u;
                sy += part[k];
                sty += u * part[k];
            }
            const double det = s0 * s2 - s1 * s1;
            const double slope = det > 0.0 ? (s0 * sty - s1 * sy) / det : 0.0;
            const double level = (sy - slope * s1) / s0;
            for (std::size_t k = lo; k < hi; ++k) part[k] -= level + slope * static_cast<double>(k - lo);
        }
        double pp = 0.0;
        for (std::size_t k = lo; k < hi; ++k) pp += part[k] * part[k];
        // The template's slope over the part, from its copy band-limited as
        // in the alignment's correlations (the slope of the raw template is
        // mostly its noise's).
        std::vector<double> slope(hi - lo, 0.0);
        if (shift_errors) {
            std::vector<double> smooth;
            const std::size_t width = band_limit_width(config.template_lowpass_hz, fs);
            if (width > 1) {
                smooth.resize(len);
                band_limit(t.data(), len, width, 0, len, smooth.data());
            } else {
                smooth = detection_trace(t, fs, criterion);
            }
            for (std::size_t k = lo; k < hi; ++k) {
                slope[k - lo] = 0.5 * (smooth[std::min(k + 1, len - 1)] - smooth[k > 0 ? k - 1 : 0]);
            }
        }
        double ss = 0.0;
        for (double v : slope) ss += v * v;
        // Projections of the part (and of the slope) on noise stretches of
        // its length, overlapping by three quarters. The part is orthogonal to
        // a constant (its level was removed), so a stretch's level does not
        // enter the projection; the slope nearly so, and the rows' mean is
        // taken out of every stretch.
        std::vector<double> proj, proj_slope;
        auto project = [&](std::size_t from, std::size_t to) {
            if (to <= from || to - from < plen) return;
            std::vector<double> mean(to - from, 0.0);
            for (std::size_t i = 0; i < n; ++i) {
                const auto x = ps.row(rows[i]);
                for (std::size_t k = from; k < to; ++k) mean[k - from] += x[k];
            }
            for (double& v : mean) v /= static_cast<double>(n);
            const double unbias = std::sqrt(static_cast<double>(n) / static_cast<double>(n - 1));
            const double* pt = part.data() + lo;
            const double* sl = slope.data();
            const std::size_t step = std::max<std::size_t>(1, plen / 4);
            std::vector<double> mean_proj, mean_slope;
            for (std::size_t s0 = from; s0 + plen <= to; s0 += step) {
                double acc = 0.0, acc_s = 0.0;
                for (std::size_t k = 0; k < plen; ++k) {
                    acc += mean[s0 - from + k] * pt[k];
                    acc_s += mean[s0 - from + k] * sl[k];
                }
                mean_proj.push_back(acc);
                mean_slope.push_back(acc_s);
            }
            // The rows' projections in float, vectorised (each a sum of a
            // few hundred products: float keeps 6 digits of it).
            const Eigen::VectorXf part_f = Eigen::Map<const Eigen::VectorXd>(pt, static_cast<Eigen::Index>(plen)).cast<float>();
            const Eigen::VectorXf slope_f = Eigen::Map<const Eigen::VectorXd>(sl, static_cast<Eigen::Index>(plen)).cast<float>();
            for (std::size_t i = 0; i < n; ++i) {
                const float* x = ps.row(rows[i]).data();
                std::size_t j = 0;
                for (std::size_t s0 = from; s0 + plen <= to; s0 += step, ++j) {
                    const Eigen::Map<const Eigen::VectorXf> v(x + s0, static_cast<Eigen::Index>(plen));
                    proj.push_back((static_cast<double>(v.dot(part_f)) - mean_proj[j]) * unbias);
                    if (shift_errors) proj_slope.push_back((static_cast<double>(v.dot(slope_f)) - mean_slope[j]) * unbias);
                }
            }
        };
        project(noise_begin, std::min(noise_end, ps.frames));
        project(0, ps.noise_end_index);
        if (proj.size() >= 2 * n) {
            double var = 0.0;
            for (double v : proj) var += v * v / static_cast<double>(proj.size());
            const double se = std::sqrt(var) / pp;
            for (std::size_t i = 0; i < n; ++i) {
                const auto x = ps.row(rows[i]);
                const long r = std::lround(al.shift_samples[i]);
                double acc = 0.0;
                for (std::size_t k = lo; k < hi; ++k) acc += x[static_cast<std::size_t>(static_cast<long>(w0 + k) + r)] * part[k];
                w.z[i] = se > 0.0 ? (acc / pp) / se : 0.0;
            }
            if (shift_errors && ss > 0.0) {
                double var_s = 0.0;
                for (double v : proj_slope) var_s += v * v / static_cast<double>(proj_slope.size());
                w.shift_se.resize(n);
                for (std::size_t i = 0; i < n; ++i) {
                    const double a = al.amplitude[i];
                    w.shift_se[i] = a > 0.0 ? std::sqrt(var_s) / (a * ss) : std::numeric_limits<double>::infinity();
                }
            }

        }
    }
    return w;
}

}  // namespace edx::evoked::detail
