// The dynamic FAIR H-wave delay of one leg, offline: the per-sweep latency
// time course with each sweep's role, the latency per position, the delay
// (FAIR minus anatomic) with its bootstrap 95% interval, the onset after the
// FAIR marker, significance and the verdict against the criterion. The
// definitions are in fair_estimate.hpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/evoked/fair_time_course.hpp"

namespace edx::evoked {

enum class FairSweepRole {
    anatomic,         // anatomic baseline, used
    fair_developing,  // in FAIR before the onset: not in the delay (in the significance test)
    fair,             // in FAIR, used for the delay (the plateau)
    recovery,         // anatomic within recovery_window_s of leaving FAIR: not used
    other_position,   // neither position: not used
    without_h,        // no H latency: not used
    excluded,         // excluded upstream: not used
};
// "anatomic", "fair_developing", "fair", "recovery", "other_position", "without_h", "excluded".
std::string_view to_string(FairSweepRole role) noexcept;

struct FairSweepResult {
    std::size_t sweep_index = 0;
    double time_s = 0.0;
    std::string position;
    std::optional<double> time_in_position_s;  // since the last position marker; unset before any
    std::optional<double> h_latency_ms;
    std::optional<double> minus_anatomic_ms;   // h_latency_ms minus the baseline median, when both exist
    FairSweepRole role = FairSweepRole::excluded;
    std::string exclusion_reason;
};

struct FairPositionLatency {
    std::string position;
    int sweeps = 0;        // with this label
    int with_latency = 0;  // not excluded, with an H latency
    std::optional<double> median_ms, min_ms, max_ms;
};

struct FairAnalysis {
    std::string name;
    std::string side;
    FairEstimate estimate;
    FairCounts counts;
    std::vector<FairPositionLatency> positions;  // every label, in order of first appearance
    std::vector<FairSweepResult> time_course;    // every sweep, in time order
    std::string reason;                          // why insufficient_data, in words; empty when ok
};

// Throws std::invalid_argument naming the sweep or marker when the input is
// inconsistent: a non-finite time or latency, a sweep whose position is not
// the one the last marker before it set, a FAIR sweep with no FAIR marker
// before it, two markers at one time with different positions. Markers may be
// given in any order (their times order them). Bad options throw too.
FairAnalysis analyze_fair(const FairTimeCourse& course, const FairOptions& options = {});

// The definitions, in words, for reports.
std::string fair_method_description(const FairOptions& options);

nlohmann::ordered_json to_json(const FairEstimate& estimate);
nlohmann::ordered_json to_json(const FairAnalysis& analysis);

}  // namespace edx::evoked
