#include "edx/emg/muap_decomposition.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "edx/dsp/fft.hpp"
#include "edx/dsp/resample.hpp"
#include "edx/emg/discharge_trains.hpp"
#include "edx/signals/table.hpp"
#include "waveform_clusters.hpp"

namespace edx::emg {

namespace {

constexpr const char* table = "norms/muap_analysis_criteria.json";

// Windows, in ms: the part of a unit's detection waveform that is compared
// (core), the alignment search, the part that is subtracted (support), and
// the reach of satellite suppression for the first sorting.
constexpr double core_half_ms = 1.5;
constexpr double cluster_shift_ms = 1.0;
constexpr double fit_shift_ms = 0.5;
constexpr double overlap_ms = 2.0;
constexpr double support_pre_ms = 5.0;
constexpr double support_post_ms = 10.0;
constexpr double cluster_allowance = 0.1;
constexpr double satellite_reach_ms = 3.0;
constexpr double satellite_ratio = 0.5;
constexpr int peel_passes = 4;
constexpr int rounds = 5;
constexpr double merge_distance = 0.05;
constexpr double loose_merge_distance = 0.2;
constexpr int split_passes = 3;
constexpr double split_gain = 0.7;
constexpr double pieces_max_short_isi_fraction = 0.02;
constexpr double trim_fraction = 0.2;
// A unit is tried on a peak only if the peak has its spike's sign and a size
// within these ratios of it (an overlap can double it).
constexpr double prefilter_low = 0.4;
constexpr double prefilter_high = 2.5;
// A unit's largest phase of the other sign can carry a detection peak when it
// is at least this share of its main spike.
constexpr double secondary_phase_ratio = 0.6;
// Overlaps: the units tried first for the pair, and how far above threshold a
// peak must reach to be worth a pair (smaller ones are noise or fibrillations).
constexpr std::size_t pair_candidates = 3;
constexpr double pair_min_threshold_ratio = 1.5;
constexpr double max_short_isi_fraction = 0.1;
// No unit fires twice within this share of its firing period (see drop_irregular).
constexpr double min_interval_ratio = 0.5;
// A unit's detection waveform is averaged from this share of its discharges, those its fit explains best.
constexpr double template_share = 0.7;
// Firing regularity in the peel-off: a unit whose previous-round discharges
// predict one here (within expected_tolerance of its firing period) is also
// tried when it is not among the two best at the coarse stage (if its core
// error is within expected_coarse_ratio of the best), is accepted when it
// removes expected_min_explained x fit_min_explained of the energy, and is
// preferred to a unit that is not expected whose error is less than
// expected_error_ratio times smaller. A single fit that leaves a spike above
// threshold is replaced by a pair that leaves pair_gain of its residual
// energy or less; one that leaves more than hidden_min_unexplained of its
// core is replaced by a pair with an expected unit that leaves
// expected_pair_gain of it or less.
constexpr double expected_tolerance = 0.2;
constexpr double expected_min_explained = 0.6;
constexpr double expected_error_ratio = 1.5;
constexpr double expected_coarse_ratio = 3.0;
constexpr double pair_gain = 0.6;
constexpr double expected_pair_gain = 0.8;
constexpr double hidden_min_unexplained = 0.15;
// Superimpositions: discharges within complex_gap_ratio x the overlap window
// (2 ms) of each other form a complex, re-explained by up to
// complex_max_units of complex_max_candidates units; each unit used costs
// complex_unit_cost of its core energy (it must explain at least that much),
// one whose firing does not predict a discharge there unexpected_penalty of
// it more; positions are refined complex_iterations times in turn.
constexpr double complex_gap_ratio = 2.0;
constexpr std::size_t complex_max_units = 3;
// From this round on: the first round's units are still being sorted (many
// are pieces or mixtures), so resolving their complexes costs much and
// settles little.
constexpr int complex_from_round = 1;
constexpr std::size_t complex_max_candidates = 6;
constexpr double complex_unit_cost = 0.3;
constexpr int complex_iterations = 2;
constexpr double unexpected_penalty = 0.1;
// A unit whose discharges' CV2 (missed ones bridged) exceeds this fires too
// irregularly for its firing to predict or exclude a discharge (R00108's
// steady units: CV 0.11-0.23).
constexpr double regular_unit_cv2 = 0.4;

using detail::sample_at;

// A unit's waveform on a grid `up` times finer than the signal, over
// samples [-pre, post] around its reference.
struct FineWaveform {
    int pre = 0, post = 0, up = 1;
    std::vector<double> fine;  // index (k + pre) * up + phase offset

    // The waveform at sample offset k from a reference placed `phase`/up of a
    // sample after sample 0 of the window.
    double at(int k, int phase) const {
        const long long q = static_cast<long long>(k + pre) * up - phase;
        return q >= 0 && q < static_cast<long long>(fine.size()) ? fine[static_cast<std::size_t>(q)] : 0.0;
    }
};

double median_of(std::vector<double>& v) {
    if (v.empty()) return 0.0;
    auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    double m = *mid;
    if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), mid));
    return m;
}

// Upsamples an integer-grid waveform (its ends near zero) by `up` through the
// FFT, zero-padded to a length the FFT transforms fast.
std::vector<double> upsample(const std::vector<double>& coarse, int up) {
    if (up == 1) return coarse;
    std::vector<double> padded(coarse);
    padded.resize(dsp::next_fast_fft_size(coarse.size()), 0.0);
    auto fine = dsp::upsample_fft(padded, static_cast<std::size_t>(up));
    fine.resize(coarse.size() * static_cast<std::size_t>(up));
    return fine;
}

// Averages windows [-pre, post] of `x` around fractional times (samples),
// each window on the fine grid: discharges are grouped by the fraction of a
// sample their time falls at, each group is averaged on the integer grid and
// upsampled, and the groups are combined shifted by their fraction. With
// trim > 0 each sample's average leaves out that share of the windows at
// either end (a trimmed mean), so a potential of an unsorted unit that falls
// into a few windows does not reach the average.
FineWaveform average_fine(std::span<const float> x, const std::vector<double>& times, int pre, int post, int up,
                          const std::vector<std::vector<double>>* subtract = nullptr, double trim = 0.0) {
    FineWaveform w;
    w.pre = pre;
    w.post = post;
    w.up = up;
    const auto n = static_cast<std::size_t>(pre + post + 1);
    // Each phase group's windows one after another in one buffer.
    std::vector<std::vector<double>> windows(static_cast<std::size_t>(up));
    for (std::size_t i = 0; i < times.size(); ++i) {
        const double t = times[i];
        auto base = static_cast<long long>(std::floor(t));
        auto phase = static_cast<int>(std::lround((t - static_cast<double>(base)) * up));
        if (phase == up) {
            phase = 0;
            ++base;
        }
        auto& group = windows[static_cast<std::size_t>(phase)];
        const std::size_t at = group.size();
        group.resize(at + n);
        for (int k = -pre; k <= post; ++k) {
            double s = sample_at(x, base + k);
            if (subtract) s -= (*subtract)[i][static_cast<std::size_t>(k + pre)];
            group[at + static_cast<std::size_t>(k + pre)] = s;
        }
    }
    w.fine.assign(n * static_cast<std::size_t>(up), 0.0);
    std::size_t total = 0;
    std::vector<double> column;
    for (int j = 0; j < up; ++j) {
        const auto& group = windows[static_cast<std::size_t>(j)];
        const std::size_t c = group.size() / n;
        if (c == 0) continue;
        const auto drop = c >= 5 ? static_cast<std::size_t>(std::floor(trim * static_cast<double>(c))) : 0;
        std::vector<double> mean(n, 0.0);
        if (drop == 0) {
            for (std::size_t row = 0; row < c; ++row) {
                const double* v = group.data() + row * n;
                for (std::size_t k = 0; k < n; ++k) mean[k] += v[k];
            }
            for (auto& m : mean) m /= static_cast<double>(c);
        } else {
            for (std::size_t k = 0; k < n; ++k) {
                column.clear();
                for (std::size_t row = 0; row < c; ++row) column.push_back(group[row * n + k]);
                // Partition off the `drop` smallest and largest values.
                std::nth_element(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(drop), column.end());
                std::nth_element(column.begin() + static_cast<std::ptrdiff_t>(drop), column.end() - static_cast<std::ptrdiff_t>(drop + 1),
                                 column.end());
                double sum = 0.0;
                for (std::size_t i = drop; i < c - drop; ++i) sum += column[i];
                mean[k] = sum / static_cast<double>(c - 2 * drop);
            }
        }
        const auto f = upsample(mean, up);
        // A discharge at base + j/up: fine index q of the waveform is f[q + j].
        for (std::size_t q = 0; q < w.fine.size(); ++q) {
            const std::size_t src = q + static_cast<std::size_t>(j);
            w.fine[q] += static_cast<double>(c) * (src < f.size() ? f[src] : 0.0);
        }
        total += c;
    }
    if (total > 0) {
        for (auto& v : w.fine) v /= static_cast<double>(total);
    }
    return w;
}

