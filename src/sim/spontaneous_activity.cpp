#include "edx/sim/spontaneous_activity.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "edx/sim/fibre_potential.hpp"
#include "needle_emg_table.hpp"

namespace edx::sim {

namespace nt = needle_table;

std::string_view to_string(SpontaneousClass kind) noexcept {
    switch (kind) {
        case SpontaneousClass::fibrillation: return "fibrillation";
        case SpontaneousClass::positive_sharp_wave: return "positive_sharp_wave";
        case SpontaneousClass::fasciculation: return "fasciculation";
        case SpontaneousClass::complex_repetitive_discharge: return "complex_repetitive_discharge";
    }
    return "unknown";
}

std::optional<SpontaneousClass> parse_spontaneous_class(std::string_view text) noexcept {
    for (auto k : {SpontaneousClass::fibrillation, SpontaneousClass::positive_sharp_wave,
                   SpontaneousClass::fasciculation, SpontaneousClass::complex_repetitive_discharge}) {
        if (to_string(k) == text) return k;
    }
    return std::nullopt;
}

bool is_denervation_potential(SpontaneousClass kind) noexcept {
    return kind == SpontaneousClass::fibrillation || kind == SpontaneousClass::positive_sharp_wave;
}

void SpontaneousTrainSpec::validate() const {
    auto check = [this](bool ok, const std::string& what) {
        if (!ok) throw std::invalid_argument("SpontaneousTrainSpec (" + std::string(to_string(kind)) + "): " + what);
    };
    check(std::isfinite(amplitude_uv) && amplitude_uv >= 0.0, "amplitude_uv must be >= 0 and finite");
    check(kind == SpontaneousClass::fasciculation || amplitude_uv > 0.0, "amplitude_uv must be > 0");
    check(std::isfinite(rate_hz) && rate_hz > 0.0 && rate_hz <= 500.0, "rate_hz must be in (0, 500]");
    check(std::isfinite(final_rate_ratio) && final_rate_ratio > 0.0, "final_rate_ratio must be > 0");
    check(std::isfinite(isi_cv) && isi_cv >= 0.0 && isi_cv <= 0.5, "isi_cv must be in [0, 0.5]");
    check(std::isfinite(start_s) && start_s >= 0.0 && stop_s > start_s, "need 0 <= start_s < stop_s");
    check(std::isnan(distance_mm) || (distance_mm >= 0.0 && distance_mm <= 5.0), "distance_mm must be NaN or in [0, 5]");
    if (kind == SpontaneousClass::positive_sharp_wave) {
        check(psw_rise_sd_ms > 0.0 && psw_fall_ms > 0.0, "psw_rise_sd_ms and psw_fall_ms must be > 0");
        check(psw_duration_ms >= 4.0 * psw_rise_sd_ms + psw_fall_ms + 1.0,
              "psw_duration_ms must exceed 4 psw_rise_sd_ms + psw_fall_ms + 1 ms");
        check(psw_negative_ratio > 0.0 && psw_negative_ratio <= 1.0, "psw_negative_ratio must be in (0, 1]");
        check(psw_return_skew > 0.5 && psw_return_skew <= 2.0, "psw_return_skew must be in (0.5, 2]");
    }
    if (kind == SpontaneousClass::complex_repetitive_discharge) {
        check(crd_fibres >= 1 && crd_fibres <= 100, "crd_fibres must be in [1, 100]");
        check(crd_span_ms >= 0.0 && crd_span_ms < 1000.0 / rate_hz, "crd_span_ms must be >= 0 and shorter than 1 / rate_hz");
    }
    if (kind == SpontaneousClass::fasciculation) {
        check(fasciculation_min_interval_ms >= 0.0 && fasciculation_min_interval_ms < 1000.0 / rate_hz,
              "fasciculation_min_interval_ms must be >= 0 and shorter than 1 / rate_hz");
    }
}

SpontaneousRanges SpontaneousRanges::from_table() {
    const auto P = nt::physiology;
    auto iv = [&](const char* pointer) { return nt::interval(P, pointer); };
    auto val = [&](const char* pointer) { return nt::value(P, pointer); };
    SpontaneousRanges r;
    r.fib_amplitude_uv = iv("/fibrillation/amplitude_uv");
    r.fib_rate_hz = iv("/fibrillation/rate_hz");
    r.fib_isi_cv = iv("/fibrillation/isi_cv");
    r.fib_final_rate_ratio = iv("/fibrillation/final_rate_ratio");
    r.fib_nominal_diameter_um = val("/fibrillation/nominal_fibre_diameter_um");
    r.fib_distance_log_sd = val("/fibrillation/distance_log_sd");
    r.psw_amplitude_uv = iv("/positive_sharp_wave/amplitude_uv");
    r.psw_rate_hz = iv("/positive_sharp_wave/rate_hz");
    r.psw_isi_cv = iv("/positive_sharp_wave/isi_cv");
    r.psw_final_rate_ratio = iv("/positive_sharp_wave/final_rate_ratio");
    r.psw_duration_ms = iv("/positive_sharp_wave/duration_ms");
    r.psw_rise_sd_ms = iv("/positive_sharp_wave/rise_sd_ms");
    r.psw_fall_ms = iv("/positive_sharp_wave/fall_ms");
    r.psw_negative_ratio = iv("/positive_sharp_wave/negative_ratio");
    r.psw_return_skew = val("/positive_sharp_wave/return_skew");
    r.psw_fraction = val("/positive_sharp_wave/psw_fraction");
    r.fasciculation_rate_hz = iv("/fasciculation/rate_hz");
    r.fasciculation_min_interval_ms = val("/fasciculation/min_interval_ms");
    r.crd_rate_hz = iv("/complex_repetitive_discharge/typical_rate_hz");
    r.crd_amplitude_uv = iv("/complex_repetitive_discharge/amplitude_uv");
    r.crd_fibres = iv("/complex_repetitive_discharge/fibres");
    r.crd_span_ms = iv("/complex_repetitive_discharge/complex_span_ms");
    r.crd_isi_cv = iv("/complex_repetitive_discharge/isi_cv");
    r.crd_burst_s = iv("/complex_repetitive_discharge/burst_s");
    const auto& points = nt::entry(P, "/fibrillation/amplitude_by_lesion_age");
    for (std::size_t i = 0; i < points.size(); ++i) {
        const std::string at = "/fibrillation/amplitude_by_lesion_age/" + std::to_string(i);
        r.max_amplitude_by_age.emplace_back(nt::value(P, at + "/age_months"), nt::value(P, at + "/max_amplitude_uv"));
    }
    return r;
}

double SpontaneousRanges::max_amplitude_uv_at(double months) const noexcept {
    const auto& p = max_amplitude_by_age;
    if (p.empty()) return fib_amplitude_uv.max;
    if (months <= p.front().first) return p.front().second;
    for (std::size_t i = 1; i < p.size(); ++i) {
        if (months <= p[i].first) {
            const double f = (months - p[i - 1].first) / (p[i].first - p[i - 1].first);
            return p[i - 1].second + f * (p[i].second - p[i - 1].second);
        }
    }
    return p.back().second;
}

SpontaneousTrainSpec draw_train(SpontaneousClass kind, const SpontaneousRanges& ranges,
                                std::optional<double> lesion_age_months, double start_s, double stop_s,
                                Random& random) {
    SpontaneousTrainSpec s;
    s.kind = kind;
    s.start_s = start_s;
    s.stop_s = stop_s;
    auto capped = [&](Interval amplitude) {
        if (lesion_age_months) amplitude.max = std::max(amplitude.min, ranges.max_amplitude_uv_at(*lesion_age_months));
        return amplitude;
    };
    switch (kind) {
        case SpontaneousClass::fibrillation:
            s.amplitude_uv = capped(ranges.fib_amplitude_uv).draw_log(random);
            s.rate_hz = ranges.fib_rate_hz.draw_log(random);
            s.isi_cv = ranges.fib_isi_cv.draw(random);
            // A slowing train stays within the documented rates (SP-spont: 0.5-15 Hz).
            s.final_rate_ratio = std::max(ranges.fib_final_rate_ratio.draw(random), ranges.fib_rate_hz.min / s.rate_hz);
            break;
        case SpontaneousClass::positive_sharp_wave:
            s.amplitude_uv = capped(ranges.psw_amplitude_uv).draw_log(random);
            s.rate_hz = ranges.psw_rate_hz.draw_log(random);
            s.isi_cv = ranges.psw_isi_cv.draw(random);
            s.final_rate_ratio = std::max(ranges.psw_final_rate_ratio.draw(random), ranges.psw_rate_hz.min / s.rate_hz);
            s.psw_duration_ms = ranges.psw_duration_ms.draw(random);
            s.psw_rise_sd_ms = ranges.psw_rise_sd_ms.draw(random);
            s.psw_fall_ms = ranges.psw_fall_ms.draw(random);
            s.psw_negative_ratio = ranges.psw_negative_ratio.draw(random);
            s.psw_return_skew = ranges.psw_return_skew;
            break;
        case SpontaneousClass::fasciculation:
            s.amplitude_uv = 0.0;
            s.rate_hz = ranges.fasciculation_rate_hz.draw_log(random);
            s.fasciculation_min_interval_ms = ranges.fasciculation_min_interval_ms;
            s.isi_cv = 0.0;  // Poisson: not used
            break;
        case SpontaneousClass::complex_repetitive_discharge: {
            s.amplitude_uv = ranges.crd_amplitude_uv.draw_log(random);
            s.rate_hz = ranges.crd_rate_hz.draw(random);
            s.isi_cv = ranges.crd_isi_cv.draw(random);
            s.crd_fibres = static_cast<int>(std::lround(ranges.crd_fibres.draw(random)));
            s.crd_span_ms = std::min(ranges.crd_span_ms.draw(random), 0.7 * 1000.0 / s.rate_hz);
            const double burst = ranges.crd_burst_s.draw(random);
            const double latest = std::max(start_s, stop_s - burst);
            s.start_s = random.uniform(start_s, latest);
            s.stop_s = std::min(stop_s, s.start_s + burst);
            break;
        }
    }
    return s;
}

namespace {

double peak_to_peak(const std::vector<double>& v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return *hi - *lo;
}

std::vector<double> render_fibres(const std::vector<MuscleFibre>& fibres, const ConcentricNeedle& needle,
                                  double fine_rate_hz) {
    double t0 = std::numeric_limits<double>::infinity(), t1 = -t0;
    for (const auto& f : fibres) {
        const auto [lo, hi] = fibre_potential_support_ms(f.velocity_m_per_s);
        t0 = std::min(t0, f.arrival_ms + lo);
        t1 = std::max(t1, f.arrival_ms + hi);
    }
    std::vector<double> fine(static_cast<std::size_t>(std::ceil((t1 - t0) * fine_rate_hz / 1000.0)) + 2, 0.0);
    for (const auto& f : fibres) add_fibre_potential(fine, fine_rate_hz, t0, f, needle);
    return fine;
}

MuscleFibre fibre_at(double distance_mm, double angle_rad, double diameter_um, double arrival_ms) {
    MuscleFibre f;
    f.x_mm = distance_mm * std::cos(angle_rad);
    f.y_mm = distance_mm * std::sin(angle_rad);
    f.diameter_um = diameter_um;
    f.velocity_m_per_s = fibre_velocity_m_per_s(diameter_um);
    f.arrival_ms = arrival_ms;
    return f;
}

// A fibrillation: one fibre. The distance sets the sharpness; the diameter is
// what gives the requested amplitude at that distance (atrophied fibres are
// small), and the waveform is scaled to the amplitude exactly.
PotentialTemplate fibrillation_shape(SpontaneousTrainSpec& spec, double fs, int os, Random& random,
                                     nlohmann::json& truth) {
    const double fine = fs * os;
    ConcentricNeedle needle = ConcentricNeedle::from_table();
    needle.shaft_angle_rad = random.uniform(0.0, 2.0 * std::numbers::pi);
    // The fibre lies in front of the core, on the side away from the shaft: the
    // fibrillations electromyographers describe (initially positive, main phase
    // negative) are those the core records, not the cannula.
    const double angle = needle.shaft_angle_rad + std::numbers::pi * random.uniform(0.5, 1.5);
    const double log_noise = random.normal();
    static const double nominal_d = nt::value(nt::physiology, "/fibrillation/nominal_fibre_diameter_um");
    static const double log_sd = nt::value(nt::physiology, "/fibrillation/distance_log_sd");
    auto p2p_at = [&](double r, double d) { return peak_to_peak(render_fibres({fibre_at(r, angle, d, 0.0)}, needle, fine)); };
    if (std::isnan(spec.distance_mm)) {
        // Nominal distance: where a fibre of the nominal diameter gives the amplitude.
        double lo = 0.0, hi = 3.0;
        if (p2p_at(lo, nominal_d) <= spec.amplitude_uv) {
            hi = 0.0;
        } else {
            for (int i = 0; i < 40; ++i) {
                const double mid = 0.5 * (lo + hi);
                (p2p_at(mid, nominal_d) > spec.amplitude_uv ? lo : hi) = mid;
            }
        }
        spec.distance_mm = std::clamp(std::max(hi, 0.02) * std::exp(log_sd * log_noise), 0.0, 3.0);
    }
    const double p0 = p2p_at(spec.distance_mm, nominal_d);
    const double d = std::clamp(nominal_d * std::sqrt(spec.amplitude_uv / p0), 10.0, 100.0);
    auto fine_samples = render_fibres({fibre_at(spec.distance_mm, angle, d, 0.0)}, needle, fine);
    const double scale = spec.amplitude_uv / peak_to_peak(fine_samples);
    for (auto& v : fine_samples) v *= scale;
    truth = {{"distance_mm", spec.distance_mm}, {"fibre_diameter_um", d},
             {"velocity_m_per_s", fibre_velocity_m_per_s(d)}, {"scale_after_diameter", scale}};
    return make_template(std::move(fine_samples), fs, os);
}

// A positive sharp wave: Gaussian rise to the positive peak, cosine fall to the
// trough, and a skewed raised-cosine return; smooth (C1) throughout.
PotentialTemplate psw_shape(const SpontaneousTrainSpec& s, double fs, int os, nlohmann::json& truth) {
    const double fine = fs * os;
    const double a_pos = s.amplitude_uv / (1.0 + s.psw_negative_ratio);
    const double a_neg = s.psw_negative_ratio * a_pos;
    const double rise = 4.0 * s.psw_rise_sd_ms;
    const double ret = s.psw_duration_ms - rise - s.psw_fall_ms;
    const auto n = static_cast<std::size_t>(std::ceil(s.psw_duration_ms * fine / 1000.0)) + 1;
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) * 1000.0 / fine - rise;  // ms from the positive peak
        if (t <= 0.0) {
            v[i] = a_pos * std::exp(-0.5 * t * t / (s.psw_rise_sd_ms * s.psw_rise_sd_ms));
        } else if (t <= s.psw_fall_ms) {
            v[i] = a_pos - (a_pos + a_neg) * 0.5 * (1.0 - std::cos(std::numbers::pi * t / s.psw_fall_ms));
        } else {
            const double u = std::min(1.0, (t - s.psw_fall_ms) / ret);
            v[i] = -a_neg * 0.5 * (1.0 + std::cos(std::numbers::pi * std::pow(u, s.psw_return_skew)));
        }
    }
    // Sampling may miss the exact extremes by a fraction of a step: scale to the amplitude exactly.
    const double scale = s.amplitude_uv / peak_to_peak(v);
    for (auto& x : v) x *= scale;
    truth = {{"duration_ms", s.psw_duration_ms}, {"rise_sd_ms", s.psw_rise_sd_ms}, {"fall_ms", s.psw_fall_ms},
             {"negative_ratio", s.psw_negative_ratio}, {"positive_peak_uv", a_pos * scale},
             {"negative_peak_uv", -a_neg * scale}};
    return make_template(std::move(v), fs, os);
}

