#include "edx/emg/muap_measurement.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::emg {

namespace {
constexpr const char* table = "norms/muap_norms.json";
}

MuapCriteria MuapCriteria::from_table() {
    MuapCriteria c;
    c.level_uv = signals::constant(table, "/measurement/level_uv");
    c.turn_uv = signals::constant(table, "/measurement/turn_uv");
    c.max_normal_phases = static_cast<int>(std::lround(signals::constant(table, "/measurement/max_normal_phases")));
    c.validate();
    return c;
}

void MuapCriteria::validate() const {
    if (!(level_uv > 0.0) || !std::isfinite(level_uv)) throw std::invalid_argument("MuapCriteria: level_uv must be > 0");
    if (!(turn_uv > 0.0) || !std::isfinite(turn_uv)) throw std::invalid_argument("MuapCriteria: turn_uv must be > 0");
    if (max_normal_phases < 1) throw std::invalid_argument("MuapCriteria: max_normal_phases must be >= 1");
}

MuapParameters measure_muap(std::span<const double> v, double sample_rate_hz, const MuapCriteria& criteria) {
    criteria.validate();
    if (!(sample_rate_hz > 0.0) || !std::isfinite(sample_rate_hz)) {
        throw std::invalid_argument("measure_muap: sample_rate_hz must be > 0");
    }
    MuapParameters p;
    if (v.empty()) return p;
    const double dt_ms = 1000.0 / sample_rate_hz;
    const double level = criteria.level_uv;

    std::size_t peak = 0;
    double lo = v[0], hi = v[0];
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (std::abs(v[i]) > std::abs(v[peak])) peak = i;
        lo = std::min(lo, v[i]);
        hi = std::max(hi, v[i]);
    }
    p.peak_uv = v[peak];
    p.amplitude_uv = hi - lo;

    // The window of the potential: first and last samples outside the band.
    std::size_t a = v.size(), b = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (std::abs(v[i]) > level) {
            a = std::min(a, i);
            b = i;
        }
    }
    if (a == v.size()) return p;

    // Onset and offset where |v| crosses the level, interpolated between samples.
    auto crossing = [&](std::size_t inside, std::size_t outside) {
        const double m_in = std::abs(v[inside]), m_out = std::abs(v[outside]);
        const double frac = (m_in - level) / (m_in - m_out);
        return static_cast<double>(inside) + frac * (static_cast<double>(outside) - static_cast<double>(inside));
    };
    const double onset = a > 0 ? crossing(a, a - 1) : 0.0;
    const double offset = b + 1 < v.size() ? crossing(b, b + 1) : static_cast<double>(b);
    p.onset_ms = (onset - static_cast<double>(peak)) * dt_ms;
    p.offset_ms = (offset - static_cast<double>(peak)) * dt_ms;
    p.duration_ms = (offset - onset) * dt_ms;

    // Phases: sign changes among the samples outside the band. Turns: reversals
    // of at least turn_uv, found with hysteresis from the running extremes.
    double wlo = v[a], whi = v[a];
    int sign = 0, direction = 0;
    double extreme = v[a], area = 0.0;
    for (std::size_t i = a; i <= b; ++i) {
        const double x = v[i];
        wlo = std::min(wlo, x);
        whi = std::max(whi, x);
        area += std::abs(x);
        if (std::abs(x) > level) {
            const int s = x > 0.0 ? 1 : -1;
            if (s != sign) {
                ++p.phases;
                if (sign == 0) p.first_phase_positive = s > 0;
                sign = s;
            }
        }
        if (direction == 0) {
            if (x - wlo >= criteria.turn_uv) {
                direction = 1;
                extreme = x;
            } else if (whi - x >= criteria.turn_uv) {
                direction = -1;
                extreme = x;
            }
        } else if (direction > 0) {
            if (x > extreme) {
                extreme = x;
            } else if (extreme - x >= criteria.turn_uv) {
                ++p.turns;
                direction = -1;
                extreme = x;
            }
        } else {
            if (x < extreme) {
                extreme = x;
            } else if (x - extreme >= criteria.turn_uv) {
                ++p.turns;
                direction = 1;
                extreme = x;
            }
        }
    }
    p.area_uv_ms = area * dt_ms;

    // Rise time: from the largest opposite-sign extremum before the main peak (or the onset).
    const double s = v[peak] > 0.0 ? 1.0 : -1.0;
    std::size_t q = a;
    double best = 0.0;
    for (std::size_t i = a; i < peak; ++i) {
        if (-s * v[i] > best) {
            best = -s * v[i];
            q = i;
        }
    }
    p.rise_time_ms = static_cast<double>(peak - q) * dt_ms;
    return p;
}

}  // namespace edx::emg
