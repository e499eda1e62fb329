// The EDX markers of a simulated patient as the engine finds them: the whole
// study analysed (edx::analysis), never the simulator's truth. The source the
// diagnosis cohort uses in the end-to-end test and in bench_diagnosis --analysed.
#pragma once

#include "edx/analysis/edx_markers.hpp"
#include "edx/analysis/study_analysis.hpp"
#include "edx/diagnosis/simulated_cohort.hpp"

namespace edx::test {

inline diagnosis::EdxFindings analysed_markers(const diagnosis::SimulatedPatient& patient) {
    return analysis::edx_markers(analysis::analyse_study(patient.study.study), patient.study_spec.side);
}

}  // namespace edx::test