PotentialTemplate crd_shape(const SpontaneousTrainSpec& s, double fs, int os, Random& random, nlohmann::json& truth) {
    ConcentricNeedle needle = ConcentricNeedle::from_table();
    needle.shaft_angle_rad = random.uniform(0.0, 2.0 * std::numbers::pi);
    std::vector<MuscleFibre> fibres;
    nlohmann::json fj = nlohmann::json::array();
    for (int k = 0; k < s.crd_fibres; ++k) {
        const double r = Interval{0.05, 1.0}.draw_log(random);
        const double d = std::clamp(random.normal(50.0, 8.0), 25.0, 80.0);
        const double delay = random.uniform(0.0, s.crd_span_ms);
        fibres.push_back(fibre_at(r, random.uniform(0.0, 2.0 * std::numbers::pi), d, delay));
        fj.push_back({{"distance_mm", r}, {"fibre_diameter_um", d}, {"delay_ms", delay}});
    }
    auto fine_samples = render_fibres(fibres, needle, fs * os);
    const double scale = s.amplitude_uv / peak_to_peak(fine_samples);
    for (auto& v : fine_samples) v *= scale;
    truth = {{"fibres", fj}, {"scale", scale}};
    return make_template(std::move(fine_samples), fs, os);
}

std::vector<double> regular_times(const SpontaneousTrainSpec& s, const PotentialTemplate& t, Random& random,
                                  bool abrupt_start) {
    std::vector<double> times;
    const double span = s.stop_s - s.start_s;
    auto rate_at = [&](double time) {
        const double f = std::isfinite(span) ? std::clamp((time - s.start_s) / span, 0.0, 1.0) : 0.0;
        return s.rate_hz * (1.0 + (s.final_rate_ratio - 1.0) * f);
    };
    double next = abrupt_start ? s.start_s : s.start_s + random.uniform() / s.rate_hz;
    while (next < s.stop_s) {
        const double q = t.quantise(next);
        if (q >= s.start_s && q < s.stop_s && (times.empty() || q > times.back())) times.push_back(q);
        const double mean = 1.0 / rate_at(next);
        double isi = 0.0;
        do {
            isi = random.normal(mean, s.isi_cv * mean);
        } while (isi < 0.2 * mean);
        next += isi;
    }
    return times;
}

}  // namespace

