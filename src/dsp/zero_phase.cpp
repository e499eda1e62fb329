#include "edx/dsp/zero_phase.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "edx/dsp/sos_filter.hpp"

namespace edx::dsp {

std::size_t default_pad_length(const SosCascade& cascade) {
    std::size_t b2_zero = 0, a2_zero = 0;
    for (const auto& s : cascade.sections()) {
        b2_zero += s.b2 == 0.0 ? 1 : 0;
        a2_zero += s.a2 == 0.0 ? 1 : 0;
    }
    return 3 * (2 * cascade.size() + 1 - std::min(b2_zero, a2_zero));
}

namespace {

template <class T>
void filtfilt(const SosCascade& cascade, std::span<const T> in, std::span<T> out, std::optional<std::size_t> pad) {
    if (in.size() != out.size()) throw std::invalid_argument("zero_phase_filter: input and output differ in size");
    const std::size_t edge = pad.value_or(default_pad_length(cascade));
    const std::size_t n = in.size();
    if (n <= edge) {
        throw std::invalid_argument("zero_phase_filter: the signal (" + std::to_string(n) +
                                    " samples) must be longer than the pad length (" + std::to_string(edge) + ")");
    }
    // Odd extension: 2 x[0] - x[edge..1] before, 2 x[n-1] - x[n-2..n-1-edge] after.
    std::vector<double> ext(n + 2 * edge);
    const double first = static_cast<double>(in[0]);
    const double last = static_cast<double>(in[n - 1]);
    for (std::size_t i = 0; i < edge; ++i) {
        ext[i] = 2.0 * first - static_cast<double>(in[edge - i]);
        ext[edge + n + i] = 2.0 * last - static_cast<double>(in[n - 2 - i]);
    }
    for (std::size_t i = 0; i < n; ++i) ext[edge + i] = static_cast<double>(in[i]);

    const std::vector<double> zi = cascade.step_initial_state();
    std::vector<double> state(zi.size());
    for (std::size_t i = 0; i < zi.size(); ++i) state[i] = zi[i] * ext.front();
    sosfilt(cascade, ext, state);
    std::reverse(ext.begin(), ext.end());
    for (std::size_t i = 0; i < zi.size(); ++i) state[i] = zi[i] * ext.front();
    sosfilt(cascade, ext, state);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(ext[edge + n - 1 - i]);
}

}  // namespace

void zero_phase_filter(const SosCascade& cascade, std::span<const float> in, std::span<float> out,
                       std::optional<std::size_t> pad_length) {
    filtfilt<float>(cascade, in, out, pad_length);
}

void zero_phase_filter(const SosCascade& cascade, std::span<const double> in, std::span<double> out,
                       std::optional<std::size_t> pad_length) {
    filtfilt<double>(cascade, in, out, pad_length);
}

}  // namespace edx::dsp
