#include "edx/evoked/sweep_screen.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::evoked {

namespace {
constexpr std::string_view kTable = "norms/evoked_measurement.json";
}

std::string_view to_string(ExclusionReason reason) noexcept {
    switch (reason) {
        case ExclusionReason::none:
            return "none";
        case ExclusionReason::non_finite:
            return "non_finite";
        case ExclusionReason::clipping:
            return "clipping";
        case ExclusionReason::artefact_overload:
            return "artefact_overload";
    }
    return "unknown";
}

void ExclusionCounts::add(ExclusionReason reason) noexcept {
    switch (reason) {
        case ExclusionReason::none:
            break;
        case ExclusionReason::non_finite:
            ++non_finite;
            break;
        case ExclusionReason::clipping:
            ++clipping;
            break;
        case ExclusionReason::artefact_overload:
            ++artefact_overload;
            break;
    }
}

ClipCriterion ClipCriterion::from_signals() {
    // The tables are compiled in: read once (a JSON pointer lookup per
    // constant is a measurable share of a short recording's measurement).
    static const ClipCriterion cached = [] {
        ClipCriterion c;
        c.min_run_samples = static_cast<std::size_t>(signals::constant(kTable, "/exclusion/clip_min_run_samples"));
        c.min_run_ms = signals::constant(kTable, "/exclusion/clip_min_run_ms");
        c.pulse_start_ms = signals::constant(kTable, "/artefact/blank_start_ms");
        c.pulse_end_ms = signals::constant(kTable, "/artefact/blank_end_ms_h_reflex");
        return c;
    }();
    return cached;
}

void ClipCriterion::validate() const {
    if (min_run_samples < 2) throw std::invalid_argument("ClipCriterion.min_run_samples must be at least 2");
    if (!(std::isfinite(min_run_ms) && min_run_ms >= 0.0)) {
        throw std::invalid_argument("ClipCriterion.min_run_ms must be finite and >= 0");
    }
    if (!(std::isfinite(pulse_start_ms) && std::isfinite(pulse_end_ms) && pulse_start_ms < pulse_end_ms)) {
        throw std::invalid_argument("ClipCriterion.pulse_start_ms must be before pulse_end_ms");
    }
}

ScreenResult screen_sweep(std::span<const float> sweep, std::size_t stimulus_index, double sample_rate_hz,
                          const ClipCriterion& criterion) {
    ScreenResult r;
    if (sweep.empty()) return r;
    const double ms_per_sample = 1000.0 / sample_rate_hz;
    const auto sample_ms = [&](std::size_t i) {
        return (static_cast<double>(i) - static_cast<double>(stimulus_index)) * ms_per_sample;
    };
    // One branch-free pass over 16 lanes (it vectorises): the extremes, and
    // whether any sample has an all-ones exponent (NaN or infinite).
    constexpr std::size_t kLanes = 16;
    float lo_l[kLanes], hi_l[kLanes];
    std::uint32_t bad_l[kLanes] = {};
    for (std::size_t k = 0; k < kLanes; ++k) lo_l[k] = hi_l[k] = sweep[0];
    const std::size_t whole = sweep.size() / kLanes * kLanes;
    for (std::size_t i0 = 0; i0 < whole; i0 += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) {
            const float v = sweep[i0 + k];
            std::uint32_t bits;
            std::memcpy(&bits, &v, sizeof bits);
            bad_l[k] |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
            lo_l[k] = v < lo_l[k] ? v : lo_l[k];
            hi_l[k] = v > hi_l[k] ? v : hi_l[k];
        }
    }
    float lo = lo_l[0], hi = hi_l[0];
    std::uint32_t bad = 0;
    for (std::size_t k = 0; k < kLanes; ++k) {
        lo = std::min(lo, lo_l[k]);
        hi = std::max(hi, hi_l[k]);
        bad |= bad_l[k];
    }
    for (std::size_t i = whole; i < sweep.size(); ++i) {
        const float v = sweep[i];
        if (!std::isfinite(v)) bad = 1;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    const float poison = bad ? 1.0f : 0.0f;
    if (poison != 0.0f) {
        for (std::size_t i = 0; i < sweep.size(); ++i) {
            if (!std::isfinite(sweep[i])) {
                r.reason = ExclusionReason::non_finite;
                char buf[96];
                std::snprintf(buf, sizeof buf, "non-finite sample at %.2f ms", sample_ms(i));
                r.detail = buf;
                return r;
            }
        }
    }
    if (lo == hi) return r;
    // Clipping needs a run of the extreme value: count its samples first (a
    // vectorised pass); a live signal reaches its extremes once or twice.
    std::size_t extremes = 0;
    for (const float v : sweep) extremes += static_cast<std::size_t>(v == lo) + static_cast<std::size_t>(v == hi);
    if (extremes < criterion.min_run_samples) return r;

    // A run of the extreme value counts only where it lies outside the pulse
    // window. The scan stops once every extreme sample has been seen (the
    // stimulus artefact's flat spike is usually all of them, early in the sweep).
    std::size_t i = 0, seen = 0;
    while (i < sweep.size() && seen < extremes) {
        const float v = sweep[i];
        if (v != lo && v != hi) {
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < sweep.size() && sweep[j] == v) ++j;
        seen += j - i;
        if (j - i >= 2) {
            std::size_t outside = 0, first_outside = j;
            for (std::size_t k = i; k < j; ++k) {
                const double t = sample_ms(k);
                if (t < criterion.pulse_start_ms || t >= criterion.pulse_end_ms) {
                    if (outside == 0) first_outside = k;
                    ++outside;
                }
            }
            // A run of n samples holds the value for n sample periods.
            if (outside >= criterion.min_run_samples &&
                static_cast<double>(outside) * ms_per_sample >= criterion.min_run_ms) {
                r.reason = ExclusionReason::clipping;
                char buf[128];
                std::snprintf(buf, sizeof buf, "%zu samples held at %.6g from %.2f ms", outside,
                              static_cast<double>(v), sample_ms(first_outside));
                r.detail = buf;
                return r;
            }
        }
        i = j;
    }
    return r;
}

}  // namespace edx::evoked