SpontaneousTrain realise_train(const SpontaneousTrainSpec& spec, double sample_rate_hz, int oversampling,
                               Random& random) {
    spec.validate();
    if (!std::isfinite(spec.stop_s)) throw std::invalid_argument("realise_train: stop_s must be finite");
    SpontaneousTrain train;
    train.spec = spec;
    switch (spec.kind) {
        case SpontaneousClass::fibrillation:
            train.shape = fibrillation_shape(train.spec, sample_rate_hz, oversampling, random, train.shape_truth);
            train.times_s = regular_times(train.spec, train.shape, random, false);
            break;
        case SpontaneousClass::positive_sharp_wave:
            train.shape = psw_shape(train.spec, sample_rate_hz, oversampling, train.shape_truth);
            train.times_s = regular_times(train.spec, train.shape, random, false);
            break;
        case SpontaneousClass::complex_repetitive_discharge:
            train.shape = crd_shape(train.spec, sample_rate_hz, oversampling, random, train.shape_truth);
            train.times_s = regular_times(train.spec, train.shape, random, true);
            break;
        case SpontaneousClass::fasciculation: {
            const auto unit = draw_motor_unit(MotorUnitModel::from_table(spec.fasciculation_class), random);
            train.shape = render_muap(unit, sample_rate_hz, oversampling);
            if (spec.amplitude_uv > 0.0) {
                const double scale = spec.amplitude_uv / train.shape.peak_to_peak_uv();
                for (auto& v : train.shape.samples_uv) v *= scale;
            }
            train.spec.amplitude_uv = train.shape.peak_to_peak_uv();
            train.shape_truth = unit.anatomy_json();
            train.shape_truth["muap_class"] = to_string(spec.fasciculation_class);
            // Poisson discharges with a dead time: irregular, rare.
            const double dead = spec.fasciculation_min_interval_ms / 1000.0;
            double next = spec.start_s + random.exponential(1.0 / spec.rate_hz);
            while (next < spec.stop_s) {
                const double q = train.shape.quantise(next);
                if (q >= spec.start_s && q < spec.stop_s) train.times_s.push_back(q);
                next += dead + random.exponential(1.0 / spec.rate_hz - dead);
            }
            break;
        }
    }
    return train;
}

