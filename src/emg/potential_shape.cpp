#include "edx/emg/potential_shape.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::emg {

namespace {
constexpr const char* table = "norms/spontaneous_activity_criteria.json";

std::string ms(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f ms", v);
    return b;
}
}  // namespace

std::string_view to_string(ShapeClass shape) noexcept {
    switch (shape) {
        case ShapeClass::fibrillation_like: return "fibrillation_like";
        case ShapeClass::positive_sharp_wave_like: return "positive_sharp_wave_like";
        case ShapeClass::complex: return "complex";
    }
    return "unknown";
}

ShapeCriteria ShapeCriteria::from_table() {
    ShapeCriteria c;
    c.level_fraction = signals::constant(table, "/shape/shape_level_fraction");
    c.duration_level_uv = signals::constant("norms/muap_norms.json", "/measurement/level_uv");
    c.fibrillation_max_duration_ms = signals::constant(table, "/shape/fibrillation_max_duration_ms");
    c.psw_min_slow_phase_ms = signals::constant(table, "/shape/psw_min_slow_phase_ms");
    c.psw_max_slow_phase_ratio = signals::constant(table, "/shape/psw_max_slow_phase_ratio");
    c.max_gap_ms = signals::constant(table, "/shape/max_gap_ms");
    c.validate();
    return c;
}

void ShapeCriteria::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("ShapeCriteria: " + what); };
    if (!(level_fraction > 0.0 && level_fraction < 1.0)) fail("level_fraction must be in (0, 1)");
    if (!(duration_level_uv > 0.0)) fail("duration_level_uv must be > 0");
    if (!(fibrillation_max_duration_ms > 0.0)) fail("fibrillation_max_duration_ms must be > 0");
    if (!(psw_min_slow_phase_ms > 0.0)) fail("psw_min_slow_phase_ms must be > 0");
    if (!(psw_max_slow_phase_ratio > 0.0 && psw_max_slow_phase_ratio <= 1.0)) fail("psw_max_slow_phase_ratio must be in (0, 1]");
    if (!(max_gap_ms > 0.0)) fail("max_gap_ms must be > 0");
}

PotentialShape classify_shape(std::span<const double> v, double fs, std::size_t reference, double noise_sd_uv,
                              const ShapeCriteria& criteria) {
    criteria.validate();
    if (v.empty() || reference >= v.size()) throw std::invalid_argument("classify_shape: reference outside the waveform");
    if (!(fs > 0.0)) throw std::invalid_argument("classify_shape: sample_rate_hz must be > 0");
    const double dt_ms = 1000.0 / fs;
    const auto n = v.size();
    const auto search = static_cast<std::size_t>(std::lround(2.0 / dt_ms));
    std::size_t main = reference;
    for (std::size_t i = reference > search ? reference - search : 0; i < std::min(n, reference + search + 1); ++i) {
        if (std::abs(v[i]) > std::abs(v[main])) main = i;
    }
    PotentialShape s;
    s.main_index = main;
    s.main_peak_uv = v[main];
    s.level_uv = std::max(criteria.level_fraction * std::abs(v[main]), 3.0 * noise_sd_uv);
    const double level = s.level_uv;
    if (!(std::abs(v[main]) > level)) {
        s.reason = "no phase rises above the noise";
        return s;
    }

    // The potential's extent at a level: outward from the main peak until a
    // stretch of max_gap_ms stays inside the band.
    const auto gap = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(criteria.max_gap_ms / dt_ms)));
    auto extent = [&](double at) {
        std::size_t lo = main, hi = main;
        for (std::size_t i = main, quiet = 0; i-- > 0;) {
            if (std::abs(v[i]) > at) {
                lo = i;
                quiet = 0;
            } else if (++quiet >= gap) {
                break;
            }
        }
        for (std::size_t i = main + 1, quiet = 0; i < n; ++i) {
            if (std::abs(v[i]) > at) {
                hi = i;
                quiet = 0;
            } else if (++quiet >= gap) {
                break;
            }
        }
        return std::pair{lo, hi};
    };
    const auto [a, b] = extent(level);
    const auto [da, db] = extent(std::max(criteria.duration_level_uv, 3.0 * noise_sd_uv));
    s.duration_ms = static_cast<double>(db - da + 1) * dt_ms;

    // Phases: runs of one sign among the samples outside the band.
    for (std::size_t i = a; i <= b; ++i) {
        if (std::abs(v[i]) <= level) continue;
        const int sign = v[i] > 0.0 ? 1 : -1;
        const double t = (static_cast<double>(i) - static_cast<double>(main)) * dt_ms;
        if (s.phases.empty() || s.phases.back().sign != sign) {
            s.phases.push_back({sign, t, t, v[i]});
        } else {
            auto& p = s.phases.back();
            p.end_ms = t;
            if (std::abs(v[i]) > std::abs(p.peak_uv)) p.peak_uv = v[i];
        }
        if (i == main) s.main_phase = s.phases.size() - 1;
    }

    const auto& m = s.phases[s.main_phase];
    const double main_len = m.end_ms - m.start_ms + dt_ms;
    if (s.main_phase == 0 && s.phases.size() >= 2) {
        const auto& slow = s.phases[1];
        const double slow_len = slow.end_ms - slow.start_ms + dt_ms;
        const bool long_enough = slow_len >= criteria.psw_min_slow_phase_ms && slow_len > main_len;
        const bool smaller = std::abs(slow.peak_uv) <= criteria.psw_max_slow_phase_ratio * std::abs(m.peak_uv);
        if (long_enough && smaller) {
            s.shape = ShapeClass::positive_sharp_wave_like;
            s.reason = "sharp first phase (" + ms(main_len) + ") then a long smaller opposite phase (" + ms(slow_len) + ")";
            return s;
        }
    }
    if (s.duration_ms <= criteria.fibrillation_max_duration_ms) {
        s.shape = ShapeClass::fibrillation_like;
        s.reason = "brief potential (" + ms(s.duration_ms) + ", " + std::to_string(s.phases.size()) + " phases)";
        return s;
    }
    s.shape = ShapeClass::complex;
    s.reason = "long potential (" + ms(s.duration_ms) + ", " + std::to_string(s.phases.size()) +
               " phases) without a positive sharp wave's form";
    return s;
}

}  // namespace edx::emg
