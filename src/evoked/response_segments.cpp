#include "edx/evoked/response_segments.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "edx/signals/table.hpp"
#include "nuisance.hpp"

namespace edx::evoked {

namespace {
constexpr std::string_view kTable = "norms/evoked_measurement.json";
}

SegmentCriterion SegmentCriterion::from_signals() {
    // The tables are compiled in: read once (a JSON pointer lookup per
    // constant is a measurable share of a short recording's measurement).
    static const SegmentCriterion cached = [] {
        SegmentCriterion c;
        c.difference_lag_ms = signals::constant(kTable, "/segments/difference_lag_ms");
        c.smoothing_ms = signals::constant(kTable, "/segments/smoothing_ms");
        c.k_noise_sd = signals::constant(kTable, "/segments/k_noise_sd");
        c.merge_gap_ms = signals::constant(kTable, "/segments/merge_gap_ms");
        c.min_duration_ms = signals::constant(kTable, "/segments/min_duration_ms");
        c.mains_harmonics = static_cast<int>(signals::constant(kTable, "/presence/mains_harmonics"));
        c.floor_fraction = signals::constant(kTable, "/segments/floor_fraction");
        return c;
    }();
    return cached;
}

void SegmentCriterion::validate() const {
    if (!(difference_lag_ms > 0.0)) throw std::invalid_argument("SegmentCriterion.difference_lag_ms must be > 0");
    if (!(smoothing_ms > 0.0)) throw std::invalid_argument("SegmentCriterion.smoothing_ms must be > 0");
    if (!(k_noise_sd > 0.0)) throw std::invalid_argument("SegmentCriterion.k_noise_sd must be > 0");
    if (!(merge_gap_ms >= 0.0)) throw std::invalid_argument("SegmentCriterion.merge_gap_ms must be >= 0");
    if (!(min_duration_ms >= 0.0)) throw std::invalid_argument("SegmentCriterion.min_duration_ms must be >= 0");
    if (mains_harmonics < 0) throw std::invalid_argument("SegmentCriterion.mains_harmonics must be >= 0");
    if (!(floor_fraction >= 0.0 && floor_fraction < 1.0)) {
        throw std::invalid_argument("SegmentCriterion.floor_fraction must be in [0, 1)");
    }
}

namespace {

// out[0] = 0, out[t + 1] = x[0] + ... + x[t]: four quarters summed side by side
// (independent dependency chains), then joined.
void prefix_sum(const float* x, std::size_t n, double* out) {
    out[0] = 0.0;
    const std::size_t q = n / 4;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (std::size_t t = 0; t < q; ++t) {
        s0 += static_cast<double>(x[t]);
        s1 += static_cast<double>(x[q + t]);
        s2 += static_cast<double>(x[2 * q + t]);
        s3 += static_cast<double>(x[3 * q + t]);
        out[t + 1] = s0;
        out[q + t + 1] = s1;
        out[2 * q + t + 1] = s2;
        out[3 * q + t + 1] = s3;
    }
    for (std::size_t t = 4 * q; t < n; ++t) {
        s3 += static_cast<double>(x[t]);
        out[t + 1] = s3;
    }
    for (std::size_t part = 1; part < 4; ++part) {
        const double offset = out[part * q];
        const std::size_t end = part == 3 ? n : (part + 1) * q;
        for (std::size_t t = part * q + 1; t <= end; ++t) out[t] += offset;
    }
}

}  // namespace

SegmentSearch find_response_segments(const PreparedSweeps& sweeps, std::span<const std::size_t> rows_in,
                                     const SegmentCriterion& criterion, std::optional<double> known_noise_sd) {
    criterion.validate();
    std::vector<std::size_t> rows(rows_in.begin(), rows_in.end());
    if (rows.empty()) {
        rows.resize(sweeps.rows());
        std::iota(rows.begin(), rows.end(), 0);
    }
    SegmentSearch out;
    const std::size_t n = rows.size(), frames = sweeps.frames;
    const double fs = sweeps.sample_rate_hz;
    if (n == 0 || frames < 16) return out;

    out.mean = sweeps.mean_of(rows);

    // Locked mains: fitted on everything outside the blanking, robustly.
    out.cleaned = out.mean;
    const auto mains = detail::locked_mains(out.mean, fs, sweeps.noise_end_index, sweeps.blank_end_index,
                                            criterion.mains_harmonics);
    out.mains_hz = mains.mains_hz;
    out.mains = mains.waveform;
    if (out.mains_hz > 0.0) {
        for (std::size_t t = 0; t < frames; ++t) out.cleaned[t] -= mains.waveform[t];
    }

    // The detection operator: the difference of two moving averages (each
    // lag wide, centred lag before and after t). Linear, so the mean's is the
    // mean of the rows'.
    const auto lag = static_cast<std::size_t>(std::max(1L, std::lround(criterion.difference_lag_ms * fs / 1000.0)));
    const std::size_t half = lag / 2, width = 2 * half + 1, reach = lag + half;
    out.difference.assign(frames, 0.0);
    if (frames <= 2 * reach + 2) return out;
    std::vector<double> prefix(frames + 1);
    auto box_difference = [&](auto get, std::vector<double>& d) {
        prefix[0] = 0.0;
        for (std::size_t t = 0; t < frames; ++t) prefix[t + 1] = prefix[t] + get(t);
        const double inv = 1.0 / static_cast<double>(width);
        for (std::size_t t = reach; t + reach < frames; ++t) {
            const std::size_t a = t + lag, b = t - lag;
            d[t] = ((prefix[a + half + 1] - prefix[a - half]) - (prefix[b + half + 1] - prefix[b - half])) * inv;
        }
    };
    box_difference([&](std::size_t t) { return out.cleaned[t]; }, out.difference);

    // Noise of the mean's difference: the median over samples of the
    // sweep-to-sweep variance of the rows' differences (responses occupy a
    // minority of the sweep), over n; one row: its pre-stimulus spread.
    const std::size_t from = sweeps.blank_end_index + reach;
    if (known_noise_sd) {
        out.noise_sd = *known_noise_sd;
    } else if (n > 1 && from + reach < frames) {
        // On every stride-th sample only (the differences of neighbouring
        // samples are nearly the same; a few hundred samples make the median).
        const std::size_t stride = std::max<std::size_t>(1, std::min(half + 1, (frames - from - reach) / 400));
        std::vector<std::size_t> at;
        for (std::size_t t = from; t + reach < frames; t += stride) at.push_back(t);
        auto diff_at = [&](auto get, std::size_t t) {
            const std::size_t a = t + lag, b = t - lag;
            double s = 0.0;
            for (std::size_t m = a - half; m <= a + half; ++m) s += get(m);
            for (std::size_t m = b - half; m <= b + half; ++m) s -= get(m);
            return s / static_cast<double>(width);
        };
        std::vector<double> mean_diff(at.size()), after(at.size(), 0.0);
        for (std::size_t i = 0; i < at.size(); ++i) mean_diff[i] = diff_at([&](std::size_t t) { return out.mean[t]; }, at[i]);
        for (std::size_t r : rows) {
            const float* x = sweeps.row(r).data();
            prefix_sum(x, frames, prefix.data());
            const double inv = 1.0 / static_cast<double>(width);
            for (std::size_t i = 0; i < at.size(); ++i) {
                const std::size_t a = at[i] + lag, b = at[i] - lag;
                const double d = ((prefix[a + half + 1] - prefix[a - half]) - (prefix[b + half + 1] - prefix[b - half])) * inv;
                const double e = d - mean_diff[i];
                after[i] += e * e;
            }
        }
        auto mid = after.begin() + static_cast<std::ptrdiff_t>(after.size() / 2);
        std::nth_element(after.begin(), mid, after.end());
        out.noise_sd = std::sqrt(*mid / static_cast<double>(n - 1) / static_cast<double>(n));
    } else if (sweeps.noise_end_index > 2 * reach + 4) {
        const float* x = sweeps.row(rows.front()).data();
        std::vector<double> d(frames, 0.0);
        box_difference([&](std::size_t t) { return static_cast<double>(x[t]); }, d);
        double ss = 0.0;
        std::size_t count = 0;
        for (std::size_t t = reach; t + reach < sweeps.noise_end_index; ++t, ++count) ss += d[t] * d[t];
        out.noise_sd = std::sqrt(ss / static_cast<double>(std::max<std::size_t>(count, 1)));
    }

    // Envelope: moving RMS; stretches above k x noise SD.
    const auto env_half = static_cast<std::size_t>(std::max(1L, std::lround(0.5 * criterion.smoothing_ms * fs / 1000.0)));
    std::vector<double> sq(frames + 1, 0.0);
    for (std::size_t t = 0; t < frames; ++t) sq[t + 1] = sq[t] + out.difference[t] * out.difference[t];
    // A floor relative to the largest response keeps an (almost) noiseless
    // recording from joining its waves through the filters' slow residue.
    double largest = 0.0;
    for (std::size_t t = sweeps.blank_end_index + reach; t < frames; ++t) largest = std::max(largest, std::abs(out.difference[t]));
    const double limit = std::max(criterion.k_noise_sd * out.noise_sd, criterion.floor_fraction * largest);
    const std::size_t first = sweeps.blank_end_index + reach;
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    std::size_t t = first;
    while (t < frames) {
        const std::size_t a = t > env_half ? t - env_half : 0, b = std::min(frames, t + env_half + 1);
        // The moving mean square against the squared limit (no root per sample).
        if (sq[b] - sq[a] > limit * limit * static_cast<double>(b - a)) {
            if (!runs.empty() && runs.back().second == t) {
                runs.back().second = t + 1;
            } else {
                runs.emplace_back(t, t + 1);
            }
        }
        ++t;
    }
    const auto gap = static_cast<std::size_t>(std::lround(criterion.merge_gap_ms * fs / 1000.0));
    const auto min_len = static_cast<std::size_t>(std::lround(criterion.min_duration_ms * fs / 1000.0));
    std::vector<std::pair<std::size_t, std::size_t>> merged;
    for (const auto& run : runs) {
        if (!merged.empty() && run.first <= merged.back().second + gap) {
            merged.back().second = run.second;
        } else {
            merged.push_back(run);
        }
    }
    for (const auto& [a, b] : merged) {
        if (b - a < std::max<std::size_t>(min_len, 1)) continue;
        ResponseSegment s;
        s.begin = a;
        s.end = b;
        for (std::size_t k = a; k < b; ++k) {
            const double v = std::abs(out.difference[k]);
            s.energy += v * v;
            if (v > s.peak_abs) {
                s.peak_abs = v;
                s.peak_index = k;
            }
        }
        out.segments.push_back(s);
    }
    return out;
}

void remove_locked_mains(PreparedSweeps& sweeps, const SegmentSearch& search) {
    if (search.mains_hz <= 0.0 || search.mains.size() != sweeps.frames) return;
    for (std::size_t r = 0; r < sweeps.rows(); ++r) {
        auto x = sweeps.row(r);
        for (std::size_t t = 0; t < sweeps.frames; ++t) x[t] = static_cast<float>(x[t] - search.mains[t]);
    }
}

}  // namespace edx::evoked
