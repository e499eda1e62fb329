// The electrodiagnostic markers of one leg, decided from the study's analyses:
// what the diagnosis weighs (FAIR delay, peroneal-division denervation pattern,
// paraspinal fibrillations, gluteal involvement, reduced SNAPs, H side to side).
// A marker whose deciding muscle or nerve was not examined stays unknown, never negative.
#pragma once

#include <string_view>

#include "edx/analysis/study_analysis.hpp"
#include "edx/diagnosis/edx_findings.hpp"

namespace edx::analysis {

// side: "left" or "right" (throws std::invalid_argument otherwise).
//  fair_delay: the leg's FAIR analysis when its status is ok.
//  peroneal_division_denervation_pattern: known when the short head of biceps
//    femoris, a lumbar paraspinal and a gluteal muscle (gluteus medius or
//    maximus, tensor fasciae latae) of that side were examined; true when the
//    short head of biceps femoris is abnormal, no paraspinal or gluteal muscle
//    is, and peroneal-division muscles are at least as often abnormal as
//    tibial-division ones (a sciatic lesion favours the peroneal division).
//  paraspinal_spontaneous_activity: fibrillations or positive sharp waves
//    (grade 1+ or more) in a lumbar paraspinal of that side.
//  gluteal_involvement: a gluteal muscle of that side abnormal (grade 1+ or
//    more, or called neuropathic).
//  sural / superficial_peroneal_snap_reduced: that side's SNAP absent, or below
//    the ratio of signals/anatomy/localisation_rules.json /snap/reduced_ratio_below
//    times the other side's; unknown without the other side (an absent SNAP
//    with the other side present counts as reduced).
//  h_side_to_side_abnormal: that leg's H later than the other's beyond the
//    age-dependent limit, or absent while the other leg's is present.
diagnosis::EdxFindings edx_markers(const StudyAnalysis& analysis, std::string_view side);

}  // namespace edx::analysis
