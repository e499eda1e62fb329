#include "edx/sim/evoked_potential.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "evoked_recording.hpp"

namespace edx::sim {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

double sign(Polarity p) { return p == Polarity::negative ? -1.0 : 1.0; }

const char* name(Polarity p) { return p == Polarity::negative ? "negative" : "positive"; }

void check_range(const Interval& r, const char* field, double lo, double hi) {
    if (!(r.min <= r.max) || !(r.min >= lo) || !(r.max <= hi)) {
        fail("ShapeRanges." + std::string(field) + " must satisfy " + std::to_string(lo) +
             " <= min <= max <= " + std::to_string(hi));
    }
}

// Cubic Hermite value on [x0, x1] with end values y and slopes m.
double hermite(double x, double x0, double x1, double y0, double y1, double m0, double m1) {
    const double h = x1 - x0;
    const double t = (x - x0) / h;
    const double t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * h * m0 + (-2 * t3 + 3 * t2) * y1 + (t3 - t2) * h * m1;
}

// Exact integral of that cubic over [x0, x1].
double hermite_integral(double x0, double x1, double y0, double y1, double m0, double m1) {
    const double h = x1 - x0;
    return h * (y0 + y1) / 2.0 + h * h * (m0 - m1) / 12.0;
}

}  // namespace

void WaveformShape::validate() const {
    const std::size_t n = phases.size();
    if (n < 2 || n > 4) fail("WaveformShape: 2 to 4 phases, not " + std::to_string(n));
    if (!(onset_slope_factor > 0.0 && onset_slope_factor <= 3.0)) {
        fail("WaveformShape.onset_slope_factor must be in (0, 3] (non-zero take-off, monotone rise)");
    }
    double total = 0.0;
    int mains = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& p = phases[i];
        const std::string where = "WaveformShape.phases[" + std::to_string(i) + "]";
        if (i > 0 && p.polarity == phases[i - 1].polarity) fail(where + ": polarity must alternate");
        if (!(p.relative_duration > 0.0)) fail(where + ".relative_duration must be > 0");
        if (!(p.peak_position > 0.0 && p.peak_position < 1.0)) fail(where + ".peak_position must be in (0, 1)");
        if (!(p.relative_amplitude > 0.0 && p.relative_amplitude <= 1.0)) {
            fail(where + ".relative_amplitude must be in (0, 1]");
        }
        if (p.relative_amplitude == 1.0) {
            if (p.polarity != Polarity::negative) fail(where + ": only the main negative phase has amplitude 1");
            ++mains;
        }
        total += p.relative_duration;
    }
    if (mains != 1) fail("WaveformShape: exactly one negative phase must have relative_amplitude 1");
    if (std::abs(total - 1.0) > 1e-9) fail("WaveformShape: phase durations must sum to 1");
}

std::size_t WaveformShape::main_phase() const {
    for (std::size_t i = 0; i < phases.size(); ++i) {
        if (phases[i].polarity == Polarity::negative && phases[i].relative_amplitude == 1.0) return i;
    }
    fail("WaveformShape: no main negative phase");
}

nlohmann::json WaveformShape::to_json() const {
    nlohmann::json out;
    out["initial_polarity"] = name(initial_polarity());
    out["phase_count"] = phases.size();
    out["onset_slope_factor"] = onset_slope_factor;
    auto& list = out["phases"] = nlohmann::json::array();
    for (const auto& p : phases) {
        list.push_back({{"polarity", name(p.polarity)},
                        {"relative_amplitude", p.relative_amplitude},
                        {"relative_duration", p.relative_duration},
                        {"peak_position", p.peak_position}});
    }
    return out;
}

