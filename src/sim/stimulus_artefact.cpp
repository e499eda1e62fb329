#include "edx/sim/stimulus_artefact.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "evoked_recording.hpp"
#include "physiology_table.hpp"

namespace edx::sim {

double StimulusArtefact::value_mv(double t_ms) const noexcept {
    if (t_ms < 0.0) return 0.0;
    if (t_ms < pulse_ms) return spike_mv;
    if (tail_tau_ms <= 0.0) return 0.0;
    return tail_mv * std::exp(-(t_ms - pulse_ms) / tail_tau_ms);
}

void StimulusArtefact::add_to(std::span<float> samples, double sample_rate_hz, double first_sample_ms) const {
    if (spike_mv == 0.0 && tail_mv == 0.0) return;
    const detail::SampleGrid grid(sample_rate_hz, first_sample_ms);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const double t = grid.t_ms(i);
        if (t < 0.0) continue;
        // Past 40 time constants the tail is below float resolution of any response.
        if (t > pulse_ms + 40.0 * tail_tau_ms) break;
        samples[i] += static_cast<float>(value_mv(t));
    }
}

StimulusArtefact StimulusArtefact::scaled(double factor) const {
    StimulusArtefact out = *this;
    out.spike_mv *= factor;
    out.tail_mv *= factor;
    return out;
}

nlohmann::json StimulusArtefact::to_json() const {
    return {{"pulse_ms", pulse_ms}, {"spike_mv", spike_mv}, {"tail_mv", tail_mv}, {"tail_tau_ms", tail_tau_ms}};
}

void ArtefactSettings::validate() const {
    auto check = [](const std::optional<double>& v, const char* field, bool strictly_positive) {
        if (v && !(strictly_positive ? *v > 0.0 : *v >= 0.0)) {
            throw std::invalid_argument(std::string("artefact.") + field +
                                        (strictly_positive ? " must be > 0" : " must be >= 0"));
        }
    };
    check(spike_mv, "spike_mv", false);
    check(tail_mv, "tail_mv", false);
    check(tail_tau_ms, "tail_tau_ms", true);
}

StimulusArtefact draw_artefact(const ArtefactSettings& settings, RecordingKind kind, double pulse_ms, Random& random) {
    settings.validate();
    const std::string_view path = "physiology/evoked_artefact_noise.json";
    std::string base = "/";
    base += to_string(kind);
    const double spike = detail::draw(path, base + "/spike_mv", random);
    const double tail = detail::draw(path, base + "/tail_mv", random);
    const double tau = detail::draw(path, base + "/tail_tau_ms", random);
    const double spike_sign = random.uniform() < 0.5 ? -1.0 : 1.0;
    const double tail_sign = random.uniform() < 0.5 ? -1.0 : 1.0;
    StimulusArtefact a;
    if (!settings.enabled) return a;
    a.pulse_ms = pulse_ms;
    a.spike_mv = spike_sign * detail::given_or(settings.spike_mv, spike);
    a.tail_mv = tail_sign * detail::given_or(settings.tail_mv, tail);
    a.tail_tau_ms = detail::given_or(settings.tail_tau_ms, tau);
    return a;
}

}  // namespace edx::sim