struct Unit {
    FineWaveform detect;            // detection-domain waveform (support)
    int core_peak = 0;              // sample offset of its largest magnitude
    double core_energy = 0.0;
    // Its largest positive and negative values within the core around its
    // reference, and where: a discharge is detected at whichever phase is the
    // larger in that discharge (noise, an overlap), so either may carry it.
    int positive_peak = 0, negative_peak = 0;
    double positive_value = 0.0, negative_value = 0.0;
    std::vector<double> times;      // fractional samples, at the reference
};

struct Fit {
    int unit = -1;
    long long base = 0;  // reference sample
    int phase = 0;       // reference at base + phase / up
    double error = 0.0;
    double unexplained = 1.0;  // share of the core's energy the fit leaves
    double replaces = -1.0;    // a discharge of the unit this fit supersedes (samples), or < 0
};

// Adds a unit's waveform at fractional time t (samples) back into the residual.
void add_back(std::vector<double>& r, const Unit& u, double t) {
    auto base = static_cast<long long>(std::floor(t));
    int phase = static_cast<int>(std::lround((t - static_cast<double>(base)) * u.detect.up));
    if (phase == u.detect.up) {
        phase = 0;
        ++base;
    }
    for (int k = -u.detect.pre; k <= u.detect.post; ++k) {
        const long long i = base + k;
        if (i >= 0 && i < static_cast<long long>(r.size())) r[static_cast<std::size_t>(i)] += u.detect.at(k, phase);
    }
}

// A unit's firing period from its discharges (sorted, distinct), robust to
// missed discharges (intervals spanning several periods are divided by their
// count) and to a few intruding ones: as discharge_trains.hpp's chains.
double firing_period(const std::vector<double>& t) {
    if (t.size() < 3) return 0.0;
    std::vector<double> distinct;
    for (double x : t) {
        if (distinct.empty() || x > distinct.back()) distinct.push_back(x);
    }
    return distinct.size() < 3 ? 0.0 : describe_chain(distinct).period_s;
}

// How far t lies from where a unit's discharges p (sorted) predict one, in
// firing periods: from its neighbours on either side (a discharge within the
// refractory time of t, perhaps t's own, is not a neighbour), across a gap of
// whole periods between them, or whole periods beyond the nearest at an end.
// Infinity where they predict none (t falls between two consecutive ones).
double period_misfit(const std::vector<double>& p, double isi, double refractory, double t) {
    constexpr double none = std::numeric_limits<double>::infinity();
    auto lo = std::lower_bound(p.begin(), p.end(), t - refractory);
    auto hi = std::upper_bound(p.begin(), p.end(), t + refractory);
    const bool has_prev = lo != p.begin(), has_next = hi != p.end();
    const double prev = has_prev ? *(lo - 1) : 0.0, next = has_next ? *hi : 0.0;
    if (has_prev && has_next) {
        const double gap = next - prev;
        const double steps = std::round(gap / isi);
        if (steps < 2.0) return none;
        const double step = gap / steps;
        const double k = std::clamp(std::round((t - prev) / step), 1.0, steps - 1.0);
        return std::abs(t - prev - k * step) / isi;
    }
    if (!has_prev && !has_next) return none;
    const double from = has_prev ? t - prev : next - t;
    const double k = std::round(from / isi);
    if (k < 1.0 || k > 3.0) return none;
    return std::abs(from - k * isi) / (isi * std::sqrt(k));
}

class PeelOff {
public:
    PeelOff(std::vector<Unit>& units, const DecompositionCriteria& c, int core, int shift, int overlap, double refractory)
        : units_(units), c_(c), core_(core), shift_(shift), overlap_(overlap), complex_reach_(std::max(1, core / 3)), refractory_(refractory) {}

    // The best acceptable fit of a unit whose reference lies near `peak`, if
    // any. r may be a window of the signal starting at sample `offset`.
    // A unit whose firing (in the previous round) predicts a discharge here
    // is accepted on less of the energy, and preferred to a unit that fits
    // only a little better. A unit that already fired within the refractory
    // time keeps whichever of the two discharges its waveform explains better
    // (the fit comes back with `replaces` set when it is this one).
    Fit best_fit(const std::vector<double>& r, long long peak, long long offset = 0) const {
        // Coarse: units whose spike has the peak's sign and roughly its size,
        // integer shifts, no phase, over the core.
        struct Candidate {
            int unit;
            long long base;
            double error;
        };
        const double at_peak = value(r, peak);
        std::vector<Candidate> coarse;
        for (std::size_t u = 0; u < units_.size(); ++u) {
            const auto& unit = units_[u];
            // The unit's phase of the peak's sign carries the peak; it must be the unit's spike or of a size close to it.
            const double spike = at_peak > 0.0 ? unit.positive_value : unit.negative_value;
            const int at = at_peak > 0.0 ? unit.positive_peak : unit.negative_peak;
            const double main = unit.detect.at(unit.core_peak, 0);
            if (spike * at_peak <= 0.0 || std::abs(spike) < secondary_phase_ratio * std::abs(main)) continue;
            const double ratio = at_peak / spike;
            if (ratio < prefilter_low || ratio > prefilter_high) continue;
            Candidate best{static_cast<int>(u), 0, std::numeric_limits<double>::infinity()};
            for (int s = -shift_; s <= shift_; ++s) {
                const long long base = peak - at + s;
                const double e = core_error(r, unit, base, 0);
                if (e < best.error) best = {static_cast<int>(u), base, e};
            }
            coarse.push_back(best);
        }
        std::sort(coarse.begin(), coarse.end(), [](const Candidate& a, const Candidate& b) { return a.error < b.error; });
        // Fine: the two best, and any unit expected here, +/- 1 sample and
        // every phase; the best fit that passes the size and explained-energy
        // rules over the core and improves the whole support.
        std::vector<Fit> fits;
        std::vector<bool> expected(units_.size(), false);
        std::vector<double> misfit(units_.size(), std::numeric_limits<double>::infinity());
        for (std::size_t i = 0; i < coarse.size(); ++i) {
            const auto u = static_cast<std::size_t>(coarse[i].unit);
            misfit[u] = timing_misfit(u, static_cast<double>(coarse[i].base + offset));
            if (std::isnan(misfit[u])) misfit[u] = std::numeric_limits<double>::infinity();
            expected[u] = misfit[u] <= expected_tolerance;
            // Beyond the two best, expected units whose core error is not far off the best.
            if (i >= 2 && (!expected[u] || coarse[i].error > expected_coarse_ratio * coarse[0].error)) continue;
            const double min_explained = expected[u] ? expected_min_explained * c_.fit_min_explained : c_.fit_min_explained;
            fine_fits(r, coarse[i].unit, coarse[i].base, min_explained, fits);
        }
        std::sort(fits.begin(), fits.end(), [](const Fit& a, const Fit& b) { return a.error < b.error; });
        // Among the fits within expected_error_ratio of the best, the unit
        // whose firing predicts a discharge nearest to here comes first.
        if (!fits.empty()) {
            std::size_t pick = 0;
            for (std::size_t i = 1; i < fits.size() && fits[i].error <= expected_error_ratio * fits.front().error; ++i) {
                if (misfit[static_cast<std::size_t>(fits[i].unit)] < misfit[static_cast<std::size_t>(fits[pick].unit)]) pick = i;
            }
            if (pick > 0 && expected[static_cast<std::size_t>(fits[pick].unit)]) {
                std::rotate(fits.begin(), fits.begin() + static_cast<std::ptrdiff_t>(pick), fits.begin() + static_cast<std::ptrdiff_t>(pick + 1));
            }
        }
        for (auto f : fits) {
            const auto& u = units_[static_cast<std::size_t>(f.unit)];
            // A unit does not fire twice within the refractory time: the fit
            // that explains its core better keeps the discharge.
            const double t = static_cast<double>(f.base + offset) + static_cast<double>(f.phase) / u.detect.up;
            if (const auto* other = fired_near(static_cast<std::size_t>(f.unit), t)) {
                if (!(f.unexplained < other->second)) continue;
                f.replaces = other->first;
            }
            double whole_before = 0.0, whole_after = 0.0;
            for (int k = -u.detect.pre; k <= u.detect.post; ++k) {
                const double x = value(r, f.base + k), w = u.detect.at(k, f.phase);
                whole_before += x * x;
                whole_after += (x - w) * (x - w);
            }
            if (whole_after < whole_before) return f;
        }
        return Fit{};
    }

