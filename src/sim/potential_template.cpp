#include "edx/sim/potential_template.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edx::sim {

double PotentialTemplate::first_ms() const noexcept {
    return -1000.0 * static_cast<double>(reference_index) / fine_rate_hz();
}

double PotentialTemplate::last_ms() const noexcept {
    if (samples_uv.empty()) return 0.0;
    return 1000.0 * static_cast<double>(samples_uv.size() - 1 - reference_index) / fine_rate_hz();
}

double PotentialTemplate::quantise(double time_s) const noexcept {
    return std::round(time_s * fine_rate_hz()) / fine_rate_hz();
}

void PotentialTemplate::add_to(std::span<float> signal, double time_s, double gain) const {
    if (samples_uv.empty() || signal.empty()) return;
    const long long os = oversampling;
    // Fine-grid index of the reference, counted from t = 0; recording sample n
    // is fine index n * os, i.e. template index n * os - q + reference.
    const long long q = std::llround(time_s * fine_rate_hz());
    const long long first = q - static_cast<long long>(reference_index);  // fine index of template sample 0
    const long long last = first + static_cast<long long>(samples_uv.size()) - 1;
    long long n0 = first <= 0 ? 0 : (first + os - 1) / os;
    long long n1 = last < 0 ? -1 : last / os;
    n1 = std::min<long long>(n1, static_cast<long long>(signal.size()) - 1);
    for (long long n = n0; n <= n1; ++n) {
        const auto k = static_cast<std::size_t>(n * os - first);
        signal[static_cast<std::size_t>(n)] += static_cast<float>(gain * samples_uv[k]);
    }
}

std::vector<double> PotentialTemplate::decimated(int phase) const {
    std::vector<double> out;
    if (oversampling <= 0 || phase < 0) return out;
    for (std::size_t k = static_cast<std::size_t>(phase); k < samples_uv.size(); k += static_cast<std::size_t>(oversampling)) {
        out.push_back(samples_uv[k]);
    }
    return out;
}

double PotentialTemplate::peak_to_peak_uv() const noexcept {
    if (samples_uv.empty()) return 0.0;
    const auto [lo, hi] = std::minmax_element(samples_uv.begin(), samples_uv.end());
    return *hi - *lo;
}

PotentialTemplate make_template(std::vector<double> fine_samples_uv, double sample_rate_hz, int oversampling) {
    if (!(sample_rate_hz > 0.0) || oversampling < 1) {
        throw std::invalid_argument("make_template: sample_rate_hz must be > 0 and oversampling >= 1");
    }
    constexpr double negligible_uv = 1e-4;
    auto significant = [](double v) { return std::abs(v) >= negligible_uv; };
    const auto first = std::find_if(fine_samples_uv.begin(), fine_samples_uv.end(), significant);
    if (first == fine_samples_uv.end()) throw std::invalid_argument("make_template: the waveform is zero");
    const auto last = std::find_if(fine_samples_uv.rbegin(), fine_samples_uv.rend(), significant).base();
    PotentialTemplate t;
    t.sample_rate_hz = sample_rate_hz;
    t.oversampling = oversampling;
    t.samples_uv.assign(first, last);
    std::size_t ref = 0;
    for (std::size_t i = 1; i < t.samples_uv.size(); ++i) {
        if (std::abs(t.samples_uv[i]) > std::abs(t.samples_uv[ref])) ref = i;
    }
    t.reference_index = ref;
    return t;
}

}  // namespace edx::sim
