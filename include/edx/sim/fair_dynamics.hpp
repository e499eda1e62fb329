// The time course of the FAIR-induced H-reflex change: after the position=fair
// marker the H delay (and any amplitude loss) builds up as a first-order
// response with an onset time constant, and relaxes back with a recovery time
// constant once the limb leaves FAIR. The literature describes a delay that
// appears seconds after the hip is placed; its exact course is a modelling choice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/io/recording.hpp"

namespace edx::sim {

// What FAIR does to one leg's H-reflex.
struct FairResponse {
    double delay_ms = 0.0;                 // H delay approached while in FAIR (>= 0)
    std::optional<double> onset_tau_s;     // unset: drawn from signals/physiology/h_reflex.json
    std::optional<double> recovery_tau_s;  // unset: the onset time constant
    double amplitude_factor = 1.0;         // H amplitude approached in FAIR: 1 unchanged, 0 lost
    std::string position = "fair";         // the position=<value> that provokes it

    void validate() const;  // throws std::invalid_argument naming the field
};

class FairDynamics {
public:
    // `markers` sorted by time; only position=... markers matter. Before the
    // first one the limb is taken as out of FAIR and fully relaxed. A time
    // constant of 0 makes the change immediate.
    FairDynamics(double delay_ms, double onset_tau_s, double recovery_tau_s, double amplitude_factor,
                 std::string fair_position, std::vector<Marker> markers);

    // How far the change has developed at time_s: 0 relaxed, 1 fully developed.
    double progress(double time_s) const;
    double delay_ms(double time_s) const { return delay_ms_ * progress(time_s); }
    double amplitude_factor(double time_s) const { return 1.0 - (1.0 - amplitude_factor_) * progress(time_s); }
    // Seconds since the limb was last placed in FAIR, or nullopt if it is not in FAIR at time_s.
    std::optional<double> time_in_fair_s(double time_s) const;

    nlohmann::json to_json() const;

private:
    double delay_ms_, onset_tau_s_, recovery_tau_s_, amplitude_factor_;
    std::string fair_position_;
    std::vector<Marker> markers_;  // position markers only
};

}  // namespace edx::sim
