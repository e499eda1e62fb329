// A time course checked and sorted for the FAIR statistics: every sweep's role
// (from the markers, in time order, as the online estimator assigns it), the
// baseline latencies in time order and the FAIR latencies in order of time in
// FAIR. Shared by the single-leg analysis and the leg comparison.
#pragma once

#include <cstddef>
#include <vector>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/evoked/fair_time_course.hpp"
#include "fair_role_tracker.hpp"

namespace edx::evoked::detail {

struct FairPrepared {
    std::vector<std::size_t> order;             // sweep indices in time order (list order breaks ties)
    std::vector<FairClassified> classified;     // by sweep index
    std::vector<double> baseline;               // anatomic baseline latencies, time order
    std::vector<double> fair, fair_time_s;      // FAIR latencies and their times in FAIR, by time in FAIR
    std::vector<std::size_t> fair_sweep;        // the sweep index of each FAIR entry
    FairCounts counts;
};

// Throws std::invalid_argument naming the sweep or marker (see analyze_fair).
FairPrepared prepare_fair(const FairTimeCourse& course, const FairOptions& options);

}  // namespace edx::evoked::detail
