#include "edx/emg/spontaneous_activity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include "edx/signals/table.hpp"
#include "waveform_clusters.hpp"

namespace edx::emg {

namespace {

constexpr const char* criteria_table = "norms/spontaneous_activity_criteria.json";
constexpr const char* grade_table = "norms/spontaneous_activity_grade.json";

// Half-widths of the windows events are compared and averaged in.
constexpr double compare_half_ms = 2.5;
constexpr double shift_ms = 1.0;
constexpr double average_pre_ms = 10.0;
constexpr double average_post_ms = 35.0;
constexpr double cluster_allowance = 0.1;
constexpr int max_complex_parts = 8;
constexpr double same_source_delay_s = 0.0025;
constexpr double pair_allowance = 0.03;
constexpr double satellite_reach_ms = 4.0;
constexpr double satellite_ratio = 0.6;

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

struct Event {
    std::size_t index = 0;    // detection peak (sample of the segment)
    double value = 0.0;
    double snr = 0.0;
    std::size_t aligned = 0;  // reference in its cluster's frame
    int cluster = -1;
    int train = -1;
};

double window_at(std::span<const float> x, long long i) { return detail::sample_at(x, i); }

// The median of the measurement signal around `at` (segment samples), baseline
// removed: a median, because other trains' potentials fall into some windows.
std::vector<double> median_waveform(std::span<const float> m, const std::vector<std::size_t>& at, int pre, int post) {
    std::vector<double> out(static_cast<std::size_t>(pre + post + 1), 0.0);
    if (at.empty()) return out;
    std::vector<double> column(at.size());
    for (int k = -pre; k <= post; ++k) {
        for (std::size_t j = 0; j < at.size(); ++j) column[j] = window_at(m, static_cast<long long>(at[j]) + k);
        auto mid = column.begin() + static_cast<std::ptrdiff_t>(column.size() / 2);
        std::nth_element(column.begin(), mid, column.end());
        double v = *mid;
        if (column.size() % 2 == 0) v = 0.5 * (v + *std::max_element(column.begin(), mid));
        out[static_cast<std::size_t>(k + pre)] = v;
    }
    const auto nb = static_cast<std::size_t>(std::max(1, std::min(pre, static_cast<int>(out.size()))));
    std::vector<double> base(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(nb));
    std::nth_element(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(base.size() / 2), base.end());
    const double b = base[base.size() / 2];
    for (auto& v : out) v -= b;
    return out;
}

// Whether b fires time-locked to a: the same rate (within 2%) and, for most
// of b's discharges (70%, at least 3), one of a's at a delay that varies by at
// most jitter_s (SD): two parts of one complex, not one train.
bool time_locked(const std::vector<double>& a, double pa, const std::vector<double>& b, double pb, double jitter_s,
                 double* delay = nullptr) {
    if (a.size() < 3 || b.size() < 3 || std::abs(pa - pb) > 0.02 * pa) return false;
    const double half = 0.5 * pa;
    std::vector<double> delays;
    for (double t : b) {
        auto it = std::lower_bound(a.begin(), a.end(), t - half);
        if (it != a.end() && std::abs(*it - t) < half) delays.push_back(t - *it);
    }
    if (delays.size() < 3 || static_cast<double>(delays.size()) < 0.7 * static_cast<double>(b.size())) return false;
    double mean = 0.0;
    for (double d : delays) mean += d;
    mean /= static_cast<double>(delays.size());
    double ss = 0.0;
    for (double d : delays) ss += (d - mean) * (d - mean);
    if (delay) *delay = mean;
    return std::sqrt(ss / static_cast<double>(delays.size() - 1)) <= jitter_s;
}

// Detections within the extent of a larger potential and much smaller than
// it are its own later or earlier phases, not potentials of their own.
std::vector<Peak> drop_satellites(std::vector<Peak> peaks, int reach, double ratio) {
    std::vector<bool> drop(peaks.size(), false);
    for (std::size_t i = 0; i < peaks.size(); ++i) {
        for (std::size_t j = i + 1; j < peaks.size() && peaks[j].index <= peaks[i].index + static_cast<std::size_t>(reach); ++j) {
            const double a = std::abs(peaks[i].value_uv), b = std::abs(peaks[j].value_uv);
            if (b < ratio * a) drop[j] = true;
            if (a < ratio * b) drop[i] = true;
        }
    }
    std::vector<Peak> kept;
    for (std::size_t i = 0; i < peaks.size(); ++i) {
        if (!drop[i]) kept.push_back(peaks[i]);
    }
    return kept;
}

}  // namespace

std::string_view to_string(SpontaneousClass kind) noexcept {
    switch (kind) {
        case SpontaneousClass::fibrillation: return "fibrillation";
        case SpontaneousClass::positive_sharp_wave: return "positive_sharp_wave";
        case SpontaneousClass::fasciculation: return "fasciculation";
        case SpontaneousClass::complex_repetitive_discharge: return "complex_repetitive_discharge";
        case SpontaneousClass::voluntary_muap: return "voluntary_muap";
        case SpontaneousClass::unclassified: return "unclassified";
    }
    return "unknown";
}

std::optional<SpontaneousClass> parse_spontaneous_class(std::string_view text) noexcept {
    for (auto k : {SpontaneousClass::fibrillation, SpontaneousClass::positive_sharp_wave, SpontaneousClass::fasciculation,
                   SpontaneousClass::complex_repetitive_discharge, SpontaneousClass::voluntary_muap,
                   SpontaneousClass::unclassified}) {
        if (to_string(k) == text) return k;
    }
    return std::nullopt;
}

bool is_denervation_potential(SpontaneousClass kind) noexcept {
    return kind == SpontaneousClass::fibrillation || kind == SpontaneousClass::positive_sharp_wave;
}

SpontaneousCriteria SpontaneousCriteria::from_tables() {
    auto c = [](const char* pointer) { return signals::constant(criteria_table, pointer); };
    const auto& firing = signals::table(criteria_table).at("firing");
    SpontaneousCriteria s;
    s.conditioning = ConditioningSettings::with_band(c("/detection/band_low_hz"), c("/detection/band_high_hz"));
    s.threshold_sd = c("/detection/threshold_sd");
    s.dead_time_ms = c("/detection/dead_time_ms");
    s.shape = ShapeCriteria::from_table();
    s.measurement = MuapCriteria::from_table();
    s.regular_max_cv2 = c("/firing/regular_max_cv");
    s.search.regular_max_cv2 = s.regular_max_cv2;
    s.search.min_discharges = static_cast<int>(std::lround(c("/firing/train_min_discharges")));
    s.search.max_missed = static_cast<int>(std::lround(c("/firing/train_max_missed")));
    s.search.tolerance = c("/firing/train_interval_tolerance");
    s.search.min_period_s = 1.0 / firing.at("crd_rate_hz").at("max").get<double>();
    s.search.max_period_s = 1.0 / firing.at("fibrillation_rate_hz").at("min").get<double>();
    s.time_locked_max_jitter_ms = c("/firing/time_locked_max_jitter_ms");
    s.complex_max_span_s = c("/firing/complex_max_span_ms") / 1000.0;
    s.crd_min_rate_hz = firing.at("crd_rate_hz").at("min").get<double>();
    s.voluntary_min_rate_hz = c("/firing/voluntary_min_rate_hz");
    s.isolated_min_snr = c("/firing/isolated_min_snr");
    s.train_min_coverage = c("/firing/train_min_coverage");
    s.completion_min_snr = c("/firing/completion_min_snr");
    s.persistence_s = signals::constant(grade_table, "/persistence_s");
    s.validate();
    return s;
}

void SpontaneousCriteria::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("SpontaneousCriteria: " + what); };
    conditioning.validate();
    shape.validate();
    measurement.validate();
    search.validate();
    if (!(threshold_sd > 0.0)) fail("threshold_sd must be > 0");
    if (!(dead_time_ms > 0.0)) fail("dead_time_ms must be > 0");
    if (!(regular_max_cv2 > 0.0)) fail("regular_max_cv2 must be > 0");
    if (!(time_locked_max_jitter_ms > 0.0)) fail("time_locked_max_jitter_ms must be > 0");
    if (!(complex_max_span_s > 0.0)) fail("complex_max_span_s must be > 0");
    if (!(crd_min_rate_hz > 0.0)) fail("crd_min_rate_hz must be > 0");
    if (!(voluntary_min_rate_hz > 0.0)) fail("voluntary_min_rate_hz must be > 0");
    if (!(isolated_min_snr >= threshold_sd)) fail("isolated_min_snr must be >= threshold_sd");
    if (!(persistence_s >= 0.0)) fail("persistence_s must be >= 0");
    if (!(completion_min_snr > 0.0)) fail("completion_min_snr must be > 0");
    if (!(train_min_coverage >= 0.0 && train_min_coverage <= 1.0)) fail("train_min_coverage must be in [0, 1]");
}

