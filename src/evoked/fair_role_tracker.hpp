// What each sweep is to the FAIR analysis (anatomic baseline, FAIR, recovery,
// other position, no latency, excluded), decided from the position markers
// seen so far. Used by the offline analysis (fed in time order) and by the
// online estimator, so both assign every sweep the same role. No allocation,
// no exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "edx/evoked/fair_analysis.hpp"
#include "edx/evoked/fair_online.hpp"

namespace edx::evoked::detail {

struct FairClassified {
    FairInputStatus status = FairInputStatus::accepted;
    FairSweepRole role = FairSweepRole::excluded;
    std::optional<double> time_in_position_s;  // since the marker that began the current position
    double time_in_fair_s = 0.0;               // role fair: since the marker that began the stay in FAIR
};

class FairRoleTracker {
public:
    // `options` must outlive the tracker.
    explicit FairRoleTracker(const FairOptions& options) noexcept : options_(&options) {}

    // A marker repeating the current position changes nothing (the time in
    // FAIR is counted from the marker that put the limb there).
    FairInputStatus add_marker(double time_s, std::string_view position) noexcept;
    // Does not change the state when the sweep is rejected.
    FairClassified classify(double time_s, std::string_view position, std::optional<double> h_latency_ms,
                            bool excluded) noexcept;

private:
    const FairOptions* options_;
    bool has_marker_ = false;
    double last_marker_s_ = 0.0;
    std::uint64_t position_hash_ = 0;
    bool in_fair_ = false;
    double position_since_s_ = 0.0;
    double fair_since_s_ = 0.0;
    std::optional<double> left_fair_s_;
    bool has_sweep_ = false;
    double last_sweep_s_ = 0.0;
};

}  // namespace edx::evoked::detail