    // Every phase at coarse_base - 1 .. + 1 of one unit that passes the size
    // and explained-energy rules over the core.
    void fine_fits(const std::vector<double>& r, int unit, long long coarse_base, double min_explained, std::vector<Fit>& fits) const {
        const auto& u = units_[static_cast<std::size_t>(unit)];
        const int up = u.detect.up;
        for (long long base = coarse_base - 1; base <= coarse_base + 1; ++base) {
            const long long from = base + u.core_peak - core_, to = base + u.core_peak + core_;
            const bool inside = from >= 0 && to < static_cast<long long>(r.size());
            for (int j = 0; j < up; ++j) {
                double before = 0.0, after = 0.0, cross = 0.0, self = 0.0;
                if (inside) {
                    // The core lies inside both the signal and the unit's support: direct indexing.
                    const double* x = r.data() + from;
                    const double* t = u.detect.fine.data() + static_cast<std::ptrdiff_t>(u.core_peak - core_ + u.detect.pre) * up - j;
                    for (int k = 0; k <= 2 * core_; ++k) {
                        const double xv = x[k], tv = t[static_cast<std::ptrdiff_t>(k) * up];
                        before += xv * xv;
                        after += (xv - tv) * (xv - tv);
                        cross += xv * tv;
                        self += tv * tv;
                    }
                } else {
                    for (int k = u.core_peak - core_; k <= u.core_peak + core_; ++k) {
                        const double x = value(r, base + k), t = u.detect.at(k, j);
                        before += x * x;
                        after += (x - t) * (x - t);
                        cross += x * t;
                        self += t * t;
                    }
                }
                if (!(self > 0.0)) continue;
                const double scale = cross / self;
                if (scale < c_.fit_min_scale || scale > c_.fit_max_scale) continue;
                if (after > (1.0 - min_explained) * before) continue;
                fits.push_back({unit, base, j, after, before > 0.0 ? after / before : 1.0, -1.0});
            }
        }
    }


    // Two overlapping discharges: for each unit that could carry the peak, its
    // best alignment is taken out and the largest remaining peak within the
    // overlap window is fitted as usual; the pair is kept when together they
    // explain the window (fit_min_explained of its energy) and the first one's
    // size fits.
    std::vector<Fit> best_pair(const std::vector<double>& r, long long peak, double* explained_after = nullptr, int only_first = -1) const {
        const double at_peak = value(r, peak);
        std::vector<Fit> best;
        double best_after = std::numeric_limits<double>::infinity();
        const long long lo = peak - overlap_, hi = peak + overlap_;
        double before = 0.0;
        for (long long i = lo; i <= hi; ++i) before += value(r, i) * value(r, i);
        // First candidates: every unit's best integer shift within the window
        // by core error; the pair_candidates best go on, refined in phase.
        std::vector<Fit> firsts;
        for (std::size_t u = 0; u < units_.size(); ++u) {
            if (only_first >= 0 && static_cast<int>(u) != only_first) continue;
            const auto& unit = units_[u];
            const double spike = unit.detect.at(unit.core_peak, 0);
            if (!(std::abs(spike) > 0.0) || std::abs(at_peak) > prefilter_high * std::abs(spike)) continue;
            Fit first;
            first.unit = static_cast<int>(u);
            first.error = std::numeric_limits<double>::infinity();
            for (int s = -overlap_; s <= overlap_; ++s) {
                const long long base = peak - unit.core_peak + s;
                const double e = core_error(r, unit, base, 0);
                if (e < first.error) {
                    first.error = e;
                    first.base = base;
                }
            }
            if (fired_near(u, static_cast<double>(first.base))) continue;
            firsts.push_back(first);
        }
        std::sort(firsts.begin(), firsts.end(), [](const Fit& a, const Fit& b) { return a.error < b.error; });
        if (firsts.size() > pair_candidates) firsts.resize(pair_candidates);
        std::vector<double> r1;
        for (auto first : firsts) {
            const auto u = static_cast<std::size_t>(first.unit);
            const auto& unit = units_[u];
            const long long coarse_base = first.base;
            for (long long base = coarse_base - 1; base <= coarse_base + 1; ++base) {
                for (int j = 0; j < unit.detect.up; ++j) {
                    const double e = core_error(r, unit, base, j);
                    if (e < first.error) {
                        first.error = e;
                        first.base = base;
                        first.phase = j;
                    }
                }
            }
            r1.assign(r.begin() + std::max<long long>(0, lo - 2 * overlap_),
                      r.begin() + std::min<long long>(static_cast<long long>(r.size()), hi + 2 * overlap_ + 1));
            const long long offset = std::max<long long>(0, lo - 2 * overlap_);
            for (int k = -unit.detect.pre; k <= unit.detect.post; ++k) {
                const long long i = first.base + k - offset;
                if (i >= 0 && i < static_cast<long long>(r1.size())) r1[static_cast<std::size_t>(i)] -= unit.detect.at(k, first.phase);
            }
            long long p2 = -1;
            double m2 = 0.0;
            for (long long i = lo; i <= hi; ++i) {
                const long long j = i - offset;
                if (j >= 0 && j < static_cast<long long>(r1.size()) && std::abs(r1[static_cast<std::size_t>(j)]) > m2) {
                    m2 = std::abs(r1[static_cast<std::size_t>(j)]);
                    p2 = i;
                }
            }
            if (p2 < 0) continue;
            // The second fit runs on the window with the first taken out.
            const Fit second = best_fit_offset(r1, p2 - offset, offset);
            if (second.unit < 0 || second.unit == first.unit) continue;
            double after = 0.0;
            for (long long i = lo; i <= hi; ++i) {
                double v = value(r, i) - units_[u].detect.at(static_cast<int>(i - first.base), first.phase);
                const auto& w2 = units_[static_cast<std::size_t>(second.unit)].detect;
                v -= w2.at(static_cast<int>(i - second.base), second.phase);
                after += v * v;
            }
            if (after > (1.0 - c_.fit_min_explained) * before || after >= best_after) continue;
            // The first must be of its unit's size where it stands.
            double cross = 0.0, self = 0.0;
            for (int k = unit.core_peak - core_; k <= unit.core_peak + core_; ++k) {
                const long long i = first.base + k;
                double x = value(r, i) - units_[static_cast<std::size_t>(second.unit)].detect.at(static_cast<int>(i - second.base), second.phase);
                const double t = unit.detect.at(k, first.phase);
                cross += x * t;
                self += t * t;
            }
            const double scale = self > 0.0 ? cross / self : 0.0;
            if (scale < c_.fit_min_scale || scale > c_.fit_max_scale) continue;
            best_after = after;
            best = {first, second};
        }
        if (explained_after) *explained_after = best_after;
        return best;
    }

    // best_fit on a window of the residual that starts at sample `offset`; the fit comes back in signal samples.
    Fit best_fit_offset(const std::vector<double>& window, long long peak, long long offset) const {
        Fit f = best_fit(window, peak, offset);
        if (f.unit >= 0) f.base += offset;
        return f;
    }

    void subtract(std::vector<double>& r, const Fit& f) const {
        const auto& w = units_[static_cast<std::size_t>(f.unit)].detect;
        for (int k = -w.pre; k <= w.post; ++k) {
            const long long i = f.base + k;
            if (i >= 0 && i < static_cast<long long>(r.size())) r[static_cast<std::size_t>(i)] -= w.at(k, f.phase);
        }
    }

