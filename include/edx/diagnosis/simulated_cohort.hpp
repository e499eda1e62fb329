// End-to-end check of the diagnosis on simulated patients: each patient's true
// condition is drawn from a referral context's prior, the case file from the
// published test accuracies (edx/sim/clinical_findings_sim.hpp), the study from
// the recording simulator, and the EDX markers from an EdxFindingsSource. Until
// the evoked and needle-EMG analyses can run on the recordings, the source is
// provisional_edx_findings: markers derived from the simulator's truth with the
// provisional rates of signals/physiology/clinical_findings.json /provisional_edx.
// A separate library (edx::diagnosis_cohort): the diagnosis itself never depends on the simulator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/diagnosis/edx_findings.hpp"
#include "edx/diagnosis/inference.hpp"
#include "edx/sim/clinical_findings_sim.hpp"
#include "edx/sim/study_sim.hpp"

namespace edx::diagnosis {

struct SimulatedPatient {
    int index = 0;
    sim::ClinicalCondition condition = sim::ClinicalCondition::other;
    std::uint64_t seed = 0;
    sim::StudySpec study_spec;
    // The study (recordings and truth). Without simulate_recordings it holds the
    // H-reflex recordings only; the truth always holds the lesion's reach into
    // every muscle and sensory nerve.
    sim::SimulatedStudy study;
    nlohmann::json case_document;  // schema v1, without electrodiagnosis
};

// The EDX markers of a patient's symptomatic leg. The lead swaps in the real
// analyses here (they read patient.study.study; set simulate_recordings).
using EdxFindingsSource = std::function<EdxFindings(const SimulatedPatient&)>;

// PROVISIONAL: markers derived from patient.study.truth (lesion involvement per
// muscle and sensory nerve, lesion age, FAIR delay and H latencies of both legs)
// with the detection and false-positive rates of /provisional_edx; deterministic
// in the patient's seed.
EdxFindings provisional_edx_findings(const SimulatedPatient& patient);

// A patient from a study truth file (e.g. signals/examples/*.truth.json), for
// checking the bundled examples through the same path.
SimulatedPatient patient_from_truth(const nlohmann::json& truth, sim::ClinicalCondition condition, std::uint64_t seed);

struct CohortOptions {
    int patients = 500;
    std::string referral_context = "all_sciatica";  // the cohort's condition mix is this context's prior
    std::uint64_t seed = 1;
    bool with_edx = true;               // false: the clinical case files alone
    bool simulate_recordings = false;   // true: whole studies (slow: needle EMG, NCS)
    double examination_done_probability = 0.8;
    double history_known_probability = 0.9;
    double lumbar_mri_done_probability = 0.7;  // 0 for contexts that already exclude a lumbar lesion
    double pelvic_mri_done_probability = 0.2;
    DiagnosisOptions diagnosis{2000, 0x4447534e4f5345ull};
    EdxFindingsSource edx_source = provisional_edx_findings;  // called from several threads at once
    // The recording protocol of the simulated studies (sample rates, FAIR
    // sweeps, needle muscles and durations); lesion, side, age and the FAIR
    // delay come from each patient. Without simulate_recordings only the
    // H-reflex part is simulated, at the least cost.
    sim::StudySpec protocol;
    int threads = 0;  // patients simulated in parallel; 0: every core
    void validate() const;  // throws std::invalid_argument naming the field
};

struct CohortPatientResult {
    int index = 0;
    sim::ClinicalCondition condition = sim::ClinicalCondition::other;
    std::string truth;  // deep_gluteal_syndrome, lumbosacral_radiculopathy or other
    double p_dgs = 0.0;  // posterior means
    double p_radiculopathy = 0.0;
    double p_other = 0.0;
    std::string leading;
    int edx_markers = 0;  // EDX markers known for this patient
};

// One bin of the reliability table for P(deep gluteal syndrome).
struct ReliabilityBin {
    double lo = 0.0, hi = 0.0;
    int patients = 0;
    double mean_predicted = 0.0;
    double observed_fraction = 0.0;
};

struct CohortReport {
    std::vector<CohortPatientResult> patients;
    std::map<std::string, int> truth_counts;
    // AUC of P(DGS) between patients with DGS and with radiculopathy (Mann-Whitney, ties count 1/2).
    double auc_dgs_vs_radiculopathy = 0.0;
    double brier_dgs = 0.0;         // mean (P(DGS) - [truth is DGS])^2
    double brier_three_class = 0.0; // mean over patients of the sum over DGS, radiculopathy, other
    double leading_accuracy = 0.0;  // share whose most probable answer is the truth
    std::vector<ReliabilityBin> reliability_dgs;  // ten bins of width 0.1
};

CohortReport run_cohort(const CohortOptions& options);

// Mann-Whitney AUC: P(score of a positive > score of a negative) + P(tie) / 2.
double area_under_curve(const std::vector<double>& positives, const std::vector<double>& negatives);

}  // namespace edx::diagnosis