const std::vector<SpontaneousGrade>& spontaneous_grades() {
    static const std::vector<SpontaneousGrade> grades = [] {
        std::vector<SpontaneousGrade> g;
        const auto& list = nt::entry(nt::grades, "/grades");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string at = "/grades/" + std::to_string(i);
            SpontaneousGrade x;
            x.grade = list[i].at("grade").get<int>();
            x.label = list[i].at("label").get<std::string>();
            x.trains_min = static_cast<int>(std::lround(nt::value(nt::grades, at + "/trains_min")));
            x.trains_max = static_cast<int>(std::lround(nt::value(nt::grades, at + "/trains_max")));
            if (x.grade != static_cast<int>(i) || x.trains_max < x.trains_min ||
                (i > 0 && x.trains_min != g.back().trains_max + 1)) {
                throw std::logic_error("signals/" + std::string(nt::grades) + at +
                                       ": grades must be 0, 1, ... with contiguous train ranges");
            }
            g.push_back(x);
        }
        return g;
    }();
    return grades;
}

int grade_for_trains(int trains) {
    int grade = 0;
    for (const auto& g : spontaneous_grades()) {
        if (trains >= g.trains_min) grade = g.grade;
    }
    return grade;
}

double grade_persistence_s() { return nt::value(nt::grades, "/persistence_s"); }

