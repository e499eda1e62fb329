#include "edx/emg/motor_unit_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/zero_phase.hpp"
#include "edx/emg/discharge_trains.hpp"
#include "edx/signals/table.hpp"

namespace edx::emg {

namespace {
constexpr const char* table = "norms/muap_analysis_criteria.json";
constexpr const char* spontaneous_table = "norms/spontaneous_activity_criteria.json";
// A unit's steady rate needs this many discharges in the steady part.
constexpr std::size_t steady_min_discharges = 5;
// An interval shorter than this fraction of a unit's median one is one no single unit fires.
constexpr double short_interval_ratio = 0.4;
// Recruitment is seen when both units start this long after the segment does.
constexpr double recruitment_margin_s = 0.2;

std::vector<double> trimmed(const std::vector<double>& v, std::size_t a, std::size_t b) {
    std::vector<double> out(v.size(), 0.0);
    const std::size_t lo = a > 0 ? a - 1 : 0, hi = std::min(v.size() - 1, b + 1);
    for (std::size_t i = lo; i <= hi; ++i) out[i] = v[i];
    return out;
}
}  // namespace

UnitAnalysisCriteria UnitAnalysisCriteria::from_tables() {
    UnitAnalysisCriteria c;
    c.measurement = MuapCriteria::from_table();
    c.shape = ShapeCriteria::from_table();
    c.regular_max_cv2 = signals::constant(spontaneous_table, "/firing/regular_max_cv");
    c.duration_lowpass_hz = signals::constant(table, "/units/duration_lowpass_hz");
    c.baseline_gap_ms = signals::constant(table, "/averaging/baseline_band_gap_ms");
    c.steady_fraction = signals::constant(table, "/units/steady_fraction");
    c.local_baseline_ms = signals::constant(table, "/averaging/local_baseline_ms");
    c.max_short_fraction = signals::constant(table, "/units/max_short_interval_fraction");
    c.validate();
    return c;
}

void UnitAnalysisCriteria::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("UnitAnalysisCriteria: " + what); };
    measurement.validate();
    shape.validate();
    if (!(regular_max_cv2 > 0.0)) fail("regular_max_cv2 must be > 0");
    if (!(duration_lowpass_hz > 0.0)) fail("duration_lowpass_hz must be > 0");
    if (!(baseline_gap_ms > 0.0)) fail("baseline_gap_ms must be > 0");
    if (!(local_baseline_ms >= 0.0)) fail("local_baseline_ms must be >= 0");
    if (!(steady_fraction > 0.0 && steady_fraction <= 1.0)) fail("steady_fraction must be in (0, 1]");
    if (!(max_short_fraction > 0.0 && max_short_fraction < 1.0)) fail("max_short_fraction must be in (0, 1)");
}