    // Explains the detection signal discharge by discharge; returns the residual.
    std::vector<double> run(std::span<const float> d, double threshold, std::size_t dead, std::size_t& unexplained) {
        prior_.assign(units_.size(), {});
        prior_isi_.assign(units_.size(), 0.0);
        prior_regular_.assign(units_.size(), false);
        assigned_.assign(units_.size(), {});
        for (std::size_t u = 0; u < units_.size(); ++u) {
            prior_[u] = units_[u].times;
            std::sort(prior_[u].begin(), prior_[u].end());
            set_prior(u);
        }
        for (auto& u : units_) u.times.clear();
        std::vector<double> r(d.begin(), d.end());
        std::vector<float> rf(r.size());
        unexplained = 0;
        // After the first pass only peaks where something was subtracted are looked at again.
        std::vector<unsigned char> changed(r.size(), 1), next(r.size(), 0);
        std::size_t rejected = 0;
        for (int pass = 0; pass < peel_passes; ++pass) {
            for (std::size_t i = 0; i < r.size(); ++i) rf[i] = static_cast<float>(r[i]);
            auto peaks = detect_peaks(rf, threshold, dead);
            std::sort(peaks.begin(), peaks.end(), [](const Peak& a, const Peak& b) { return std::abs(a.value_uv) > std::abs(b.value_uv); });
            std::size_t accepted = 0;
            std::size_t rejected_here = 0;
            std::fill(next.begin(), next.end(), 0);
            for (const auto& p : peaks) {
                if (std::abs(r[p.index]) < threshold) continue;
                if (!changed[p.index]) {
                    ++rejected_here;
                    continue;
                }
                std::vector<Fit> fits;
                const auto peak = static_cast<long long>(p.index);
                const Fit f = best_fit(r, peak);
                if (f.unit >= 0) {
                    fits.push_back(f);
                    // A superimposition: the single fit leaves a spike above
                    // threshold near the peak. Two units explaining the
                    // window clearly better replace it.
                    const auto& w = units_[static_cast<std::size_t>(f.unit)].detect;
                    double left = 0.0, single_after = 0.0;
                    for (long long i = peak - overlap_; i <= peak + overlap_; ++i) {
                        const double v = value(r, i) - w.at(static_cast<int>(i - f.base), f.phase);
                        left = std::max(left, std::abs(v));
                        single_after += v * v;
                    }
                    if (left >= threshold) {
                        double pair_after = 0.0;
                        auto pair = best_pair(r, peak, &pair_after);
                        if (!pair.empty() && pair_after < pair_gain * single_after) fits = std::move(pair);
                    }
                    // Another unit whose firing predicts a discharge here: the
                    // pair with it replaces the single fit if it explains the
                    // window better by expected_pair_gain.
                    // (Only where the single fit leaves a noticeable share of
                    // the core: a clean fit hides no second discharge.)
                    if (fits.size() == 1 && f.unexplained > hidden_min_unexplained) {
                        double best_after = expected_pair_gain * single_after;
                        for (std::size_t u = 0; u < units_.size(); ++u) {
                            if (static_cast<int>(u) == f.unit || !expected_at(u, static_cast<double>(peak - units_[u].core_peak))) continue;
                            double pair_after = 0.0;
                            auto pair = best_pair(r, peak, &pair_after, static_cast<int>(u));
                            if (!pair.empty() && pair_after < best_after) {
                                best_after = pair_after;
                                fits = std::move(pair);
                            }
                        }
                    }
                } else if (std::abs(r[p.index]) >= pair_min_threshold_ratio * threshold) {
                    fits = best_pair(r, peak);
                }
                if (fits.empty()) {
                    ++rejected_here;
                    continue;
                }
                for (const auto& fit : fits) {
                    if (fit.replaces >= 0.0) {
                        // The superseded discharge goes back into the residual, to be explained again.
                        auto& times = units_[static_cast<std::size_t>(fit.unit)].times;
                        times.erase(std::find(times.begin(), times.end(), fit.replaces));
                        auto& a = assigned_[static_cast<std::size_t>(fit.unit)];
                        a.erase(std::find_if(a.begin(), a.end(), [&](const auto& e) { return e.first == fit.replaces; }));
                        add_back(r, units_[static_cast<std::size_t>(fit.unit)], fit.replaces);
                        const auto& w0 = units_[static_cast<std::size_t>(fit.unit)].detect;
                        const auto b0 = static_cast<long long>(fit.replaces);
                        for (long long k = b0 - w0.pre; k <= b0 + w0.post; ++k) {
                            if (k >= 0 && k < static_cast<long long>(next.size())) next[static_cast<std::size_t>(k)] = 1;
                        }
                    }
                    subtract(r, fit);
                    const auto& w = units_[static_cast<std::size_t>(fit.unit)].detect;
                    for (long long k = fit.base - w.pre; k <= fit.base + w.post; ++k) {
                        if (k >= 0 && k < static_cast<long long>(next.size())) next[static_cast<std::size_t>(k)] = 1;
                    }
                    const double t = static_cast<double>(fit.base) + static_cast<double>(fit.phase) / w.up;
                    units_[static_cast<std::size_t>(fit.unit)].times.push_back(t);
                    assign(static_cast<std::size_t>(fit.unit), t, fit.unexplained);
                    ++accepted;
                }
            }
            rejected = rejected_here;
            changed.swap(next);
            if (accepted == 0) break;
        }
        unexplained = rejected;
        for (auto& u : units_) std::sort(u.times.begin(), u.times.end());
        return r;
    }

    // Resolution of superimpositions: discharges fitted within
    // complex_gap_ratio x the overlap window of each other are one complex.
    // Each complex (of 2 to complex_max_units + 1 discharges) is put back
    // into the residual and explained afresh by the combination of at most
    // complex_max_units units, among those fitted there and those whose
    // firing predicts a discharge there, that minimises the energy left in
    // it plus, for each unit used, complex_unit_cost of its core energy (a
    // unit is worth adding only when it explains at least that much) and
    // unexpected_penalty of it more when its firing does not predict a
    // discharge there. Each unit's position in a combination is refined
    // against the others in turn, to a 1/up sample; every unit must keep its
    // size (fit_min_scale..fit_max_scale). The peel-off's answer stays
    // unless a combination scores lower (and, with as many units, leaves
    // less energy).
    void resolve_complexes(std::vector<double>& r) {
        prior_.assign(units_.size(), {});
        prior_isi_.assign(units_.size(), 0.0);
        prior_regular_.assign(units_.size(), false);
        struct At {
            double time;
            int unit;
        };
        std::vector<At> all;
        for (std::size_t u = 0; u < units_.size(); ++u) {
            std::sort(units_[u].times.begin(), units_[u].times.end());
            prior_[u] = units_[u].times;
            set_prior(u);
            for (double t : units_[u].times) all.push_back({t, static_cast<int>(u)});
        }
        std::sort(all.begin(), all.end(), [](const At& a, const At& b) { return a.time < b.time; });
        const double gap = complex_gap_ratio * overlap_;
        std::vector<std::vector<double>> removed(units_.size()), added(units_.size());
        for (std::size_t i = 0; i < all.size();) {
            std::size_t j = i + 1;
            while (j < all.size() && all[j].time - all[j - 1].time <= gap) ++j;
            if (j - i >= 2 && j - i <= complex_max_units + 1) resolve_one(r, all, i, j, removed, added);
            i = j;
        }
        for (std::size_t u = 0; u < units_.size(); ++u) {
            auto& t = units_[u].times;
            for (double x : removed[u]) {
                auto it = std::find(t.begin(), t.end(), x);
                if (it != t.end()) t.erase(it);
            }
            t.insert(t.end(), added[u].begin(), added[u].end());
            std::sort(t.begin(), t.end());
        }
    }

    // Completion: where a regular unit's train skips whole periods, its
    // missed discharges are sought in the residual at the times its firing
    // predicts (within expected_tolerance of its period), and taken when
    // they pass the usual size and explained-energy rules and improve the
    // whole support.
    void complete(std::vector<double>& r) {
        prior_.assign(units_.size(), {});
        prior_isi_.assign(units_.size(), 0.0);
        prior_regular_.assign(units_.size(), false);
        assigned_.assign(units_.size(), {});
        for (std::size_t u = 0; u < units_.size(); ++u) {
            std::sort(units_[u].times.begin(), units_[u].times.end());
            prior_[u] = units_[u].times;
            for (double t : prior_[u]) assigned_[u].push_back({t, 0.0});
            set_prior(u);
        }
        std::vector<Fit> fits;
        for (std::size_t u = 0; u < units_.size(); ++u) {
            const auto& t = prior_[u];
            const double isi = prior_isi_[u];
            if (t.size() < 3 || !(isi > 0.0) || !prior_regular_[u]) continue;
            const auto& unit = units_[u];
            const double min_explained = c_.fit_min_explained;
            for (std::size_t i = 1; i < t.size(); ++i) {
                const double gap = t[i] - t[i - 1];
                const double steps = std::round(gap / isi);
                for (int k = 1; k < static_cast<int>(steps); ++k) {
                    const double at = t[i - 1] + k * gap / steps;
                    const auto tol = static_cast<long long>(std::ceil(expected_tolerance * isi));
                    // Coarse: the integer shift of least core error within the window.
                    long long best_base = -1;
                    double best = std::numeric_limits<double>::infinity();
                    for (long long base = static_cast<long long>(at) - tol; base <= static_cast<long long>(at) + tol; ++base) {
                        const double e = core_error(r, unit, base, 0);
                        if (e < best) {
                            best = e;
                            best_base = base;
                        }
                    }
                    if (best_base < 0 || fired_near(u, static_cast<double>(best_base))) continue;
                    fits.clear();
                    fine_fits(r, static_cast<int>(u), best_base, min_explained, fits);
                    if (fits.empty()) continue;
                    const Fit f = *std::min_element(fits.begin(), fits.end(), [](const Fit& a, const Fit& b) { return a.error < b.error; });
                    double whole_before = 0.0, whole_after = 0.0;
                    for (int q = -unit.detect.pre; q <= unit.detect.post; ++q) {
                        const double x = value(r, f.base + q), w = unit.detect.at(q, f.phase);
                        whole_before += x * x;
                        whole_after += (x - w) * (x - w);
                    }
                    if (!(whole_after < whole_before)) continue;
                    subtract(r, f);
                    const double time = static_cast<double>(f.base) + static_cast<double>(f.phase) / unit.detect.up;
                    units_[u].times.push_back(time);
                    assign(u, time, f.unexplained);
                }
            }
            std::sort(units_[u].times.begin(), units_[u].times.end());
        }
    }

private:
    double core_error(const std::vector<double>& r, const Unit& u, long long base, int phase) const {
        const long long from = base + u.core_peak - core_, to = base + u.core_peak + core_;
        double e = 0.0;
        if (from >= 0 && to < static_cast<long long>(r.size()) && phase == 0) {
            const double* x = r.data() + from;
            const double* t = u.detect.fine.data() + static_cast<std::size_t>(u.core_peak - core_ + u.detect.pre) * static_cast<std::size_t>(u.detect.up);
            const auto step = static_cast<std::size_t>(u.detect.up);
            for (long long k = 0; k <= to - from; ++k) {
                const double diff = x[k] - t[static_cast<std::size_t>(k) * step];
                e += diff * diff;
            }
            return e;
        }
        for (int k = u.core_peak - core_; k <= u.core_peak + core_; ++k) {
            const double diff = value(r, base + k) - u.detect.at(k, phase);
            e += diff * diff;
        }
        return e;
    }

    static double value(const std::vector<double>& r, long long i) {
        return i >= 0 && i < static_cast<long long>(r.size()) ? r[static_cast<std::size_t>(i)] : 0.0;
    }