void ShapeRanges::validate() const {
    if (!(initial_positive_probability >= 0.0 && initial_positive_probability <= 1.0)) {
        fail("ShapeRanges.initial_positive_probability must be in [0, 1]");
    }
    if (min_phases < 2 || max_phases > 4 || min_phases > max_phases) {
        fail("ShapeRanges: need 2 <= min_phases <= max_phases <= 4");
    }
    if (initial_positive_probability > 0.0 && max_phases < 3) {
        fail("ShapeRanges: an initially positive shape needs max_phases >= 3");
    }
    if (initial_positive_probability < 1.0 && min_phases > 4) fail("ShapeRanges: min_phases too large");
    check_range(lead_positive_amplitude, "lead_positive_amplitude", 1e-6, 0.999);
    check_range(trailing_positive_amplitude, "trailing_positive_amplitude", 1e-6, 0.999);
    check_range(tail_amplitude, "tail_amplitude", 1e-6, 0.999);
    check_range(lead_positive_weight, "lead_positive_weight", 1e-6, 1e6);
    check_range(trailing_positive_weight, "trailing_positive_weight", 1e-6, 1e6);
    check_range(tail_weight, "tail_weight", 1e-6, 1e6);
    check_range(peak_position, "peak_position", 0.01, 0.99);
    check_range(onset_slope_factor, "onset_slope_factor", 0.01, 3.0);
}

WaveformShape draw_shape(const ShapeRanges& ranges, Random& random) {
    ranges.validate();
    const bool positive = random.uniform() < ranges.initial_positive_probability;
    const int lo = positive ? std::max(3, ranges.min_phases) : ranges.min_phases;
    const int hi = ranges.max_phases;
    const int phases = lo + static_cast<int>(std::floor(random.uniform() * (hi - lo + 1)));
    return draw_shape(ranges, positive ? Polarity::positive : Polarity::negative, std::min(phases, hi), random);
}

WaveformShape draw_shape(const ShapeRanges& ranges, Polarity initial, int phases, Random& random) {
    ranges.validate();
    if (phases < 2 || phases > 4) fail("draw_shape: 2 to 4 phases, not " + std::to_string(phases));
    if (initial == Polarity::positive && phases < 3)
        fail("draw_shape: an initially positive shape needs 3 or 4 phases");
    WaveformShape shape;
    // Initially positive: small positivity, main negative, trailing positive, small negative.
    // Initially negative: main negative, trailing positive, then small phases.
    Polarity polarity = initial;
    bool main_done = false, trailing_done = false;
    double total = 0.0;
    for (int i = 0; i < phases; ++i) {
        PotentialPhase p;
        p.polarity = polarity;
        if (polarity == Polarity::positive && !main_done) {
            p.relative_amplitude = ranges.lead_positive_amplitude.draw(random);
            p.relative_duration = ranges.lead_positive_weight.draw(random);
        } else if (polarity == Polarity::negative && !main_done) {
            p.relative_amplitude = 1.0;
            p.relative_duration = 1.0;
            main_done = true;
        } else if (polarity == Polarity::positive && !trailing_done) {
            p.relative_amplitude = ranges.trailing_positive_amplitude.draw(random);
            p.relative_duration = ranges.trailing_positive_weight.draw(random);
            trailing_done = true;
        } else {
            p.relative_amplitude = ranges.tail_amplitude.draw(random);
            p.relative_duration = ranges.tail_weight.draw(random);
        }
        p.peak_position = ranges.peak_position.draw(random);
        total += p.relative_duration;
        shape.phases.push_back(p);
        polarity = polarity == Polarity::negative ? Polarity::positive : Polarity::negative;
    }
    for (auto& p : shape.phases) p.relative_duration /= total;
    // Renormalise the sum exactly to 1 against rounding.
    double sum = 0.0;
    for (std::size_t i = 0; i + 1 < shape.phases.size(); ++i) sum += shape.phases[i].relative_duration;
    shape.phases.back().relative_duration = 1.0 - sum;
    shape.onset_slope_factor = ranges.onset_slope_factor.draw(random);
    shape.validate();
    return shape;
}