MuapParameters measure_averaged_waveform(const std::vector<double>& v, double rate, std::size_t reference,
                                         const UnitAnalysisCriteria& criteria, double noise_sd_uv, double* level_used_uv) {
    UnitAnalysisCriteria c = criteria;
    c.measurement.level_uv = std::max(criteria.measurement.level_uv, 3.0 * noise_sd_uv);
    if (level_used_uv) *level_used_uv = c.measurement.level_uv;
    c.validate();
    if (v.empty() || reference >= v.size()) throw std::invalid_argument("measure_averaged_waveform: reference outside the waveform");
    std::vector<double> w = v, smooth(v.size());
    auto low_pass = [&]() {
        if (c.duration_lowpass_hz < 0.45 * rate && w.size() > 32) {
            dsp::zero_phase_filter(dsp::butterworth_lowpass(2, c.duration_lowpass_hz, rate), w, smooth);
        } else {
            smooth = w;
        }
    };
    const auto gap = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(c.baseline_gap_ms * rate / 1000.0)));
    const double level = c.measurement.level_uv;
    std::size_t a = reference, b = reference;
    auto extent = [&]() {
        a = b = reference;
        for (std::size_t i = reference, quiet = 0; i-- > 0;) {
            if (std::abs(smooth[i]) > level) {
                a = i;
                quiet = 0;
            } else if (++quiet >= gap) {
                break;
            }
        }
        for (std::size_t i = reference + 1, quiet = 0; i < w.size(); ++i) {
            if (std::abs(smooth[i]) > level) {
                b = i;
                quiet = 0;
            } else if (++quiet >= gap) {
                break;
            }
        }
    };
    low_pass();
    extent();
    // The baseline next to the potential: the machine's high-pass turns a
    // potential's net area into a broad pedestal of the opposite sign around
    // it (a few uV under a large MUAP), which a baseline read at the ends of
    // the averaging window misses and which moves the slow tails across
    // +/- level_uv. The median of the low-passed average over local_baseline_ms
    // just beyond either end of the extent (past the quiet gap), joined by a
    // straight line, is taken out, and the extent is found again.
    const auto span = static_cast<std::size_t>(std::lround(c.local_baseline_ms * rate / 1000.0));
    if (span > 0 && a > gap + span && b + gap + span < w.size()) {
        auto median_over = [&](std::size_t from, std::size_t to) {
            std::vector<double> x(smooth.begin() + static_cast<std::ptrdiff_t>(from), smooth.begin() + static_cast<std::ptrdiff_t>(to));
            std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(x.size() / 2), x.end());
            return x[x.size() / 2];
        };
        const double before = median_over(a - gap - span, a - gap), after = median_over(b + gap, b + gap + span);
        const double t0 = static_cast<double>(a - gap) - 0.5 * static_cast<double>(span);
        const double t1 = static_cast<double>(b + gap) + 0.5 * static_cast<double>(span);
        for (std::size_t i = 0; i < w.size(); ++i) {
            const double f = std::clamp((static_cast<double>(i) - t0) / (t1 - t0), 0.0, 1.0);
            w[i] -= before + f * (after - before);
        }
        low_pass();
        extent();
    }
    const auto raw = measure_muap(trimmed(w, a, b), rate, c.measurement);
    const auto slow = measure_muap(trimmed(smooth, a, b), rate, c.measurement);
    MuapParameters p = raw;
    p.onset_ms = slow.onset_ms;
    p.offset_ms = slow.offset_ms;
    p.duration_ms = slow.duration_ms;
    p.phases = slow.phases;
    p.area_uv_ms = slow.area_uv_ms;
    p.first_phase_positive = slow.first_phase_positive;
    return p;
}