    struct Placed {
        int unit = -1;
        double time = 0.0;  // reference, fractional samples
        long long base = 0;
        int phase = 0;
    };

    Placed place(int unit, double time) const {
        Placed p{unit, time, 0, 0};
        const int up = units_[static_cast<std::size_t>(unit)].detect.up;
        p.base = static_cast<long long>(std::floor(time));
        p.phase = static_cast<int>(std::lround((time - static_cast<double>(p.base)) * up));
        if (p.phase == up) {
            p.phase = 0;
            ++p.base;
        }
        return p;
    }

    // The waveform of a placed discharge at sample i.
    double placed_at(const Placed& p, long long i) const {
        return units_[static_cast<std::size_t>(p.unit)].detect.at(static_cast<int>(i - p.base), p.phase);
    }

    // The position (fractional samples) in [lo, hi] where unit u's core best fits y (a window of the signal starting at y0).
    double best_position(const std::vector<double>& y, long long y0, int u, long long lo, long long hi) const {
        const auto& unit = units_[static_cast<std::size_t>(u)];
        auto at = [&](long long i) { return i >= y0 && i < y0 + static_cast<long long>(y.size()) ? y[static_cast<std::size_t>(i - y0)] : 0.0; };
        auto error = [&](long long base, int phase) {
            double e = 0.0;
            for (int k = unit.core_peak - core_; k <= unit.core_peak + core_; ++k) {
                const double d = at(base + k) - unit.detect.at(k, phase);
                e += d * d;
            }
            return e;
        };
        long long best_base = lo;
        double best = std::numeric_limits<double>::infinity();
        for (long long b = lo; b <= hi; ++b) {
            const double e = error(b, 0);
            if (e < best) {
                best = e;
                best_base = b;
            }
        }
        double pos = static_cast<double>(best_base);
        for (long long b = best_base - 1; b <= best_base + 1; ++b) {
            for (int j = 1; j < unit.detect.up; ++j) {
                const double e = error(b, j);
                if (e < best) {
                    best = e;
                    pos = static_cast<double>(b) + static_cast<double>(j) / unit.detect.up;
                }
            }
        }
        return pos;
    }

    template <typename AtList>
    void resolve_one(std::vector<double>& r, const AtList& all, std::size_t from, std::size_t to, std::vector<std::vector<double>>& removed,
                     std::vector<std::vector<double>>& added) {
        // The window: the complex's discharges' cores, plus the overlap reach either side.
        std::vector<Placed> old;
        long long lo = std::numeric_limits<long long>::max(), hi = std::numeric_limits<long long>::min();
        for (std::size_t i = from; i < to; ++i) {
            old.push_back(place(all[i].unit, all[i].time));
            const auto& u = units_[static_cast<std::size_t>(all[i].unit)];
            lo = std::min(lo, static_cast<long long>(std::floor(all[i].time)) + u.core_peak - core_ - overlap_);
            hi = std::max(hi, static_cast<long long>(std::ceil(all[i].time)) + u.core_peak + core_ + overlap_);
        }
        int max_pre = 0, max_post = 0;
        for (const auto& u : units_) {
            max_pre = std::max(max_pre, u.detect.pre);
            max_post = std::max(max_post, u.detect.post);
        }
        // x: the signal over the window and the reach of every support, with the complex put back.
        const long long x0 = lo - max_post - core_ - overlap_, x1 = hi + max_pre + core_ + overlap_;
        std::vector<double> x(static_cast<std::size_t>(x1 - x0 + 1));
        for (long long i = x0; i <= x1; ++i) {
            double v = value(r, i);
            for (const auto& p : old) v += placed_at(p, i);
            x[static_cast<std::size_t>(i - x0)] = v;
        }
        auto score_of = [&](const std::vector<Placed>& set, double& left) {
            left = 0.0;
            for (long long i = lo; i <= hi; ++i) {
                double v = x[static_cast<std::size_t>(i - x0)];
                for (const auto& p : set) v -= placed_at(p, i);
                left += v * v;
            }
            double s = left;
            for (const auto& p : set) {
                const auto& u = units_[static_cast<std::size_t>(p.unit)];
                s += complex_unit_cost * u.core_energy;
                if (timing_misfit(static_cast<std::size_t>(p.unit), p.time) > expected_tolerance) s += unexpected_penalty * u.core_energy;
            }
            return s;
        };
        // Candidates.
        std::vector<int> cand;
        auto add_cand = [&](int u) {
            if (std::find(cand.begin(), cand.end(), u) == cand.end()) cand.push_back(u);
        };
        for (const auto& p : old) add_cand(p.unit);
        const double centre = 0.5 * static_cast<double>(lo + hi);
        for (std::size_t u = 0; u < units_.size() && cand.size() < complex_max_candidates; ++u) {
            if (expected_at(u, centre - units_[u].core_peak)) add_cand(static_cast<int>(u));
        }
        if (cand.size() > complex_max_candidates) cand.resize(complex_max_candidates);
        // Each candidate's position on its own, or where the peel-off put it.
        std::vector<double> solo;
        for (int c : cand) {
            double at = -1.0;
            for (const auto& o : old) {
                if (o.unit == c) at = o.time;
            }
            if (at < 0.0) {
                const auto& u = units_[static_cast<std::size_t>(c)];
                at = best_position(x, x0, c, lo + core_ - u.core_peak, hi - core_ - u.core_peak);
            }
            solo.push_back(at);
        }
        const auto n = cand.size();
        // Search.
        std::vector<Placed> best_set = old;
        double left_old = 0.0;
        double best_score = score_of(old, left_old);
        bool better = false;
        double best_left = left_old;
        std::vector<double> y(x.size());
        std::vector<Placed> set;
        for (std::size_t mask = 1; mask < (std::size_t{1} << n); ++mask) {
            if (static_cast<std::size_t>(std::popcount(mask)) > complex_max_units) continue;
            set.clear();
            for (std::size_t k = 0; k < n; ++k) {
                if (!(mask >> k & 1)) continue;
                // Start where the unit was fitted, else where it fits best on its own.
                set.push_back(place(cand[k], solo[k]));
            }
            for (int iter = 0; iter < complex_iterations; ++iter) {
                for (std::size_t a = 0; a < set.size(); ++a) {
                    // The unit's core is searched within [lo, hi]: y is needed there only.
                    for (long long i = lo - core_; i <= hi + core_; ++i) {
                        double v = x[static_cast<std::size_t>(i - x0)];
                        for (std::size_t b = 0; b < set.size(); ++b) {
                            if (b != a) v -= placed_at(set[b], i);
                        }
                        y[static_cast<std::size_t>(i - x0)] = v;
                    }
                    // Refined near where it stands, within the window.
                    const auto& u = units_[static_cast<std::size_t>(set[a].unit)];
                    const auto at = static_cast<long long>(std::lround(set[a].time));
                    const long long from_b = std::max(lo + core_ - u.core_peak, at - complex_reach_);
                    const long long to_b = std::min(hi - core_ - u.core_peak, at + complex_reach_);
                    if (from_b <= to_b) set[a] = place(set[a].unit, best_position(y, x0, set[a].unit, from_b, to_b));
                }
            }
            // Every discharge of the set must be of its unit's size where it stands.
            bool sized = true;
            for (std::size_t a = 0; a < set.size() && sized; ++a) {
                double cross = 0.0, self = 0.0;
                const auto& u = units_[static_cast<std::size_t>(set[a].unit)];
                const auto base = static_cast<long long>(std::lround(set[a].time));
                for (int k = u.core_peak - core_; k <= u.core_peak + core_; ++k) {
                    const long long i = base + k;
                    if (i < x0 || i > x1) continue;
                    double v = x[static_cast<std::size_t>(i - x0)];
                    for (std::size_t b = 0; b < set.size(); ++b) {
                        if (b != a) v -= placed_at(set[b], i);
                    }
                    const double t = placed_at(set[a], i);
                    cross += v * t;
                    self += t * t;
                }
                const double scale = self > 0.0 ? cross / self : 0.0;
                sized = scale >= c_.fit_min_scale && scale <= c_.fit_max_scale;
            }
            if (!sized) continue;
            double left = 0.0;
            const double sc = score_of(set, left);
            if (sc < best_score) {
                best_score = sc;
                best_set = set;
                best_left = left;
                better = true;
            }
        }
        // As many units as the peel-off used must also leave less energy: the
        // rhythm alone does not move a discharge from one unit to another.
        if (!better || (best_set.size() == old.size() && !(best_left < left_old))) return;
        for (long long i = x0; i <= x1; ++i) {
            double v = x[static_cast<std::size_t>(i - x0)];
            for (const auto& p : best_set) v -= placed_at(p, i);
            if (i >= 0 && i < static_cast<long long>(r.size())) r[static_cast<std::size_t>(i)] = v;
        }
        for (const auto& p : old) removed[static_cast<std::size_t>(p.unit)].push_back(p.time);
        for (const auto& p : best_set) added[static_cast<std::size_t>(p.unit)].push_back(p.time);
    }

