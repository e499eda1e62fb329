#include "edx/emg/signal_conditioning.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/filter_settings.hpp"
#include "edx/dsp/zero_phase.hpp"
#include "edx/signals/table.hpp"

namespace edx::emg {

namespace {
// The noise estimate leaves out +/- guard_ms around every excursion beyond
// exclude_sd and re-estimates, `passes` times.
constexpr double guard_ms = 1.5;
constexpr double exclude_sd = 4.0;
constexpr int passes = 4;
constexpr std::size_t max_median_samples = 20000;
}  // namespace

ConditioningSettings ConditioningSettings::with_band(double detection_low_hz, double detection_high_hz) {
    ConditioningSettings s;
    const auto machine = dsp::default_filter_settings("needle_emg");
    if (machine && machine->settings.highpass_hz) s.measurement_highpass_hz = *machine->settings.highpass_hz;
    s.order = static_cast<int>(signals::constant("filters/machine_defaults.json", "/butterworth_order"));
    s.detection_low_hz = detection_low_hz;
    s.detection_high_hz = detection_high_hz;
    s.validate();
    return s;
}

void ConditioningSettings::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("ConditioningSettings: " + what); };
    if (!(measurement_highpass_hz > 0.0) || !std::isfinite(measurement_highpass_hz)) {
        fail("measurement_highpass_hz must be > 0");
    }
    if (!(detection_low_hz > 0.0) || !(detection_high_hz > detection_low_hz) || !std::isfinite(detection_high_hz)) {
        fail("detection band must satisfy 0 < detection_low_hz < detection_high_hz");
    }
    if (order < 1 || order > 8) fail("order must be in [1, 8]");
}

ConditionedSignal condition(std::span<const float> x, double fs, const ConditioningSettings& settings) {
    settings.validate();
    if (!(fs > 0.0) || !std::isfinite(fs)) throw std::invalid_argument("condition: sample_rate_hz must be > 0");
    const double high = std::min(settings.detection_high_hz, 0.45 * fs);
    if (!(high > settings.detection_low_hz)) {
        throw std::invalid_argument("condition: the detection band " + std::to_string(settings.detection_low_hz) +
                                    " Hz and up does not fit below Nyquist at " + std::to_string(fs) + " Hz");
    }
    ConditionedSignal out;
    out.sample_rate_hz = fs;
    out.measurement_uv.resize(x.size());
    out.detection_uv.resize(x.size());
    const auto hp = dsp::butterworth_highpass(settings.order, settings.measurement_highpass_hz, fs);
    const auto bp = dsp::butterworth_bandpass(settings.order, settings.detection_low_hz, high, fs);
    dsp::zero_phase_filter(hp, x, out.measurement_uv);
    dsp::zero_phase_filter(bp, out.measurement_uv, out.detection_uv);
    return out;
}

double robust_noise_sd(std::span<const float> x, double fs) {
    if (x.size() < 4) return 0.0;
    const std::size_t n = x.size();
    const auto guard = static_cast<std::size_t>(std::max(1.0, std::round(guard_ms * fs / 1000.0)));
    // The medians are taken over at most max_median_samples evenly spaced
    // samples, so only those need to know whether they are quiet: a sample is
    // quiet when no excursion lies within `guard` samples of it, read off a
    // running count of excursions over every sample.
    const std::size_t stride = std::max<std::size_t>(1, n / max_median_samples);
    const std::size_t picked = (n + stride - 1) / stride;
    std::vector<unsigned char> quiet(picked, 1), next(picked);
    std::vector<unsigned char> beyond(n);
    std::vector<std::uint32_t> count(n + 1);
    std::vector<float> buffer;
    buffer.reserve(picked);
    double sd = 0.0;
    for (int pass = 0; pass < passes; ++pass) {
        buffer.clear();
        for (std::size_t k = 0; k < picked; ++k) {
            if (quiet[k]) buffer.push_back(x[k * stride]);
        }
        if (buffer.size() < std::max<std::size_t>(4, picked / 10)) break;
        auto mid = buffer.begin() + static_cast<std::ptrdiff_t>(buffer.size() / 2);
        std::nth_element(buffer.begin(), mid, buffer.end());
        const float median = *mid;
        for (auto& v : buffer) v = std::abs(v - median);
        std::nth_element(buffer.begin(), mid, buffer.end());
        sd = *mid / 0.6745;
        if (pass + 1 == passes) break;
        // Leave out the neighbourhood of every excursion beyond exclude_sd.
        const double limit = exclude_sd * sd;
        for (std::size_t i = 0; i < n; ++i) beyond[i] = std::abs(x[i] - median) > limit;
        for (std::size_t i = 0; i < n; ++i) count[i + 1] = count[i] + beyond[i];
        for (std::size_t k = 0; k < picked; ++k) {
            const std::size_t i = k * stride;
            const std::size_t lo = i > guard ? i - guard : 0, hi = std::min(n, i + guard + 1);
            next[k] = count[hi] == count[lo];
        }
        // The same samples again: the next pass would find the same SD.
        if (next == quiet) break;
        quiet.swap(next);
    }
    return sd;
}

std::vector<Peak> detect_peaks(std::span<const float> x, double threshold_uv, std::size_t dead) {
    std::vector<Peak> peaks;
    const std::size_t n = x.size();
    std::size_t i = 0;
    while (i < n) {
        if (std::abs(x[i]) < threshold_uv) {
            ++i;
            continue;
        }
        // The largest |x| within +/- dead of a candidate; move to it until it is its own maximum.
        std::size_t best = i;
        for (;;) {
            const std::size_t lo = best >= dead ? best - dead : 0;
            const std::size_t hi = std::min(n - 1, best + dead);
            std::size_t m = best;
            for (std::size_t k = lo; k <= hi; ++k) {
                if (std::abs(x[k]) > std::abs(x[m])) m = k;
            }
            if (m == best) break;
            if (m < best && !peaks.empty() && m <= peaks.back().index + dead) break;
            best = m;
        }
        if (peaks.empty() || best > peaks.back().index + dead) {
            Peak p;
            p.index = best;
            p.value_uv = x[best];
            if (best > 0 && best + 1 < n) {
                const double a = std::abs(x[best - 1]), b = std::abs(x[best]), c = std::abs(x[best + 1]);
                const double den = a - 2.0 * b + c;
                if (den < 0.0) p.offset = std::clamp(0.5 * (a - c) / den, -0.5, 0.5);
            }
            peaks.push_back(p);
        }
        i = std::max(i + 1, best + dead + 1);
    }
    return peaks;
}

}  // namespace edx::emg
