#include "edx/sim/noise.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace edx::sim {

namespace {

// Pink noise by Paul Kellet's refined filter of white noise: accurate to
// +/-0.05 dB above about 1/1000 of the sample rate, which covers the band of
// every EDX recording.
std::vector<double> pink(std::size_t n, Random& random) {
    double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
    std::vector<double> out(n);
    for (auto& y : out) {
        const double w = random.normal();
        b0 = 0.99886 * b0 + w * 0.0555179;
        b1 = 0.99332 * b1 + w * 0.0750759;
        b2 = 0.96900 * b2 + w * 0.1538520;
        b3 = 0.86650 * b3 + w * 0.3104856;
        b4 = 0.55000 * b4 + w * 0.5329522;
        b5 = -0.7616 * b5 - w * 0.0168980;
        y = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
        b6 = w * 0.115926;
    }
    return out;
}

double rms_of(const std::vector<double>& x) {
    double acc = 0.0;
    for (double v : x) acc += v * v;
    return x.empty() ? 0.0 : std::sqrt(acc / static_cast<double>(x.size()));
}

}  // namespace

NoiseRealised add_noise(std::span<float> signal, double sample_rate_hz, double t0_s, const NoiseSpec& spec,
                        Random& random) {
    const std::size_t n = signal.size();
    NoiseRealised realised;
    if (n == 0) return realised;

    if (spec.rms > 0.0) {
        std::vector<double> white(n);
        for (auto& w : white) w = random.normal();
        auto pinkish = pink(n, random);
        // Mix the two at unit power each, then scale the sum to the exact RMS.
        const double w_rms = rms_of(white), p_rms = rms_of(pinkish);
        const double pink_amp = std::sqrt(std::clamp(spec.pink_fraction, 0.0, 1.0));
        const double white_amp = std::sqrt(1.0 - pink_amp * pink_amp);
        std::vector<double> mix(n);
        for (std::size_t i = 0; i < n; ++i) {
            mix[i] = white_amp * white[i] / w_rms + (p_rms > 0 ? pink_amp * pinkish[i] / p_rms : 0.0);
        }
        const double scale = spec.rms / rms_of(mix);
        double acc = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double v = mix[i] * scale;
            acc += v * v;
            signal[i] += static_cast<float>(v);
        }
        realised.rms = std::sqrt(acc / static_cast<double>(n));
    }

    const double two_pi = 2.0 * std::numbers::pi;
    if (spec.mains_amplitude > 0.0 || spec.wander_amplitude > 0.0) {
        for (std::size_t i = 0; i < n; ++i) {
            const double t = t0_s + static_cast<double>(i) / sample_rate_hz;
            double v = spec.wander_amplitude * std::sin(two_pi * spec.wander_hz * t + spec.wander_phase_rad);
            double amplitude = spec.mains_amplitude;
            for (int h = 0; h <= spec.mains_harmonics && amplitude > 0.0; ++h) {
                const double f = spec.mains_hz * (2 * h + 1);
                if (f >= sample_rate_hz / 2) break;
                v += amplitude * std::sin(two_pi * f * t + (2 * h + 1) * spec.mains_phase_rad);
                amplitude *= spec.harmonic_ratio;
            }
            signal[i] += static_cast<float>(v);
        }
    }
    return realised;
}

}  // namespace edx::sim
