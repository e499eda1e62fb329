// The sensory responses as the localisation reads them: per sensory nerve and
// side, the amplitude ratio to the other side's, or "reduced" when the SNAP is
// absent. Shared by the localisation input and the EDX markers, so both judge
// a SNAP alike.
#pragma once

#include <span>
#include <vector>

#include "edx/emg/localisation.hpp"
#include "edx/evoked/ncs.hpp"

namespace edx::analysis {

// Each sensory_ncs nerve and side once (the first recording of it):
//  absent on this side -> reduced, whatever the other side;
//  present on both     -> amplitude_ratio = this side / other side;
//  present, other side not recorded or absent -> no finding (nothing to compare).
std::vector<emg::SnapFinding> snap_findings(std::span<const evoked::NcsMeasure> measures);

}  // namespace edx::analysis