    // Unit u's discharge within the refractory time of t (samples) in this run, if any: (time, unexplained share).
    const std::pair<double, double>* fired_near(std::size_t u, double t) const {
        if (u >= assigned_.size()) return nullptr;
        const auto& a = assigned_[u];
        auto it = std::lower_bound(a.begin(), a.end(), t - refractory_, [](const auto& e, double v) { return e.first < v; });
        return it != a.end() && it->first <= t + refractory_ ? &*it : nullptr;
    }

    void assign(std::size_t u, double t, double unexplained) {
        auto& a = assigned_[u];
        a.insert(std::upper_bound(a.begin(), a.end(), t, [](double v, const auto& e) { return v < e.first; }), {t, unexplained});
    }

    // A unit's firing period from its prior discharges, and whether it fires
    // regularly enough (CV2 at most regular_unit_cv2) for them to predict.
    void set_prior(std::size_t u) {
        std::vector<double> distinct;
        for (double x : prior_[u]) {
            if (distinct.empty() || x > distinct.back()) distinct.push_back(x);
        }
        if (distinct.size() < 3) return;
        const auto chain = describe_chain(distinct);
        prior_isi_[u] = chain.period_s;
        prior_regular_[u] = chain.cv2 <= regular_unit_cv2;
    }

    // NaN where the unit's firing predicts nothing (too few discharges, or irregular).
    double timing_misfit(std::size_t u, double t) const {
        if (u >= prior_.size() || prior_[u].size() < 3 || !(prior_isi_[u] > 0.0) || !prior_regular_[u]) return std::numeric_limits<double>::quiet_NaN();
        return period_misfit(prior_[u], prior_isi_[u], refractory_, t);
    }

    bool expected_at(std::size_t u, double t) const { return timing_misfit(u, t) <= expected_tolerance; }

    std::vector<Unit>& units_;
    const DecompositionCriteria& c_;
    int core_, shift_, overlap_;
    int complex_reach_ = 1;
    double refractory_;
    std::vector<std::vector<double>> prior_;     // per unit, the previous round's discharges (samples)
    std::vector<double> prior_isi_;              // their firing period
    std::vector<bool> prior_regular_;            // whether they fire regularly enough to predict
    std::vector<std::vector<std::pair<double, double>>> assigned_;  // per unit, this run's discharges so far (time, unexplained share), sorted
};

// Sets a unit's detection waveform from clean windows (the residual plus its
// own fitted discharges) and its core peak and energy.
void set_detect_waveform(Unit& u, const FineWaveform& w, int core) {
    u.detect = w;
    int peak = 0;
    double best = -1.0;
    for (int k = -core; k <= core; ++k) {
        const double v = std::abs(w.at(k, 0));
        if (v > best) {
            best = v;
            peak = k;
        }
    }
    u.core_peak = peak;
    u.core_energy = 0.0;
    for (int k = peak - core; k <= peak + core; ++k) u.core_energy += w.at(k, 0) * w.at(k, 0);
    u.positive_value = u.negative_value = 0.0;
    u.positive_peak = u.negative_peak = peak;
    for (int k = -core; k <= core; ++k) {
        const double v = w.at(k, 0);
        if (v > u.positive_value) {
            u.positive_value = v;
            u.positive_peak = k;
        }
        if (v < u.negative_value) {
            u.negative_value = v;
            u.negative_peak = k;
        }
    }
}


// Short intervals: no motor unit fires twice within short_isi at the efforts
// a MUAP analysis uses, so a unit with several is two units.
double short_isi_fraction(const std::vector<double>& times, double short_isi) {
    if (times.size() < 2) return 0.0;
    std::size_t n = 0;
    for (std::size_t i = 1; i < times.size(); ++i) n += (times[i] - times[i - 1] < short_isi) ? 1 : 0;
    return static_cast<double>(n) / static_cast<double>(times.size() - 1);
}

// A motor unit at steady low effort does not fire twice within
// min_interval_ratio of its median interval (its intervals vary by a CV of
// 0.11-0.23, R00108): of two discharges that close, the one whose removal
// leaves the more regular neighbouring interval was another unit's and is
// dropped, so that the next round's peel-off can give it to its unit.
std::vector<double> drop_irregular(std::vector<double>& t, double ratio) {
    std::vector<double> dropped;
    for (bool changed = true; changed && t.size() >= 4;) {
        changed = false;
        const double m = firing_period(t);
        for (std::size_t i = 0; i + 1 < t.size(); ++i) {
            if (t[i + 1] - t[i] >= ratio * m) continue;
            // Keeping i + 1 (dropping i) leaves t[i + 1] - t[i - 1]; keeping i leaves t[i + 2] - t[i].
            auto misfit = [&](double interval) {
                const double k = std::max(1.0, std::round(interval / m));
                return std::abs(interval - k * m) / k;
            };
            const double drop_i = i > 0 ? misfit(t[i + 1] - t[i - 1]) : 0.0;
            const double drop_next = i + 2 < t.size() ? misfit(t[i + 2] - t[i]) : 0.0;
            const std::size_t gone = drop_i <= drop_next ? i : i + 1;
            dropped.push_back(t[gone]);
            t.erase(t.begin() + static_cast<std::ptrdiff_t>(gone));
            changed = true;
            break;
        }
    }
    return dropped;
}

// The share of a unit's intervals shorter than `ratio` of its median interval.
double relative_short_fraction(const std::vector<double>& times, double ratio) {
    if (times.size() < 3) return 0.0;
    std::vector<double> isi;
    for (std::size_t i = 1; i < times.size(); ++i) isi.push_back(times[i] - times[i - 1]);
    std::vector<double> sorted = isi;
    const double m = median_of(sorted);
    const auto n = std::count_if(isi.begin(), isi.end(), [&](double x) { return x < ratio * m; });
    return static_cast<double>(n) / static_cast<double>(isi.size());
}

// Normalised squared distance between two units' detection waveforms over
// a's core, at the best shift and phase of b: coarse within a core's width of
// their spikes' offset (two sortings of one unit may be aligned on different
// phases of it), then
// every phase around the best; `offset` receives what to add to b's times to
// express them as a's.
double waveform_distance(const Unit& a, const Unit& b, int core, double& offset) {
    const int up = a.detect.up;
    auto distance = [&](int s, int j) {
        double dist = 0.0;
        for (int k = a.core_peak - core; k <= a.core_peak + core; ++k) {
            const double diff = a.detect.at(k, 0) - b.detect.at(k + s, j);
            dist += diff * diff;
        }
        return dist;
    };
    int best_s = 0;
    double best = std::numeric_limits<double>::infinity();
    // Around the shift that puts b's spike on a's, within two core widths
    // either way: b may be aligned on another phase of the same potential.
    const int centre = b.core_peak - a.core_peak;
    for (int s = centre - 2 * core; s <= centre + 2 * core; ++s) {
        const double d = distance(s, 0);
        if (d < best) {
            best = d;
            best_s = s;
        }
    }
    offset = best_s;
    for (int s = best_s - 1; s <= best_s + 1; ++s) {
        for (int j = 0; j < up; ++j) {
            const double d = distance(s, j);
            if (d < best) {
                best = d;
                offset = static_cast<double>(s) - static_cast<double>(j) / up;
            }
        }
    }
    return best / std::max({a.core_energy, b.core_energy, 1e-12});
}

// A discharge's clean window over the unit's support: residual plus its own fit.
std::vector<double> clean_window(const std::vector<double>& residual, const Unit& u, double time) {
    const auto base = static_cast<long long>(std::floor(time));
    int phase = static_cast<int>(std::lround((time - static_cast<double>(base)) * u.detect.up));
    long long b = base;
    if (phase == u.detect.up) {
        phase = 0;
        ++b;
    }
    std::vector<double> w;
    for (int k = -u.detect.pre; k <= u.detect.post; ++k) {
        const long long i = b + k;
        const double r = i >= 0 && i < static_cast<long long>(residual.size()) ? residual[static_cast<std::size_t>(i)] : 0.0;
        w.push_back(r + u.detect.at(k, phase));
    }
    return w;
}

// Splits a unit's discharges in two by waveform (2-means on their clean
// windows, started from the two discharges farthest apart).
std::pair<std::vector<double>, std::vector<double>> split_by_waveform(const std::vector<double>& residual, const Unit& u) {
    std::vector<std::vector<double>> w;
    for (double t : u.times) w.push_back(clean_window(residual, u, t));
    auto dist = [](const std::vector<double>& x, const std::vector<double>& y) {
        double d = 0.0;
        for (std::size_t k = 0; k < x.size(); ++k) d += (x[k] - y[k]) * (x[k] - y[k]);
        return d;
    };
    std::size_t a = 0, b = 0;
    double far = -1.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double d = dist(w[i], w[0]);
        if (d > far) {
            far = d;
            a = i;
        }
    }
    far = -1.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double d = dist(w[i], w[a]);
        if (d > far) {
            far = d;
            b = i;
        }
    }
    std::vector<double> ca = w[a], cb = w[b];
    std::vector<int> label(w.size(), 0);
    for (int iter = 0; iter < 10; ++iter) {
        for (std::size_t i = 0; i < w.size(); ++i) label[i] = dist(w[i], ca) <= dist(w[i], cb) ? 0 : 1;
        std::vector<double> sa(ca.size(), 0.0), sb(cb.size(), 0.0);
        int na = 0, nb = 0;
        for (std::size_t i = 0; i < w.size(); ++i) {
            auto& s = label[i] == 0 ? sa : sb;
            for (std::size_t k = 0; k < s.size(); ++k) s[k] += w[i][k];
            (label[i] == 0 ? na : nb)++;
        }
        if (na == 0 || nb == 0) break;
        for (std::size_t k = 0; k < sa.size(); ++k) {
            ca[k] = sa[k] / na;
            cb[k] = sb[k] / nb;
        }
    }
    std::pair<std::vector<double>, std::vector<double>> out;
    for (std::size_t i = 0; i < w.size(); ++i) (label[i] == 0 ? out.first : out.second).push_back(u.times[i]);
    return out;
}

}  // namespace

