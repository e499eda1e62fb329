// The input of the FAIR H-wave delay analysis: one leg's H latencies as a time
// course (per sweep: time, limb position, latency or why there is none) and the
// position markers. It knows nothing of how the latencies were measured, so the
// statistics can be checked on latency series with known answers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace edx::evoked {

struct FairSweep {
    std::size_t sweep_index = 0;         // the sweep's index in its recording (reported back, never interpreted)
    double time_s = 0.0;                 // stimulus time, seconds from the start of the session
    std::string position;                // position=<value> in force at time_s ("anatomic", "fair", ...); empty: none
    std::optional<double> h_latency_ms;  // H onset latency; unset: no H-wave found in this sweep
    bool excluded = false;               // excluded upstream (artefact, clipping, ...): never used
    std::string exclusion_reason;        // why, when excluded (reported back)
};

// A position marker: from time_s on the limb is in `position` (the value of a
// position=<value> marker, e.g. "fair").
struct FairMarker {
    double time_s = 0.0;
    std::string position;
};

struct FairTimeCourse {
    std::string name;  // recording name, reported back
    std::string side;  // "left", "right" or empty
    std::vector<FairSweep> sweeps;
    std::vector<FairMarker> markers;
};

}  // namespace edx::evoked