nlohmann::json PotentialMeasures::to_json() const {
    return {{"onset_ms", onset_ms},
            {"end_ms", end_ms},
            {"duration_ms", duration_ms},
            {"negative_peak_ms", negative_peak_ms},
            {"amplitude_mv", amplitude_mv},
            {"positive_peak_ms", positive_peak_ms},
            {"positive_peak_mv", positive_peak_mv},
            {"peak_to_peak_mv", peak_to_peak_mv},
            {"negative_phase_onset_ms", negative_phase_onset_ms},
            {"negative_phase_end_ms", negative_phase_end_ms},
            {"negative_phase_duration_ms", negative_phase_duration_ms},
            {"negative_phase_area_mv_ms", negative_phase_area_mv_ms},
            {"signed_area_mv_ms", signed_area_mv_ms},
            {"rectified_area_mv_ms", rectified_area_mv_ms}};
}

EvokedPotential::EvokedPotential(const WaveformShape& shape, double onset_ms, double duration_ms, double amplitude_mv)
    : shape_(shape), amplitude_mv_(amplitude_mv) {
    shape.validate();
    if (!(duration_ms > 0.0) || !std::isfinite(duration_ms)) fail("EvokedPotential: duration_ms must be > 0");
    if (!(amplitude_mv >= 0.0) || !std::isfinite(amplitude_mv)) fail("EvokedPotential: amplitude_mv must be >= 0");
    if (!std::isfinite(onset_ms)) fail("EvokedPotential: onset_ms must be finite");

    // Boundaries and peaks in unit time, values in units of the main peak.
    const auto& ph = shape.phases;
    const std::size_t n = ph.size();
    std::vector<double> bound(n + 1, 0.0), peak_t(n), peak_v(n);
    for (std::size_t k = 0; k < n; ++k) {
        bound[k + 1] = bound[k] + ph[k].relative_duration;
        peak_t[k] = bound[k] + ph[k].peak_position * ph[k].relative_duration;
        peak_v[k] = sign(ph[k].polarity) * ph[k].relative_amplitude;
    }
    bound[n] = 1.0;

    // Slopes: the take-off is a multiple of the onset-to-first-peak secant; a
    // zero crossing gets the harmonic mean of its two neighbouring secants
    // (Fritsch-Carlson), which keeps every segment monotone; peaks and the end are flat.
    std::vector<Knot> unit;
    unit.push_back({0.0, 0.0, shape.onset_slope_factor * peak_v[0] / peak_t[0]});
    for (std::size_t k = 0; k < n; ++k) {
        unit.push_back({peak_t[k], peak_v[k], 0.0});
        if (k + 1 < n) {
            const double left = -peak_v[k] / (bound[k + 1] - peak_t[k]);
            const double right = peak_v[k + 1] / (peak_t[k + 1] - bound[k + 1]);
            unit.push_back({bound[k + 1], 0.0, 2.0 * left * right / (left + right)});
        }
    }
    unit.push_back({1.0, 0.0, 0.0});

    knots_.reserve(unit.size());
    for (const auto& u : unit) {
        knots_.push_back(
            {onset_ms + u.t_ms * duration_ms, u.v_mv * amplitude_mv, u.slope_mv_per_ms * amplitude_mv / duration_ms});
    }
}

double EvokedPotential::value_mv(double t_ms) const noexcept {
    if (knots_.empty() || !(t_ms > knots_.front().t_ms) || !(t_ms < knots_.back().t_ms)) return 0.0;
    auto it = std::upper_bound(knots_.begin(), knots_.end(), t_ms, [](double t, const Knot& k) { return t < k.t_ms; });
    const Knot& b = *it;
    const Knot& a = *(it - 1);
    const double v = hermite(t_ms, a.t_ms, b.t_ms, a.v_mv, b.v_mv, a.slope_mv_per_ms, b.slope_mv_per_ms);
    // Each segment joins a zero crossing and a peak and is monotone: keep
    // rounding near the zero from flipping the sign.
    return (a.v_mv + b.v_mv) > 0.0 ? std::max(v, 0.0) : std::min(v, 0.0);
}