DecompositionCriteria DecompositionCriteria::from_table() {
    auto c = [](const char* pointer) { return signals::constant(table, pointer); };
    DecompositionCriteria d;
    d.conditioning = ConditioningSettings::with_band(c("/detection/band_low_hz"), c("/detection/band_high_hz"));
    d.threshold_sd = c("/detection/threshold_sd");
    d.dead_time_ms = c("/detection/dead_time_ms");
    d.min_discharges = static_cast<int>(std::lround(c("/decomposition/min_discharges")));
    d.short_isi_ms = c("/decomposition/short_isi_ms");
    d.fit_min_scale = c("/decomposition/fit_min_scale");
    d.fit_max_scale = c("/decomposition/fit_max_scale");
    d.fit_min_explained = c("/decomposition/fit_min_explained");
    d.window_pre_ms = c("/averaging/window_pre_ms");
    d.window_post_ms = c("/averaging/window_post_ms");
    d.upsampling = static_cast<int>(std::lround(c("/averaging/upsampling")));
    d.validate();
    return d;
}

void DecompositionCriteria::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("DecompositionCriteria: " + what); };
    conditioning.validate();
    if (!(threshold_sd > 0.0)) fail("threshold_sd must be > 0");
    if (!(dead_time_ms > 0.0)) fail("dead_time_ms must be > 0");
    if (min_discharges < 2) fail("min_discharges must be >= 2");
    if (!(short_isi_ms > 0.0)) fail("short_isi_ms must be > 0");
    if (!(fit_min_scale > 0.0 && fit_max_scale > fit_min_scale)) fail("need 0 < fit_min_scale < fit_max_scale");
    if (!(fit_min_explained > 0.0 && fit_min_explained < 1.0)) fail("fit_min_explained must be in (0, 1)");
    if (!(window_pre_ms > 0.0) || !(window_post_ms > 0.0)) fail("window_pre_ms and window_post_ms must be > 0");
    if (upsampling < 1 || upsampling > 16) fail("upsampling must be in [1, 16]");
}

