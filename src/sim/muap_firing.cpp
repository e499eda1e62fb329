#include "edx/sim/muap_firing.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "needle_emg_table.hpp"

namespace edx::sim {

namespace nt = needle_table;

std::string_view to_string(RecruitmentPattern pattern) noexcept {
    switch (pattern) {
        case RecruitmentPattern::normal: return "normal";
        case RecruitmentPattern::reduced: return "reduced";
        case RecruitmentPattern::early: return "early";
    }
    return "unknown";
}

std::optional<RecruitmentPattern> parse_recruitment_pattern(std::string_view text) noexcept {
    for (auto p : {RecruitmentPattern::normal, RecruitmentPattern::reduced, RecruitmentPattern::early}) {
        if (to_string(p) == text) return p;
    }
    return std::nullopt;
}

namespace {
void read_section(RecruitmentModel& m, const std::string& section) {
    const auto P = nt::physiology;
    auto has = [&](const char* key) { return nt::has(P, section + "/" + key); };
    auto get = [&](const char* key) { return nt::interval(P, section + "/" + key); };
    if (has("onset_rate_hz")) m.onset_rate_hz = get("onset_rate_hz");
    if (has("recruitment_frequency_hz")) m.recruitment_frequency_hz = get("recruitment_frequency_hz");
    if (has("next_unit_step_hz")) m.next_unit_step_hz = get("next_unit_step_hz");
    if (has("minimal_fastest_rate_hz")) m.minimal_fastest_rate_hz = get("minimal_fastest_rate_hz");
    if (has("max_rate_hz")) m.max_rate_hz = get("max_rate_hz");
    if (has("isi_cv")) m.isi_cv = get("isi_cv");
    if (has("pool_units")) m.pool_units = static_cast<int>(std::lround(get("pool_units").min));
    if (has("surviving_unit_fraction")) m.surviving_unit_fraction = get("surviving_unit_fraction");
}
}  // namespace

RecruitmentModel RecruitmentModel::from_table(RecruitmentPattern pattern) {
    RecruitmentModel m;
    read_section(m, "/recruitment/normal");
    if (pattern != RecruitmentPattern::normal) read_section(m, "/recruitment/" + std::string(to_string(pattern)));
    m.pattern = pattern;
    return m;
}

void RecruitmentModel::validate() const {
    auto check = [](bool ok, const char* what) {
        if (!ok) throw std::invalid_argument(std::string("RecruitmentModel: ") + what);
    };
    check(onset_rate_hz.valid() && onset_rate_hz.min > 0.0, "onset_rate_hz must be a valid interval > 0");
    check(recruitment_frequency_hz.valid() && recruitment_frequency_hz.min >= onset_rate_hz.min,
          "recruitment_frequency_hz must be a valid interval not below onset_rate_hz.min");
    check(next_unit_step_hz.valid() && next_unit_step_hz.min > 0.0, "next_unit_step_hz must be a valid interval > 0");
    check(minimal_fastest_rate_hz.valid() && minimal_fastest_rate_hz.min >= onset_rate_hz.max,
          "minimal_fastest_rate_hz must be a valid interval at or above onset_rate_hz");
    check(max_rate_hz.valid() && max_rate_hz.min >= minimal_fastest_rate_hz.max,
          "max_rate_hz must be a valid interval at or above minimal_fastest_rate_hz");
    check(isi_cv.valid() && isi_cv.min >= 0.0 && isi_cv.max <= 0.5, "isi_cv must be a valid interval in [0, 0.5]");
    check(pool_units >= 1 && pool_units <= 200, "pool_units must be in [1, 200]");
    check(surviving_unit_fraction.valid() && surviving_unit_fraction.min > 0.0 && surviving_unit_fraction.max <= 1.0,
          "surviving_unit_fraction must be a valid interval in (0, 1]");
}

double UnitDrive::rate_hz(double excitation_hz) const noexcept {
    // No excitation, no firing: the first unit (threshold 0) starts only once effort begins.
    if (excitation_hz <= 0.0 || excitation_hz < threshold_hz) return 0.0;
    return std::min(max_rate_hz, onset_rate_hz + (excitation_hz - threshold_hz));
}

double MotorPool::excitation_for_first_rate(double rate_hz) const noexcept {
    return units.empty() ? 0.0 : std::max(0.0, rate_hz - units.front().onset_rate_hz);
}

int MotorPool::active_units(double excitation_hz) const noexcept {
    int n = 0;
    for (const auto& u : units) n += excitation_hz >= u.threshold_hz ? 1 : 0;
    return n;
}

MotorPool draw_motor_pool(const RecruitmentModel& model, Random& random) {
    model.validate();
    constexpr double min_step_hz = 0.1;
    MotorPool pool;
    pool.pattern = model.pattern;
    const double surviving = model.surviving_unit_fraction.draw(random);
    const int n = std::max(1, static_cast<int>(std::lround(model.pool_units * surviving)));
    pool.recruitment_frequency_hz = model.recruitment_frequency_hz.draw(random);
    double threshold = 0.0;
    for (int k = 0; k < n; ++k) {
        UnitDrive u;
        u.onset_rate_hz = model.onset_rate_hz.draw(random);
        u.max_rate_hz = model.max_rate_hz.draw(random);
        u.isi_cv = model.isi_cv.draw(random);
        if (k == 1) {
            // A recruitment frequency drawn below the first unit's own onset
            // rate means the second unit joins almost at once (early recruitment).
            threshold = std::max(min_step_hz, pool.recruitment_frequency_hz - pool.units.front().onset_rate_hz);
            pool.recruitment_frequency_hz = pool.units.front().onset_rate_hz + threshold;
        } else if (k > 1) {
            threshold += model.next_unit_step_hz.draw(random);
        }
        u.threshold_hz = threshold;
        pool.units.push_back(u);
    }
    return pool;
}

double Excitation::at(double time_s) const noexcept {
    if (points.empty() || time_s < points.front().first || time_s > points.back().first) return 0.0;
    const auto it = std::upper_bound(points.begin(), points.end(), time_s,
                                     [](double t, const auto& p) { return t < p.first; });
    if (it == points.end()) return points.back().second;
    const auto& hi = *it;
    const auto& lo = *(it - 1);
    const double f = (time_s - lo.first) / (hi.first - lo.first);
    return lo.second + f * (hi.second - lo.second);
}

std::vector<double> discharge_times(const UnitDrive& unit, const Excitation& excitation, double begin_s,
                                    double end_s, Random& random) {
    std::vector<double> times;
    constexpr double scan_step_s = 0.001;
    auto interval = [&](double rate) {
        const double mean = 1.0 / rate;
        for (;;) {
            const double isi = random.normal(mean, unit.isi_cv * mean);
            if (isi >= 0.2 * mean) return isi;
        }
    };
    double t = begin_s;
    while (t < end_s) {
        // Wait for recruitment.
        while (t < end_s && unit.rate_hz(excitation.at(t)) <= 0.0) t += scan_step_s;
        if (t >= end_s) break;
        double next = t + random.uniform() / unit.rate_hz(excitation.at(t));
        for (;;) {
            if (next >= end_s) return times;
            const double rate = unit.rate_hz(excitation.at(next));
            if (rate <= 0.0) {
                t = next;
                break;
            }
            times.push_back(next);
            next += interval(rate);
        }
    }
    return times;
}

}  // namespace edx::sim