std::vector<MotorUnitResult> analyse_units(const Decomposition& dec, const UnitAnalysisCriteria& c) {
    c.validate();
    std::vector<MotorUnitResult> out;
    const double steady_from = dec.start_s + (1.0 - c.steady_fraction) * dec.duration_s;
    for (const auto& u : dec.units) {
        if (u.times_s.empty()) continue;
        MotorUnitResult r;
        r.times_s = u.times_s;
        r.first_discharge_s = u.times_s.front();
        std::vector<double> steady;
        for (double t : u.times_s) {
            if (t >= steady_from) steady.push_back(t);
        }
        r.rate_hz = median_rate_hz(steady.size() >= steady_min_discharges ? steady : u.times_s);
        r.cv2 = interval_cv2(u.times_s, {});
        r.waveform_uv = u.waveform_uv;
        r.waveform_rate_hz = u.waveform_rate_hz;
        r.waveform_reference = u.waveform_reference;
        r.parameters = measure_averaged_waveform(u.waveform_uv, u.waveform_rate_hz, u.waveform_reference, c, u.waveform_noise_sd_uv,
                                                 &r.measurement_level_uv);
        r.polyphasic = r.parameters.polyphasic(c.measurement);
        const auto shape = classify_shape(u.waveform_uv, u.waveform_rate_hz, u.waveform_reference, u.waveform_noise_sd_uv, c.shape);
        if (r.cv2 <= c.regular_max_cv2 && shape.shape != ShapeClass::complex) {
            r.voluntary = false;
            char b[160];
            std::snprintf(b, sizeof b, "fires regularly (CV2 %.3f) with a %s: spontaneous activity during the contraction, not a motor unit",
                          r.cv2, shape.shape == ShapeClass::fibrillation_like ? "fibrillation's waveform" : "positive sharp wave's waveform");
            r.note = b;
        } else if (u.times_s.size() >= 3) {
            // Two units sorted as one fire at intervals far shorter than their
            // usual one; a unit with missed discharges only at longer ones.
            std::vector<double> isi;
            for (std::size_t i = 1; i < u.times_s.size(); ++i) isi.push_back(u.times_s[i] - u.times_s[i - 1]);
            std::vector<double> sorted = isi;
            std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
            const double median = sorted[sorted.size() / 2];
            const auto short_count = std::count_if(isi.begin(), isi.end(), [&](double x) { return x < short_interval_ratio * median; });
            const double short_fraction = static_cast<double>(short_count) / static_cast<double>(isi.size());
            if (short_fraction > c.max_short_fraction) {
                r.single = false;
                char b[220];
                std::snprintf(b, sizeof b, "%.0f%% of its intervals are shorter than %.1f of its median: two units of similar waveform "
                                           "not separated; left out of the counts, means and recruitment", 100.0 * short_fraction, short_interval_ratio);
                r.note = b;
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

MotorUnitSummary summarise_units(const std::vector<MotorUnitResult>& units, const Decomposition& dec) {
    MotorUnitSummary s;
    double amp = 0, dur = 0, phases = 0, turns = 0, area = 0, poly = 0;
    const MotorUnitResult* fastest = nullptr;
    std::vector<const MotorUnitResult*> voluntary;
    for (const auto& u : units) {
        if (!u.voluntary || !u.single) continue;
        voluntary.push_back(&u);
        amp += u.parameters.amplitude_uv;
        dur += u.parameters.duration_ms;
        phases += u.parameters.phases;
        turns += u.parameters.turns;
        area += u.parameters.area_uv_ms;
        poly += u.polyphasic ? 1.0 : 0.0;
        if (!fastest || u.rate_hz > fastest->rate_hz) fastest = &u;
    }
    s.n_units = static_cast<int>(voluntary.size());
    s.recruitment.units = s.n_units;
    if (s.n_units == 0) return s;
    const double n = s.n_units;
    s.mean_amplitude_uv = amp / n;
    s.mean_duration_ms = dur / n;
    s.mean_phases = phases / n;
    s.mean_turns = turns / n;
    s.mean_area_uv_ms = area / n;
    s.percent_polyphasic = 100.0 * poly / n;
    s.recruitment.fastest_rate_hz = fastest->rate_hz;
    s.recruitment.recruitment_ratio = fastest->rate_hz / n;
    // Recruitment frequency: when the segment shows the first unit alone and then the second joining.
    if (voluntary.size() >= 2) {
        std::sort(voluntary.begin(), voluntary.end(),
                  [](const MotorUnitResult* a, const MotorUnitResult* b) { return a->first_discharge_s < b->first_discharge_s; });
        const auto& first = *voluntary[0];
        const double joins = voluntary[1]->first_discharge_s;
        if (first.first_discharge_s > dec.start_s + recruitment_margin_s && joins > first.first_discharge_s) {
            std::vector<double> around;
            auto it = std::lower_bound(first.times_s.begin(), first.times_s.end(), joins);
            const auto k = static_cast<std::size_t>(it - first.times_s.begin());
            for (std::size_t i = k >= 2 ? k - 2 : 0; i < std::min(first.times_s.size(), k + 2); ++i) around.push_back(first.times_s[i]);
            if (around.size() >= 3) s.recruitment.recruitment_frequency_hz = median_rate_hz(around);
        }
    }
    return s;
}

}  // namespace edx::emg