std::size_t SpontaneousResult::count(SpontaneousClass kind) const noexcept {
    return static_cast<std::size_t>(
        std::count_if(discharges.begin(), discharges.end(), [&](const SpontaneousDischarge& d) { return d.kind == kind; }));
}

double SpontaneousResult::per_minute(SpontaneousClass kind) const noexcept {
    return duration_s > 0.0 ? 60.0 * static_cast<double>(count(kind)) / duration_s : 0.0;
}

int grade_for_trains(int trains) {
    int grade = 0;
    for (const auto& g : signals::table(grade_table).at("grades")) {
        if (trains >= g.at("trains_min").at("value").get<double>()) grade = g.at("grade").get<int>();
    }
    return grade;
}

std::string grade_label(int grade) {
    for (const auto& g : signals::table(grade_table).at("grades")) {
        if (g.at("grade").get<int>() == grade) return g.at("label").get<std::string>();
    }
    throw std::out_of_range("grade_label: no grade " + std::to_string(grade) + " in signals/" + grade_table);
}

SpontaneousResult analyse_spontaneous(std::span<const float> samples, double fs, double start_s,
                                      const SpontaneousCriteria& criteria) {
    criteria.validate();
    if (!(fs > 0.0) || !std::isfinite(fs)) throw std::invalid_argument("analyse_spontaneous: sample_rate_hz must be > 0");
    if (static_cast<double>(samples.size()) < 0.5 * fs) {
        throw std::invalid_argument("analyse_spontaneous: the segment must last at least 0.5 s");
    }
    const auto sig = condition(samples, fs, criteria.conditioning);
    const std::span<const float> d = sig.detection_uv;
    const std::span<const float> m = sig.measurement_uv;
    auto samples_of = [fs](double ms) { return std::max(1, static_cast<int>(std::lround(ms * fs / 1000.0))); };
    const int H = samples_of(compare_half_ms), S = samples_of(shift_ms);
    const int pre = samples_of(average_pre_ms), post = samples_of(average_post_ms);

    SpontaneousResult out;
    out.start_s = start_s;
    out.duration_s = static_cast<double>(samples.size()) / fs;
    out.noise_sd_uv = robust_noise_sd(d, fs);
    const double sigma = std::max(out.noise_sd_uv, 1e-6);
    out.threshold_uv = criteria.threshold_sd * sigma;
    const double m_sigma = std::max(robust_noise_sd(m, fs), 1e-6);

    // Detection.
    std::vector<Event> events;
    const auto peaks = drop_satellites(
        detect_peaks(d, out.threshold_uv, static_cast<std::size_t>(samples_of(criteria.dead_time_ms))),
        samples_of(satellite_reach_ms), satellite_ratio);
    for (const auto& p : peaks) {
        Event e;
        e.index = p.index;
        e.value = p.value_uv;
        e.snr = std::abs(p.value_uv) / sigma;
        events.push_back(e);
    }

    // Sorting by waveform: largest first, each joins the nearest cluster it
    // matches within the noise (plus 10% of its energy), else starts one.
    const double noise_bound = detail::noise_bound(H, sigma);
    std::vector<detail::ClusteredEvent> to_sort(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) to_sort[i] = {events[i].index, events[i].value, 0, -1};
    const auto sorted = detail::cluster_waveforms(d, to_sort, H, S, sigma, cluster_allowance);
    for (std::size_t i = 0; i < events.size(); ++i) {
        events[i].aligned = to_sort[i].aligned;
        events[i].cluster = to_sort[i].cluster;
    }
    const auto W = static_cast<std::size_t>(2 * (H + S) + 1);
    struct ClusterMembers {
        std::vector<std::size_t> members;
    };
    std::vector<ClusterMembers> clusters;
    for (const auto& m_list : sorted.members) clusters.push_back({m_list});

    // Trains within each cluster.
    struct Found {
        int cluster;
        Chain chain;
        std::vector<std::size_t> events;  // event indices in time order
    };
    std::vector<Found> found;
    const double jitter_s = criteria.time_locked_max_jitter_ms / 1000.0;
    std::vector<bool> complex_part(events.size(), false);
    std::vector<int> cluster_parts(clusters.size(), 1);
    for (std::size_t c = 0; c < clusters.size(); ++c) {
        auto members = clusters[c].members;
        std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) { return events[a].aligned < events[b].aligned; });
        std::vector<double> times;
        std::vector<std::size_t> kept;
        for (auto ei : members) {
            const double t = static_cast<double>(events[ei].aligned) / fs;
            if (!times.empty() && !(t > times.back())) continue;
            times.push_back(t);
            kept.push_back(ei);
        }
        // Parts of one complex: potentials of this waveform firing at a fixed
        // short delay after another of it, over and over (the fibres of a
        // complex repetitive discharge), are taken into the first one.
        int parts = 1;
        for (int family = 0; family < max_complex_parts && times.size() >= 5; ++family) {
            std::vector<double> lags;
            for (std::size_t i = 0; i < times.size(); ++i) {
                for (std::size_t j = i + 1; j < times.size() && times[j] - times[i] <= criteria.complex_max_span_s; ++j) {
                    lags.push_back(times[j] - times[i]);
                }
            }
            std::sort(lags.begin(), lags.end());
            std::size_t best_count = 0;
            double best_lag = 0.0;
            for (std::size_t i = 0, j = 0; i < lags.size(); ++i) {
                while (lags[i] - lags[j] > 2.0 * jitter_s) ++j;
                if (i - j + 1 > best_count) {
                    best_count = i - j + 1;
                    best_lag = 0.5 * (lags[i] + lags[j]);
                }
            }
            if (best_count < std::max<std::size_t>(5, static_cast<std::size_t>(0.3 * static_cast<double>(times.size())))) break;
            std::vector<bool> part(times.size(), false);
            for (std::size_t i = 0; i < times.size(); ++i) {
                if (part[i]) continue;
                for (std::size_t j = i + 1; j < times.size() && times[j] - times[i] <= best_lag + jitter_s; ++j) {
                    if (std::abs(times[j] - times[i] - best_lag) <= jitter_s) part[j] = true;
                }
            }
            std::vector<double> t2;
            std::vector<std::size_t> k2;
            for (std::size_t i = 0; i < times.size(); ++i) {
                if (part[i]) {
                    complex_part[kept[i]] = true;
                } else {
                    t2.push_back(times[i]);
                    k2.push_back(kept[i]);
                }
            }
            times = std::move(t2);
            kept = std::move(k2);
            ++parts;
        }
        cluster_parts[c] = parts;
        // Discharges of one train agree within the noise of two detections
        // (plus a little for sub-sample misalignment); two fibres of similar
        // shape in one cluster differ by more.
        std::vector<std::vector<float>> windows(kept.size());
        std::vector<double> energy(kept.size(), 0.0);
        for (std::size_t k = 0; k < kept.size(); ++k) {
            windows[k].resize(static_cast<std::size_t>(2 * H + 1));
            for (int j = -H; j <= H; ++j) {
                const double v = window_at(d, static_cast<long long>(events[kept[k]].aligned) + j);
                windows[k][static_cast<std::size_t>(j + H)] = static_cast<float>(v);
                energy[k] += v * v;
            }
        }
        const Compatible compatible = [&](std::size_t a, std::size_t b) {
            double dist = 0.0;
            for (std::size_t j = 0; j < windows[a].size(); ++j) {
                const double e = windows[a][j] - windows[b][j];
                dist += e * e;
            }
            return dist <= 2.0 * noise_bound + pair_allowance * std::max(energy[a], energy[b]);
        };
        for (auto& chain : find_chains(times, criteria.search, compatible)) {
            Found f{static_cast<int>(c), chain, {}};
            for (auto k : chain.members) f.events.push_back(kept[k]);
            found.push_back(std::move(f));
        }
    }

    auto times_of = [&](const Found& f) {
        std::vector<double> t;
        for (auto ei : f.events) t.push_back(static_cast<double>(events[ei].aligned) / fs);
        return t;
    };
    auto rebuild = [&](Found& f) {
        std::sort(f.events.begin(), f.events.end(), [&](std::size_t a, std::size_t b) { return events[a].aligned < events[b].aligned; });
        f.events.erase(std::unique(f.events.begin(), f.events.end(),
                                   [&](std::size_t a, std::size_t b) { return events[a].aligned == events[b].aligned; }),
                       f.events.end());
        const auto t = times_of(f);
        f.chain = describe_chain(t);
    };

    // One train split between waveform clusters (its discharges varied with
    // the noise) is joined back when the parts share its lattice of periods.
    for (bool merged = true; merged;) {
        merged = false;
        for (std::size_t a = 0; a < found.size() && !merged; ++a) {
            for (std::size_t b = a + 1; b < found.size() && !merged; ++b) {
                const auto ta = times_of(found[a]), tb = times_of(found[b]);
                double delay = 0.0;
                if (time_locked(ta, found[a].chain.period_s, tb, found[b].chain.period_s, jitter_s, &delay)) {
                    // The same discharges sorted twice (aligned on different phases
                    // of one waveform) lie within the sorting's reach of each other;
                    // potentials further apart are parts of one complex.
                    if (std::abs(delay) > same_source_delay_s) continue;
                    found[b].events.clear();
                    found.erase(found.begin() + static_cast<std::ptrdiff_t>(b));
                    merged = true;
                    continue;
                }
                if (!same_lattice(ta, found[a].chain.period_s, tb, found[b].chain.period_s, criteria.search.tolerance,
                                  criteria.search.min_period_s)) {
                    continue;
                }
                // Sparse trains fit some common lattice by chance: the union
                // must still fire regularly to be one train.
                {
                    std::vector<double> u;
                    std::merge(ta.begin(), ta.end(), tb.begin(), tb.end(), std::back_inserter(u));
                    u.erase(std::unique(u.begin(), u.end()), u.end());
                    if (u.size() >= 3 && describe_chain(u).cv2 > criteria.regular_max_cv2) continue;
                }
                found[a].events.insert(found[a].events.end(), found[b].events.begin(), found[b].events.end());
                rebuild(found[a]);
                found.erase(found.begin() + static_cast<std::ptrdiff_t>(b));
                merged = true;
            }
        }
    }

    // Completion: a regular train predicts where its missed discharges lie;
    // there the train's waveform is matched against the detection signal, and
    // a fit within the noise (its matched-filter output at least
    // completion_min_snr noise SDs) is taken as a discharge.
    std::vector<bool> in_train(events.size(), false);
    for (const auto& f : found) {
        if (f.chain.cv2 > criteria.regular_max_cv2) continue;
        for (auto ei : f.events) in_train[ei] = true;
    }
    for (auto& f : found) {
        if (f.chain.cv2 > criteria.regular_max_cv2) continue;
        // The train's waveform in the detection signal.
        std::vector<double> tpl(W, 0.0);
        for (auto ei : f.events) {
            for (std::size_t k = 0; k < W; ++k) tpl[k] += window_at(d, static_cast<long long>(events[ei].aligned) + static_cast<long long>(k) - (H + S));
        }
        for (auto& v : tpl) v /= static_cast<double>(f.events.size());
        double tt = 0.0;
        for (int k = -H; k <= H; ++k) tt += tpl[static_cast<std::size_t>(k + H + S)] * tpl[static_cast<std::size_t>(k + H + S)];
        if (!(tt > 0.0)) continue;
        const double p = f.chain.period_s * fs;  // samples
        const double jitter = std::max(0.01, f.chain.cv2 / 1.13) * p;
        auto fit_at = [&](double expected, int periods) -> long long {
            const double w = std::min(0.0005 * fs + 3.0 * jitter * std::sqrt(static_cast<double>(periods)),
                                      0.0005 * fs + criteria.search.tolerance * p);
            const auto lo = static_cast<long long>(std::floor(expected - w)), hi = static_cast<long long>(std::ceil(expected + w));
            if (hi < 0 || lo >= static_cast<long long>(d.size())) return -1;
            long long best = -1;
            double best_c = 0.0;
            for (long long n = std::max<long long>(lo, 0); n <= std::min<long long>(hi, static_cast<long long>(d.size()) - 1); ++n) {
                double c = 0.0;
                for (int k = -H; k <= H; ++k) c += window_at(d, n + k) * tpl[static_cast<std::size_t>(k + H + S)];
                if (c > best_c) {
                    best_c = c;
                    best = n;
                }
            }
            if (best < 0 || best_c / (sigma * std::sqrt(tt)) < criteria.completion_min_snr) return -1;
            const double a = best_c / tt;
            if (a < 0.5 || a > 1.6) return -1;
            double dist = 0.0, ex = 0.0;
            for (int k = -H; k <= H; ++k) {
                const double x = window_at(d, best + k);
                const double e = x - tpl[static_cast<std::size_t>(k + H + S)];
                dist += e * e;
                ex += x * x;
            }
            if (dist > noise_bound + 0.1 * std::max(ex, tt)) return -1;
            return best;
        };
        const long long dead = samples_of(criteria.dead_time_ms);
        auto occupied = [&](long long n) {
            for (auto ei : f.events) {
                if (std::abs(static_cast<long long>(events[ei].aligned) - n) < dead) return true;
            }
            return false;
        };
        auto add = [&](long long n) {
            // A detected event there outside any train is taken over; one of
            // another train is left to it; else the discharge is new.
            for (std::size_t i = 0; i < events.size(); ++i) {
                if (std::abs(static_cast<long long>(events[i].aligned) - n) > dead) continue;
                if (in_train[i]) return;
                in_train[i] = true;
                events[i].aligned = static_cast<std::size_t>(n);
                f.events.push_back(i);
                return;
            }
            Event e;
            e.index = e.aligned = static_cast<std::size_t>(n);
            e.value = d[static_cast<std::size_t>(n)];
            e.snr = std::abs(e.value) / sigma;
            e.cluster = f.cluster;
            events.push_back(e);
            in_train.push_back(true);
            f.events.push_back(events.size() - 1);
        };
        std::vector<long long> known;
        for (auto ei : f.events) known.push_back(static_cast<long long>(events[ei].aligned));
        // Inside the train: the gaps of more than one period.
        for (std::size_t k = 1; k < known.size(); ++k) {
            const double gap = static_cast<double>(known[k] - known[k - 1]);
            const int steps = static_cast<int>(std::lround(gap / p));
            for (int j = 1; j < steps; ++j) {
                const long long n = fit_at(static_cast<double>(known[k - 1]) + j * gap / steps, std::min(j, steps - j));
                if (n >= 0 && !occupied(n)) add(n);
            }
        }
        // Beyond its ends, while it keeps being found.
        for (int direction : {+1, -1}) {
            double last = static_cast<double>(direction > 0 ? known.back() : known.front());
            int missed = 0;
            for (;;) {
                const int k = missed + 1;
                const double expected = last + direction * k * p;
                if (expected < 0.0 || expected >= static_cast<double>(d.size())) break;
                const long long n = fit_at(expected, k);
                if (n >= 0 && !occupied(n)) {
                    add(n);
                    last = static_cast<double>(n);
                    missed = 0;
                } else if (++missed > criteria.search.max_missed) {
                    break;
                }
            }
        }
        rebuild(f);
    }

    auto classify_train = [&](const std::vector<std::size_t>& at, SpontaneousTrain& t, std::span<const float> from) {
        t.template_uv = median_waveform(from, at, pre, post);
        t.template_reference = static_cast<std::size_t>(pre);
        // The median of n Gaussian samples has 1.25 times the SD of their mean.
        t.noise_sd_uv = 1.25 * m_sigma / std::sqrt(static_cast<double>(at.size()));
        t.shape = classify_shape(t.template_uv, fs, t.template_reference, t.noise_sd_uv, criteria.shape);
        t.parameters = measure_muap(t.template_uv, fs, criteria.measurement);
    };

    // Regular trains are classified by shape; irregular chains go back to their cluster.
    for (auto& f : found) {
        SpontaneousTrain t;
        std::vector<std::size_t> at;
        for (auto ei : f.events) at.push_back(events[ei].aligned);
        t.rate_hz = 1.0 / f.chain.period_s;
        t.cv2 = f.chain.cv2;
        // Regular, and present at enough of the periods it spans: a few
        // discharges many periods apart can line up by chance.
        const double span_periods = (static_cast<double>(events[f.events.back()].aligned) -
                                     static_cast<double>(events[f.events.front()].aligned)) / fs / f.chain.period_s;
        const double coverage = static_cast<double>(f.events.size()) / (std::round(span_periods) + 1.0);
        t.regular = t.cv2 <= criteria.regular_max_cv2 && coverage >= criteria.train_min_coverage;
        if (!t.regular) continue;
        classify_train(at, t, m);
        // Discharge times are those of the main peak of the averaged waveform.
        const auto shift = static_cast<long long>(t.shape.main_index) - static_cast<long long>(t.template_reference);
        for (auto ei : f.events) {
            const long long moved = static_cast<long long>(events[ei].aligned) + shift;
            events[ei].aligned = static_cast<std::size_t>(std::max<long long>(0, moved));
            t.times_s.push_back(start_s + static_cast<double>(events[ei].aligned) / fs);
        }
        t.template_reference = t.shape.main_index;
        t.time_locked_parts = cluster_parts[static_cast<std::size_t>(f.cluster)];
        if (t.time_locked_parts > 1) {
            t.kind = SpontaneousClass::complex_repetitive_discharge;
        } else {
            switch (t.shape.shape) {
                case ShapeClass::fibrillation_like: t.kind = SpontaneousClass::fibrillation; break;
                case ShapeClass::positive_sharp_wave_like: t.kind = SpontaneousClass::positive_sharp_wave; break;
                case ShapeClass::complex: t.kind = SpontaneousClass::complex_repetitive_discharge; break;
            }
        }
        // A complex potential repeating regularly below the CRDs' lowest rate is a chance alignment of a motor unit's discharges.
        if (t.kind == SpontaneousClass::complex_repetitive_discharge && t.rate_hz < criteria.crd_min_rate_hz) continue;
        t.reason = "regular firing (CV2 " + fmt("%.3f", t.cv2) + " at " + fmt("%.1f Hz", t.rate_hz) + "), " +
                   (t.time_locked_parts > 1 ? std::to_string(t.time_locked_parts) + " potentials firing time-locked as one complex"
                                            : t.shape.reason);
        const int id = static_cast<int>(out.trains.size());
        for (auto ei : f.events) events[ei].train = id;
        out.trains.push_back(std::move(t));
    }

    // Potentials of different clusters firing time-locked at one rate are parts of one complex.
    std::vector<bool> absorbed(out.trains.size(), false);
    for (std::size_t a = 0; a < out.trains.size(); ++a) {
        for (std::size_t b = 0; b < out.trains.size(); ++b) {
            if (a == b || absorbed[a] || absorbed[b]) continue;
            auto& ta = out.trains[a];
            auto& tb = out.trains[b];
            if (ta.times_s.size() < tb.times_s.size()) continue;
            if (!time_locked(ta.times_s, 1.0 / ta.rate_hz, tb.times_s, 1.0 / tb.rate_hz, jitter_s)) continue;
            absorbed[b] = true;
            ta.time_locked_parts += tb.time_locked_parts;
            ta.kind = SpontaneousClass::complex_repetitive_discharge;
            ta.reason = "regular firing (CV2 " + fmt("%.3f", ta.cv2) + " at " + fmt("%.1f Hz", ta.rate_hz) + "), " +
                        std::to_string(ta.time_locked_parts) + " potentials firing time-locked as one complex";
        }
    }
    // One fibre's train found twice (its discharges sorted into two waveform
    // clusters, or its rate drifting between two chains): fibrillations and
    // positive sharp waves of one class whose discharges never coincide and
    // whose union still fires regularly. Two fibres at similar rates
    // interleave at a changing phase, so their union is irregular.
    std::vector<int> joined_to(out.trains.size(), -1);
    {
        const double dead_s = criteria.dead_time_ms / 1000.0;
        std::vector<std::size_t> order(out.trains.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return out.trains[a].times_s.size() > out.trains[b].times_s.size(); });
        for (std::size_t ia = 0; ia < order.size(); ++ia) {
            const auto a = order[ia];
            if (absorbed[a] || !is_denervation_potential(out.trains[a].kind)) continue;
            for (std::size_t ib = ia + 1; ib < order.size(); ++ib) {
                const auto b = order[ib];
                auto& ta = out.trains[a];
                const auto& tb = out.trains[b];
                if (absorbed[b] || tb.kind != ta.kind) continue;
                std::vector<double> u;
                std::merge(ta.times_s.begin(), ta.times_s.end(), tb.times_s.begin(), tb.times_s.end(), std::back_inserter(u));
                bool apart = true;
                for (std::size_t k = 1; k < u.size() && apart; ++k) apart = u[k] - u[k - 1] > dead_s;
                if (!apart) continue;
                const auto chain = describe_chain(u);
                if (chain.cv2 > criteria.regular_max_cv2) continue;
                ta.times_s = std::move(u);
                ta.rate_hz = 1.0 / chain.period_s;
                ta.cv2 = chain.cv2;
                absorbed[b] = true;
                joined_to[b] = static_cast<int>(a);
            }
        }
    }

    // Renumber, dropping absorbed trains (their discharges are parts of the
    // complexes kept, or of the train they were joined to).
    std::vector<int> new_id(out.trains.size(), -1);
    {
        std::vector<SpontaneousTrain> kept;
        for (std::size_t i = 0; i < out.trains.size(); ++i) {
            if (absorbed[i]) continue;
            new_id[i] = static_cast<int>(kept.size());
            kept.push_back(std::move(out.trains[i]));
        }
        out.trains = std::move(kept);
        for (std::size_t i = 0; i < joined_to.size(); ++i) {
            if (joined_to[i] >= 0) new_id[i] = new_id[static_cast<std::size_t>(joined_to[i])];
        }
    }
    std::vector<bool> dropped(events.size(), false);
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (events[i].train < 0) continue;
        const int id = new_id[static_cast<std::size_t>(events[i].train)];
        if (id < 0) dropped[i] = true;
        events[i].train = id;
    }

    for (auto& t : out.trains) {
        const double span = t.times_s.back() - t.times_s.front() + 1.0 / t.rate_hz;
        t.persistent = span > criteria.persistence_s;
        t.graded = t.persistent && is_denervation_potential(t.kind);
        out.graded_trains += t.graded ? 1 : 0;
    }
    out.grade = grade_for_trains(out.graded_trains);

    // Discharges outside trains: by their cluster's waveform and rate. A
    // cluster with trains is read from all its discharges (its leftovers are
    // mostly the trains' missed ones); one without, from the signal with the
    // trains' averaged waveforms taken out, so a potential that happened to
    // overlap a train is seen on its own.
    std::vector<float> residual(m.begin(), m.end());
    for (const auto& t : out.trains) {
        for (double time : t.times_s) {
            const auto at = static_cast<long long>(std::lround((time - start_s) * fs)) - static_cast<long long>(t.template_reference);
            for (std::size_t k = 0; k < t.template_uv.size(); ++k) {
                const long long i = at + static_cast<long long>(k);
                if (i >= 0 && i < static_cast<long long>(residual.size())) residual[static_cast<std::size_t>(i)] -= static_cast<float>(t.template_uv[k]);
            }
        }
    }
    std::vector<SpontaneousClass> leftover_class(clusters.size(), SpontaneousClass::unclassified);
    for (std::size_t c = 0; c < clusters.size(); ++c) {
        std::vector<std::size_t> all, rest;
        for (auto ei : clusters[c].members) {
            if (dropped[ei]) continue;
            all.push_back(events[ei].aligned);
            if (events[ei].train < 0) rest.push_back(events[ei].aligned);
        }
        if (rest.empty()) continue;
        SpontaneousTrain t;
        if (all.size() > rest.size()) {
            classify_train(all, t, m);
        } else {
            classify_train(rest, t, residual);
        }
        const std::size_t leftovers = rest.size();
        const double rate = static_cast<double>(leftovers) / out.duration_s;
        switch (t.shape.shape) {
            case ShapeClass::fibrillation_like: leftover_class[c] = SpontaneousClass::fibrillation; break;
            case ShapeClass::positive_sharp_wave_like: leftover_class[c] = SpontaneousClass::positive_sharp_wave; break;
            case ShapeClass::complex:
                leftover_class[c] = rate >= criteria.voluntary_min_rate_hz ? SpontaneousClass::voluntary_muap
                                                                           : SpontaneousClass::fasciculation;
                break;
        }
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        if (dropped[i] || (i < complex_part.size() && complex_part[i])) continue;
        SpontaneousDischarge dsc;
        dsc.time_s = start_s + static_cast<double>(e.train >= 0 ? e.aligned : e.index) / fs;
        dsc.train = e.train;
        dsc.peak_snr = e.snr;
        if (e.train >= 0) {
            dsc.kind = out.trains[static_cast<std::size_t>(e.train)].kind;
        } else if (e.snr >= criteria.isolated_min_snr) {
            dsc.kind = leftover_class[static_cast<std::size_t>(e.cluster)];
        }
        out.discharges.push_back(dsc);
    }
    std::sort(out.discharges.begin(), out.discharges.end(),
              [](const SpontaneousDischarge& a, const SpontaneousDischarge& b) { return a.time_s < b.time_s; });
    return out;
}

}  // namespace edx::emg
