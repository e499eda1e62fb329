// Every analysis that applies to a study, run in one pass: H-reflex, FAIR
// delay and the two legs compared, NCS with velocities and F-waves, needle
// EMG with the localisation (fed the SNAPs the NCS found), and the EDX markers
// the diagnosis reads. What `edx analyze` prints and stores as the results document.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/diagnosis/edx_findings.hpp"
#include "edx/emg/needle_emg_analysis.hpp"
#include "edx/evoked/f_wave.hpp"
#include "edx/evoked/fair_analysis.hpp"
#include "edx/evoked/fair_leg_comparison.hpp"
#include "edx/evoked/h_norms.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/evoked/ncs.hpp"
#include "edx/io/study.hpp"

namespace edx::analysis {

struct StudyAnalysisOptions {
    evoked::FairOptions fair;  // criterion_ms and the estimator's settings
    void validate() const;     // throws std::invalid_argument naming the field
};

// A recording the study holds but no analysis could use, and why (a bad
// recording never stops the others).
struct NotAnalysed {
    std::string recording;
    std::string reason;
};

// The H latencies of the two legs against the side-to-side limit.
struct HSideToSide {
    std::optional<evoked::SideToSideComparison> comparison;  // both legs have an H latency
    std::string left_recording, right_recording;
    std::string note;  // why there is no comparison when both legs were recorded
};

struct StudyAnalysis {
    std::string subject_id;
    std::vector<evoked::HReflexResult> h_reflex;
    HSideToSide h_side_to_side;
    std::vector<evoked::FairAnalysis> fair;
    std::optional<evoked::FairLegComparison> fair_legs;  // one FAIR recording per leg
    std::vector<evoked::NcsMeasure> ncs;
    std::vector<evoked::ConductionVelocity> conduction_velocities;
    std::vector<evoked::FWaveResult> f_waves;
    std::optional<emg::StudyEmgResult> emg;  // when the study has needle EMG
    std::vector<NotAnalysed> not_analysed;
};

StudyAnalysis analyse_study(const Study& study, const StudyAnalysisOptions& options = {});

// The results document (stored as /results/document): every section above as
// its module's JSON, and "edx_findings" {"version": 1, "left", "right"} in the
// shape edx::diagnosis::edx_findings_from_results reads.
nlohmann::ordered_json results_document(const StudyAnalysis& analysis);

}  // namespace edx::analysis