void SpontaneousSpec::validate() const {
    const int top = spontaneous_grades().back().grade;
    if (grade < 0 || grade > top) {
        throw std::invalid_argument("SpontaneousSpec: grade must be in [0, " + std::to_string(top) + "]");
    }
    if (psw_fraction && !(*psw_fraction >= 0.0 && *psw_fraction <= 1.0)) {
        throw std::invalid_argument("SpontaneousSpec: psw_fraction must be in [0, 1]");
    }
    if (lesion_age_months && !(*lesion_age_months >= 0.0 && std::isfinite(*lesion_age_months))) {
        throw std::invalid_argument("SpontaneousSpec: lesion_age_months must be >= 0");
    }
    if (fasciculating_units < 0 || fasciculating_units > 50) {
        throw std::invalid_argument("SpontaneousSpec: fasciculating_units must be in [0, 50]");
    }
    if (complex_repetitive_discharges < 0 || complex_repetitive_discharges > 50) {
        throw std::invalid_argument("SpontaneousSpec: complex_repetitive_discharges must be in [0, 50]");
    }
    for (const auto& t : trains) t.validate();
}

std::vector<SpontaneousTrainSpec> draw_spontaneous_trains(const SpontaneousSpec& spec,
                                                          const SpontaneousRanges& ranges, double begin_s,
                                                          double end_s, Random& random) {
    spec.validate();
    std::vector<SpontaneousTrainSpec> out;
    const auto& g = spontaneous_grades()[static_cast<std::size_t>(spec.grade)];
    const int n = g.trains_min + static_cast<int>(random.uniform() * (g.trains_max - g.trains_min + 1));
    const double psw_fraction = spec.psw_fraction.value_or(ranges.psw_fraction);
    for (int i = 0; i < std::min(n, g.trains_max); ++i) {
        const auto kind = random.uniform() < psw_fraction ? SpontaneousClass::positive_sharp_wave
                                                          : SpontaneousClass::fibrillation;
        out.push_back(draw_train(kind, ranges, spec.lesion_age_months, begin_s, end_s, random));
    }
    for (int i = 0; i < spec.fasciculating_units; ++i) {
        out.push_back(draw_train(SpontaneousClass::fasciculation, ranges, std::nullopt, begin_s, end_s, random));
    }
    for (int i = 0; i < spec.complex_repetitive_discharges; ++i) {
        out.push_back(draw_train(SpontaneousClass::complex_repetitive_discharge, ranges, std::nullopt, begin_s,
                                 end_s, random));
    }
    for (auto t : spec.trains) {
        t.start_s = std::max(0.0, t.start_s);
        t.stop_s = std::min(t.stop_s, end_s);
        out.push_back(t);
    }
    return out;
}

}  // namespace edx::sim