Decomposition decompose_muaps(std::span<const float> samples, double fs, double start_s, const DecompositionCriteria& criteria) {
    criteria.validate();
    if (!(fs > 0.0) || !std::isfinite(fs)) throw std::invalid_argument("decompose_muaps: sample_rate_hz must be > 0");
    if (static_cast<double>(samples.size()) < 0.5 * fs) throw std::invalid_argument("decompose_muaps: the segment must last at least 0.5 s");
    const auto sig = condition(samples, fs, criteria.conditioning);
    const std::span<const float> d = sig.detection_uv;
    const std::span<const float> m = sig.measurement_uv;
    auto samples_of = [fs](double ms) { return std::max(1, static_cast<int>(std::lround(ms * fs / 1000.0))); };
    const int core = samples_of(core_half_ms), cshift = samples_of(cluster_shift_ms), fshift = samples_of(fit_shift_ms);
    const int spre = samples_of(support_pre_ms), spost = samples_of(support_post_ms);
    const int up = criteria.upsampling;
    const auto dead = static_cast<std::size_t>(samples_of(criteria.dead_time_ms));

    Decomposition out;
    out.start_s = start_s;
    out.duration_s = static_cast<double>(samples.size()) / fs;
    out.noise_sd_uv = robust_noise_sd(d, fs);
    const double sigma = std::max(out.noise_sd_uv, 1e-6);
    out.threshold_uv = criteria.threshold_sd * sigma;

    // First sorting, on isolated-looking detections.
    const auto peaks = detect_peaks(d, out.threshold_uv, dead);
    out.detections = peaks.size();
    std::vector<detail::ClusteredEvent> events;
    {
        std::vector<bool> drop(peaks.size(), false);
        const auto reach = static_cast<std::size_t>(samples_of(satellite_reach_ms));
        for (std::size_t i = 0; i < peaks.size(); ++i) {
            for (std::size_t j = i + 1; j < peaks.size() && peaks[j].index <= peaks[i].index + reach; ++j) {
                const double a = std::abs(peaks[i].value_uv), b = std::abs(peaks[j].value_uv);
                if (b < satellite_ratio * a) drop[j] = true;
                if (a < satellite_ratio * b) drop[i] = true;
            }
        }
        for (std::size_t i = 0; i < peaks.size(); ++i) {
            if (!drop[i]) events.push_back({peaks[i].index, peaks[i].value_uv, 0, -1});
        }
    }
    const auto clusters = detail::cluster_waveforms(d, events, core, cshift, sigma, cluster_allowance);

    // Candidate units: clusters seen often enough; their waveform is the median
    // of their aligned windows (robust to the overlaps among them).
    const int seed_min = std::max(3, criteria.min_discharges / 2);
    std::vector<Unit> units;
    for (const auto& members : clusters.members) {
        if (static_cast<int>(members.size()) < seed_min) continue;
        std::vector<double> coarse(static_cast<std::size_t>(spre + spost + 1));
        std::vector<double> column(members.size());
        for (int k = -spre; k <= spost; ++k) {
            for (std::size_t j = 0; j < members.size(); ++j) {
                column[j] = sample_at(d, static_cast<long long>(events[members[j]].aligned) + k);
            }
            coarse[static_cast<std::size_t>(k + spre)] = median_of(column);
        }
        FineWaveform w;
        w.pre = spre;
        w.post = spost;
        w.up = up;
        w.fine = upsample(coarse, up);
        Unit u;
        set_detect_waveform(u, w, core);
        units.push_back(std::move(u));
    }

    // Rounds of peel-off, each followed by dropping the discharges no single
    // unit's rhythm allows, the resolution of superimpositions (from
    // complex_from_round on) and, in the last, the completion of each
    // regular unit's train; between rounds units are merged and split and
    // each unit's waveform is averaged again from clean windows. Units that
    // explain too few discharges are dropped after each round.
    std::vector<double> residual;
    for (int round = 0; round < rounds; ++round) {
        // A unit does not fire twice within short_isi_ms at minimal effort: its refractory time in the peel-off.
        PeelOff peel(units, criteria, core, fshift, samples_of(overlap_ms), criteria.short_isi_ms * fs / 1000.0);
        residual = peel.run(d, out.threshold_uv, dead, out.unexplained);
        for (auto& u : units) {
            // A dropped discharge's waveform goes back into the residual.
            for (double t : drop_irregular(u.times, min_interval_ratio)) add_back(residual, u, t);
        }
        if (round >= complex_from_round) peel.resolve_complexes(residual);
        if (round + 1 == rounds) peel.complete(residual);
        std::vector<Unit> kept;
        for (auto& u : units) {
            if (static_cast<int>(u.times.size()) >= criteria.min_discharges) kept.push_back(std::move(u));
        }
        units = std::move(kept);
        if (round + 1 == rounds) break;
        const double short_isi = criteria.short_isi_ms * fs / 1000.0;
        // One unit sorted into two clusters: similar waveforms whose
        // discharges interleave without short intervals.
        for (bool merged = true; merged;) {
            merged = false;
            for (std::size_t a = 0; a < units.size() && !merged; ++a) {
                for (std::size_t b = a + 1; b < units.size() && !merged; ++b) {
                    double offset = 0.0;
                    const double distance = waveform_distance(units[a], units[b], core, offset);
                    if (distance > loose_merge_distance) continue;
                    std::vector<double> tb = units[b].times;
                    for (auto& t : tb) t += offset;
                    std::vector<double> u;
                    std::merge(units[a].times.begin(), units[a].times.end(), tb.begin(), tb.end(), std::back_inserter(u));
                    const double short_fraction = short_isi_fraction(u, short_isi);
                    // Close waveforms whose union has few short intervals; or, a
                    // little less close, pieces of one train: their union fires
                    // more regularly than either piece.
                    const bool close = distance <= merge_distance && short_fraction <= max_short_isi_fraction;
                    const bool pieces = short_fraction <= pieces_max_short_isi_fraction &&
                                        interval_cv2(u, {}) < std::min(interval_cv2(units[a].times, {}), interval_cv2(units[b].times, {}));
                    if (!close && !pieces) continue;
                    units[a].times = std::move(u);
                    units.erase(units.begin() + static_cast<std::ptrdiff_t>(b));
                    merged = true;
                }
            }
        }

        // Units of similar waveform sorted together: too many intervals
        // shorter than half the unit's median interval (the peel-off lets no
        // unit fire twice within short_isi_ms, so two units sorted together
        // show as intervals far below their rhythm rather than as impossibly
        // short ones). Split in two while both halves fire more plausibly
        // than the whole.
        for (int pass = 0; pass < split_passes; ++pass) {
            std::vector<Unit> split;
            bool any = false;
            for (auto& u : units) {
                const double whole = relative_short_fraction(u.times, min_interval_ratio);
                if (whole <= max_short_isi_fraction) {
                    split.push_back(std::move(u));
                    continue;
                }
                auto [ta, tb] = split_by_waveform(residual, u);
                const bool both = static_cast<int>(ta.size()) >= seed_min && static_cast<int>(tb.size()) >= seed_min &&
                                  relative_short_fraction(ta, min_interval_ratio) < split_gain * whole &&
                                  relative_short_fraction(tb, min_interval_ratio) < split_gain * whole;
                if (!both) {
                    split.push_back(std::move(u));
                    continue;
                }
                Unit other = u;
                u.times = std::move(ta);
                other.times = std::move(tb);
                split.push_back(std::move(u));
                split.push_back(std::move(other));
                any = true;
            }
            units = std::move(split);
            if (!any) break;
        }
        std::vector<float> rf(residual.begin(), residual.end());
        for (auto& u : units) {
            // The waveform is averaged from the discharges its fit explains
            // best (template_share of them, by the residual left in the core):
            // a discharge of a similar unit taken by this one, or a poorly
            // resolved overlap, would pull it towards the other unit's shape.
            std::vector<double> left(u.times.size(), 0.0);
            for (std::size_t i = 0; i < u.times.size(); ++i) {
                const auto base = static_cast<long long>(std::lround(u.times[i]));
                for (int k = u.core_peak - core; k <= u.core_peak + core; ++k) {
                    const long long q = base + k;
                    if (q >= 0 && q < static_cast<long long>(residual.size())) left[i] += residual[static_cast<std::size_t>(q)] * residual[static_cast<std::size_t>(q)];
                }
            }
            std::vector<double> sorted_left = left;
            std::sort(sorted_left.begin(), sorted_left.end());
            const std::size_t keep = std::min(u.times.size(), std::max<std::size_t>(static_cast<std::size_t>(criteria.min_discharges),
                                                                                   static_cast<std::size_t>(std::ceil(template_share * static_cast<double>(u.times.size())))));
            const double limit = keep > 0 ? sorted_left[keep - 1] : 0.0;
            // A regularly firing unit's waveform is averaged from the
            // discharges its own firing predicts: one of a similar unit that
            // it took fires out of its rhythm.
            std::vector<double> distinct;
            for (double x : u.times) {
                if (distinct.empty() || x > distinct.back()) distinct.push_back(x);
            }
            const auto chain = distinct.size() >= 3 ? describe_chain(distinct) : Chain{};
            const bool regular = distinct.size() >= 3 && chain.cv2 <= regular_unit_cv2 && chain.period_s > 0.0;
            std::vector<double> chosen;
            for (std::size_t i = 0; i < u.times.size(); ++i) {
                if (left[i] > limit) continue;
                if (regular && !(period_misfit(u.times, chain.period_s, short_isi, u.times[i]) <= expected_tolerance)) continue;
                chosen.push_back(u.times[i]);
            }
            if (static_cast<int>(chosen.size()) < std::min(criteria.min_discharges, static_cast<int>(u.times.size()))) {
                chosen.clear();
                for (std::size_t i = 0; i < u.times.size(); ++i) {
                    if (left[i] <= limit) chosen.push_back(u.times[i]);
                }
            }
            // Clean windows: residual + the unit's own fitted waveform.
            std::vector<std::vector<double>> minus(chosen.size(), std::vector<double>(static_cast<std::size_t>(spre + spost + 1)));
            for (std::size_t i = 0; i < chosen.size(); ++i) {
                const auto base = static_cast<long long>(std::floor(chosen[i]));
                int phase = static_cast<int>(std::lround((chosen[i] - static_cast<double>(base)) * up));
                for (int k = -spre; k <= spost; ++k) {
                    // average_fine subtracts `minus`: subtracting -own adds it back.
                    minus[i][static_cast<std::size_t>(k + spre)] = phase == up ? -u.detect.at(k - 1, 0) : -u.detect.at(k, phase);
                }
            }
            set_detect_waveform(u, average_fine(rf, chosen, spre, spost, up, &minus), core);
        }
    }
    if (units.empty()) return out;

    // Measurement-domain waveforms: windows of the measurement signal with
    // the other units' discharges subtracted, averaged on the fine grid.
    const int pre = samples_of(criteria.window_pre_ms), post = samples_of(criteria.window_post_ms);
    const auto n_window = static_cast<std::size_t>(pre + post + 1);
    std::vector<FineWaveform> waveforms(units.size());
    for (std::size_t u = 0; u < units.size(); ++u) waveforms[u] = average_fine(m, units[u].times, pre, post, up);
    for (int pass = 0; pass < 2; ++pass) {
        // Every discharge of every unit, for the overlap search.
        struct At {
            double time;
            std::size_t unit;
        };
        std::vector<At> all;
        for (std::size_t u = 0; u < units.size(); ++u) {
            for (double t : units[u].times) all.push_back({t, u});
        }
        std::sort(all.begin(), all.end(), [](const At& a, const At& b) { return a.time < b.time; });
        std::vector<FineWaveform> next(units.size());
        for (std::size_t u = 0; u < units.size(); ++u) {
            std::vector<std::vector<double>> others(units[u].times.size(), std::vector<double>(n_window, 0.0));
            for (std::size_t i = 0; i < units[u].times.size(); ++i) {
                const double t = units[u].times[i];
                const auto base = static_cast<long long>(std::floor(t));
                const long long window_base = base + (std::lround((t - static_cast<double>(base)) * up) == up ? 1 : 0);
                auto it = std::lower_bound(all.begin(), all.end(), t - (pre + post + 1), [](const At& a, double v) { return a.time < v; });
                for (; it != all.end() && it->time <= t + (pre + post + 1); ++it) {
                    if (it->unit == u && std::abs(it->time - t) < 1e-9) continue;
                    const auto& w = waveforms[it->unit];
                    // Other discharge at time o: its waveform at window sample k is w at
                    // (window_base + k - o) samples from its reference, fine index q0 + k * up.
                    const double rel0 = static_cast<double>(window_base - pre) - it->time;
                    const long long q0 = std::llround((rel0 + w.pre) * w.up);
                    auto& row = others[i];
                    for (int k = 0; k < pre + post + 1; ++k) {
                        const long long qi = q0 + static_cast<long long>(k) * w.up;
                        if (qi >= 0 && qi < static_cast<long long>(w.fine.size())) row[static_cast<std::size_t>(k)] += w.fine[static_cast<std::size_t>(qi)];
                    }
                }
            }
            next[u] = average_fine(m, units[u].times, pre, post, up, &others, pass + 1 == 2 ? trim_fraction : 0.0);
        }
        waveforms = std::move(next);
    }

    const double m_sigma = robust_noise_sd(m, fs);
    const auto edge = static_cast<std::size_t>(samples_of(3.0)) * static_cast<std::size_t>(up);
    for (std::size_t u = 0; u < units.size(); ++u) {
        auto& w = waveforms[u];
        // Baseline: the mean of the medians of the window's first and last 3 ms.
        std::vector<double> head(w.fine.begin(), w.fine.begin() + static_cast<std::ptrdiff_t>(edge));
        std::vector<double> tail(w.fine.end() - static_cast<std::ptrdiff_t>(edge), w.fine.end());
        const double baseline = 0.5 * (median_of(head) + median_of(tail));
        for (auto& v : w.fine) v -= baseline;
        // The reference moves to the main peak (largest magnitude) of the measurement waveform.
        const auto nominal = static_cast<std::size_t>(pre * up);
        const auto reach = static_cast<std::size_t>(samples_of(5.0) * up);
        std::size_t main = nominal;
        for (std::size_t q = nominal - std::min(nominal, reach); q < std::min(w.fine.size(), nominal + reach + 1); ++q) {
            if (std::abs(w.fine[q]) > std::abs(w.fine[main])) main = q;
        }
        const double shift_samples = (static_cast<double>(main) - static_cast<double>(nominal)) / up;
        DecomposedUnit du;
        for (double t : units[u].times) du.times_s.push_back(start_s + (t + shift_samples) / fs);
        du.waveform_uv = std::move(w.fine);
        du.waveform_rate_hz = fs * up;
        du.waveform_reference = main;
        du.waveform_noise_sd_uv = m_sigma / std::sqrt(static_cast<double>(units[u].times.size()));
        out.explained += units[u].times.size();
        out.units.push_back(std::move(du));
    }
    std::sort(out.units.begin(), out.units.end(), [](const DecomposedUnit& a, const DecomposedUnit& b) {
        auto p2p = [](const DecomposedUnit& x) {
            const auto [lo, hi] = std::minmax_element(x.waveform_uv.begin(), x.waveform_uv.end());
            return *hi - *lo;
        };
        return p2p(a) > p2p(b);
    });
    return out;
}

}  // namespace edx::emg
