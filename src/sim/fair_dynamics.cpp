#include "edx/sim/fair_dynamics.hpp"

#include <cmath>
#include <stdexcept>

namespace edx::sim {

void FairResponse::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("fair." + what); };
    if (!(delay_ms >= 0.0) || !std::isfinite(delay_ms)) fail("delay_ms must be >= 0 and finite");
    if (onset_tau_s && !(*onset_tau_s >= 0.0)) fail("onset_tau_s must be >= 0");
    if (recovery_tau_s && !(*recovery_tau_s >= 0.0)) fail("recovery_tau_s must be >= 0");
    if (!(amplitude_factor >= 0.0 && amplitude_factor <= 1.0)) fail("amplitude_factor must be in [0, 1]");
    if (position.empty()) fail("position must not be empty");
}

FairDynamics::FairDynamics(double delay_ms, double onset_tau_s, double recovery_tau_s, double amplitude_factor,
                           std::string fair_position, std::vector<Marker> markers)
    : delay_ms_(delay_ms),
      onset_tau_s_(onset_tau_s),
      recovery_tau_s_(recovery_tau_s),
      amplitude_factor_(amplitude_factor),
      fair_position_(std::move(fair_position)) {
    for (auto& m : markers) {
        if (m.value_of("position")) markers_.push_back(std::move(m));
    }
    for (std::size_t i = 1; i < markers_.size(); ++i) {
        if (markers_[i].time_s < markers_[i - 1].time_s)
            throw std::invalid_argument("FairDynamics: markers must be sorted by time");
    }
}

double FairDynamics::progress(double time_s) const {
    // First-order relaxation towards 1 in FAIR and 0 elsewhere, segment by segment.
    double x = 0.0;
    for (std::size_t i = 0; i < markers_.size() && markers_[i].time_s <= time_s; ++i) {
        const bool in_fair = *markers_[i].value_of("position") == fair_position_;
        const double end =
            (i + 1 < markers_.size() && markers_[i + 1].time_s <= time_s) ? markers_[i + 1].time_s : time_s;
        const double target = in_fair ? 1.0 : 0.0;
        const double tau = in_fair ? onset_tau_s_ : recovery_tau_s_;
        const double dt = end - markers_[i].time_s;
        x = tau <= 0.0 ? target : target + (x - target) * std::exp(-dt / tau);
    }
    return x;
}

std::optional<double> FairDynamics::time_in_fair_s(double time_s) const {
    std::optional<double> since;
    for (const auto& m : markers_) {
        if (m.time_s > time_s) break;
        since = *m.value_of("position") == fair_position_ ? std::optional<double>(m.time_s) : std::nullopt;
    }
    if (!since) return std::nullopt;
    return time_s - *since;
}

nlohmann::json FairDynamics::to_json() const {
    return {{"delay_ms", delay_ms_},
            {"onset_tau_s", onset_tau_s_},
            {"recovery_tau_s", recovery_tau_s_},
            {"amplitude_factor", amplitude_factor_},
            {"position", fair_position_},
            {"model",
             "first-order: x -> 1 with onset_tau_s while in FAIR, x -> 0 with recovery_tau_s elsewhere; "
             "delay = delay_ms * x, H amplitude factor = 1 - (1 - amplitude_factor) * x"}};
}

}  // namespace edx::sim