void EvokedPotential::add_to(std::span<float> samples, double sample_rate_hz, double first_sample_ms) const {
    if (empty()) return;
    const detail::SampleGrid grid(sample_rate_hz, first_sample_ms);
    // Only the samples inside the support.
    const double first = std::max(0.0, grid.first_index_at(onset_ms()));
    const double last = std::min(grid.first_index_at(end_ms()), static_cast<double>(samples.size()));
    for (double i = first; i < last; i += 1.0) {
        const auto k = static_cast<std::size_t>(i);
        samples[k] += static_cast<float>(value_mv(grid.t_ms(k)));
    }
}

EvokedPotential EvokedPotential::shifted(double by_ms) const {
    EvokedPotential out = *this;
    for (auto& k : out.knots_) k.t_ms += by_ms;
    return out;
}

EvokedPotential EvokedPotential::scaled(double factor) const {
    if (!(factor >= 0.0)) fail("EvokedPotential::scaled: factor must be >= 0");
    EvokedPotential out = *this;
    out.amplitude_mv_ *= factor;
    for (auto& k : out.knots_) {
        k.v_mv *= factor;
        k.slope_mv_per_ms *= factor;
    }
    return out;
}

EvokedPotential EvokedPotential::stretched(double factor) const {
    if (!(factor > 0.0)) fail("EvokedPotential::stretched: factor must be > 0");
    EvokedPotential out = *this;
    const double t0 = onset_ms();
    for (auto& k : out.knots_) {
        k.t_ms = t0 + (k.t_ms - t0) * factor;
        k.slope_mv_per_ms /= factor;
    }
    return out;
}

PotentialMeasures EvokedPotential::measures() const {
    PotentialMeasures m;
    if (knots_.empty()) return m;
    m.onset_ms = onset_ms();
    m.end_ms = end_ms();
    m.duration_ms = duration_ms();
    // Knot 0 is the onset, knot 2k+1 the peak of phase k, knot 2k+2 its end.
    const std::size_t main = shape_.main_phase();
    m.negative_peak_ms = knots_[2 * main + 1].t_ms;
    m.amplitude_mv = -knots_[2 * main + 1].v_mv;
    m.positive_peak_ms = m.onset_ms;
    for (std::size_t k = 0; k < shape_.phases.size(); ++k) {
        const Knot& p = knots_[2 * k + 1];
        if (p.v_mv > m.positive_peak_mv) {
            m.positive_peak_mv = p.v_mv;
            m.positive_peak_ms = p.t_ms;
        }
    }
    m.peak_to_peak_mv = m.amplitude_mv + m.positive_peak_mv;
    m.negative_phase_onset_ms = knots_[2 * main].t_ms;
    m.negative_phase_end_ms = knots_[2 * main + 2].t_ms;
    m.negative_phase_duration_ms = m.negative_phase_end_ms - m.negative_phase_onset_ms;
    for (std::size_t i = 0; i + 1 < knots_.size(); ++i) {
        const Knot& a = knots_[i];
        const Knot& b = knots_[i + 1];
        const double area = hermite_integral(a.t_ms, b.t_ms, a.v_mv, b.v_mv, a.slope_mv_per_ms, b.slope_mv_per_ms);
        m.signed_area_mv_ms += area;
        m.rectified_area_mv_ms += std::abs(area);  // segments never cross zero
        if (i == 2 * main || i == 2 * main + 1) m.negative_phase_area_mv_ms += std::abs(area);
    }
    return m;
}

nlohmann::json EvokedPotential::to_json() const {
    auto out = measures().to_json();
    out["shape"] = shape_.to_json();
    return out;
}

}  // namespace edx::sim
