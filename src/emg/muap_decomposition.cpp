#include "edx/emg/muap_decomposition.hpp"

#include <algorithm>
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
constexpr int rounds = 2;
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
// Overlaps: the units tried first for the pair, and how far above threshold a
// peak must reach to be worth a pair (smaller ones are noise or fibrillations).
constexpr std::size_t pair_candidates = 3;
constexpr double pair_min_threshold_ratio = 1.5;
constexpr double max_short_isi_fraction = 0.1;

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
    std::vector<std::vector<std::vector<double>>> windows(static_cast<std::size_t>(up));
    for (std::size_t i = 0; i < times.size(); ++i) {
        const double t = times[i];
        auto base = static_cast<long long>(std::floor(t));
        auto phase = static_cast<int>(std::lround((t - static_cast<double>(base)) * up));
        if (phase == up) {
            phase = 0;
            ++base;
        }
        std::vector<double> v(n);
        for (int k = -pre; k <= post; ++k) {
            double s = sample_at(x, base + k);
            if (subtract) s -= (*subtract)[i][static_cast<std::size_t>(k + pre)];
            v[static_cast<std::size_t>(k + pre)] = s;
        }
        windows[static_cast<std::size_t>(phase)].push_back(std::move(v));
    }
    w.fine.assign(n * static_cast<std::size_t>(up), 0.0);
    std::size_t total = 0;
    std::vector<double> column;
    for (int j = 0; j < up; ++j) {
        const auto& group = windows[static_cast<std::size_t>(j)];
        const std::size_t c = group.size();
        if (c == 0) continue;
        const auto drop = c >= 5 ? static_cast<std::size_t>(std::floor(trim * static_cast<double>(c))) : 0;
        std::vector<double> mean(n, 0.0);
        for (std::size_t k = 0; k < n; ++k) {
            column.clear();
            for (const auto& v : group) column.push_back(v[k]);
            if (drop > 0) {
                // Partition off the `drop` smallest and largest values.
                std::nth_element(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(drop), column.end());
                std::nth_element(column.begin() + static_cast<std::ptrdiff_t>(drop), column.end() - static_cast<std::ptrdiff_t>(drop + 1),
                                 column.end());
            }
            double sum = 0.0;
            for (std::size_t i = drop; i < c - drop; ++i) sum += column[i];
            mean[k] = sum / static_cast<double>(c - 2 * drop);
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
    std::vector<double> times;      // fractional samples, at the reference
};

struct Fit {
    int unit = -1;
    long long base = 0;  // reference sample
    int phase = 0;       // reference at base + phase / up
    double error = 0.0;
};

class PeelOff {
public:
    PeelOff(std::vector<Unit>& units, const DecompositionCriteria& c, int core, int shift, int overlap)
        : units_(units), c_(c), core_(core), shift_(shift), overlap_(overlap) {}

    // The best acceptable fit of a unit whose reference lies near `peak`, if any.
    Fit best_fit(const std::vector<double>& r, long long peak) const {
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
            const double spike = unit.detect.at(unit.core_peak, 0);
            if (spike * at_peak <= 0.0) continue;
            const double ratio = at_peak / spike;
            if (ratio < prefilter_low || ratio > prefilter_high) continue;
            Candidate best{static_cast<int>(u), 0, std::numeric_limits<double>::infinity()};
            for (int s = -shift_; s <= shift_; ++s) {
                const long long base = peak - unit.core_peak + s;
                const double e = core_error(r, unit, base, 0);
                if (e < best.error) best = {static_cast<int>(u), base, e};
            }
            coarse.push_back(best);
        }
        std::sort(coarse.begin(), coarse.end(), [](const Candidate& a, const Candidate& b) { return a.error < b.error; });
        // Fine: the two best, +/- 1 sample and every phase; the best fit that
        // passes the size and explained-energy rules over the core and
        // improves the whole support.
        std::vector<Fit> fits;
        for (std::size_t i = 0; i < std::min<std::size_t>(2, coarse.size()); ++i) {
            const auto& u = units_[static_cast<std::size_t>(coarse[i].unit)];
            for (long long base = coarse[i].base - 1; base <= coarse[i].base + 1; ++base) {
                for (int j = 0; j < u.detect.up; ++j) {
                    double before = 0.0, after = 0.0, cross = 0.0, self = 0.0;
                    for (int k = u.core_peak - core_; k <= u.core_peak + core_; ++k) {
                        const double x = value(r, base + k), t = u.detect.at(k, j);
                        before += x * x;
                        after += (x - t) * (x - t);
                        cross += x * t;
                        self += t * t;
                    }
                    if (!(self > 0.0)) continue;
                    const double scale = cross / self;
                    if (scale < c_.fit_min_scale || scale > c_.fit_max_scale) continue;
                    if (after > (1.0 - c_.fit_min_explained) * before) continue;
                    fits.push_back({coarse[i].unit, base, j, after});
                }
            }
        }
        std::sort(fits.begin(), fits.end(), [](const Fit& a, const Fit& b) { return a.error < b.error; });
        for (const auto& f : fits) {
            const auto& u = units_[static_cast<std::size_t>(f.unit)];
            double whole_before = 0.0, whole_after = 0.0;
            for (int k = -u.detect.pre; k <= u.detect.post; ++k) {
                const double x = value(r, f.base + k), t = u.detect.at(k, f.phase);
                whole_before += x * x;
                whole_after += (x - t) * (x - t);
            }
            if (whole_after < whole_before) return f;
        }
        return Fit{};
    }

    // Two overlapping discharges: for each unit that could carry the peak, its
    // best alignment is taken out and the largest remaining peak within the
    // overlap window is fitted as usual; the pair is kept when together they
    // explain the window (fit_min_explained of its energy) and the first one's
    // size fits.
    std::vector<Fit> best_pair(const std::vector<double>& r, long long peak) const {
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
            PeelOff sub(units_, c_, core_, shift_, overlap_);
            const Fit second = sub.best_fit_offset(r1, p2 - offset, offset);
            if (second.unit < 0) continue;
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
        return best;
    }

    // best_fit on a window of the residual that starts at sample `offset`; the fit comes back in signal samples.
    Fit best_fit_offset(const std::vector<double>& window, long long peak, long long offset) const {
        Fit f = best_fit(window, peak);
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
                const Fit f = best_fit(r, static_cast<long long>(p.index));
                if (f.unit >= 0) {
                    fits.push_back(f);
                } else if (std::abs(r[p.index]) >= pair_min_threshold_ratio * threshold) {
                    fits = best_pair(r, static_cast<long long>(p.index));
                }
                if (fits.empty()) {
                    ++rejected_here;
                    continue;
                }
                for (const auto& fit : fits) {
                    subtract(r, fit);
                    const auto& w = units_[static_cast<std::size_t>(fit.unit)].detect;
                    for (long long k = fit.base - w.pre; k <= fit.base + w.post; ++k) {
                        if (k >= 0 && k < static_cast<long long>(next.size())) next[static_cast<std::size_t>(k)] = 1;
                    }
                    units_[static_cast<std::size_t>(fit.unit)].times.push_back(static_cast<double>(fit.base) +
                                                                                static_cast<double>(fit.phase) / w.up);
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

    std::vector<Unit>& units_;
    const DecompositionCriteria& c_;
    int core_, shift_, overlap_;
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
}


// Short intervals: no motor unit fires twice within short_isi at the efforts
// a MUAP analysis uses, so a unit with several is two units.
double short_isi_fraction(const std::vector<double>& times, double short_isi) {
    if (times.size() < 2) return 0.0;
    std::size_t n = 0;
    for (std::size_t i = 1; i < times.size(); ++i) n += (times[i] - times[i - 1] < short_isi) ? 1 : 0;
    return static_cast<double>(n) / static_cast<double>(times.size() - 1);
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
    const int reach = core + (b.core_peak - a.core_peak);
    for (int s = -reach; s <= reach; ++s) {
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

    // Peel-off, then each unit's waveform again from clean windows, twice;
    // units that explain too few discharges are dropped between rounds.
    std::vector<double> residual;
    for (int round = 0; round < rounds; ++round) {
        PeelOff peel(units, criteria, core, fshift, samples_of(overlap_ms));
        residual = peel.run(d, out.threshold_uv, dead, out.unexplained);
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
        // Units of similar waveform sorted together: too many short intervals.
        // Split in two while both halves fire more plausibly than the whole.
        for (int pass = 0; pass < split_passes; ++pass) {
            std::vector<Unit> split;
            bool any = false;
            for (auto& u : units) {
                const double whole = short_isi_fraction(u.times, short_isi);
                if (whole <= max_short_isi_fraction) {
                    split.push_back(std::move(u));
                    continue;
                }
                auto [ta, tb] = split_by_waveform(residual, u);
                const bool both = static_cast<int>(ta.size()) >= seed_min && static_cast<int>(tb.size()) >= seed_min &&
                                  short_isi_fraction(ta, short_isi) < split_gain * whole &&
                                  short_isi_fraction(tb, short_isi) < split_gain * whole;
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
            // Clean windows: residual + the unit's own fitted waveform.
            std::vector<std::vector<double>> minus(u.times.size(), std::vector<double>(static_cast<std::size_t>(spre + spost + 1)));
            for (std::size_t i = 0; i < u.times.size(); ++i) {
                const auto base = static_cast<long long>(std::floor(u.times[i]));
                int phase = static_cast<int>(std::lround((u.times[i] - static_cast<double>(base)) * up));
                for (int k = -spre; k <= spost; ++k) {
                    // average_fine subtracts `minus`: subtracting -own adds it back.
                    minus[i][static_cast<std::size_t>(k + spre)] = phase == up ? -u.detect.at(k - 1, 0) : -u.detect.at(k, phase);
                }
            }
            set_detect_waveform(u, average_fine(rf, u.times, spre, spost, up, &minus), core);
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
