// The needle-EMG analysis of one recording and of a study: the recording is
// cut into its contraction=rest and contraction=minimal segments (a
// recording without contraction markers is read whole as rest), each channel
// of each segment is analysed (spontaneous activity at rest, motor units at
// minimal effort), the findings are combined per recording and the muscle is
// called; across a study, the per-muscle findings and the SNAP findings
// localise the lesion. Results are value types; to_json gives the output
// contract of `edx emg --json`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/emg/localisation.hpp"
#include "edx/emg/motor_unit_analysis.hpp"
#include "edx/emg/muap_decomposition.hpp"
#include "edx/emg/muscle_call.hpp"
#include "edx/emg/spontaneous_activity.hpp"
#include "edx/io/recording.hpp"
#include "edx/io/study.hpp"

namespace edx::emg {

struct NeedleEmgConfig {
    // The layout has no electrode attribute: unless the user says otherwise
    // the needle is taken to be concentric, and the output says it was assumed.
    NeedleType needle = NeedleType::concentric;
    bool needle_given = false;
    SpontaneousCriteria spontaneous;
    DecompositionCriteria decomposition;
    UnitAnalysisCriteria units;
    CallCriteria call;

    static NeedleEmgConfig from_tables();
    void validate() const;
};

// A stretch of one channel analysed as one site.
struct SegmentInfo {
    std::string contraction;  // "rest" or "minimal"
    std::size_t channel = 0;
    double start_s = 0.0;
    double end_s = 0.0;
};

struct SpontaneousSite {
    SegmentInfo segment;
    SpontaneousResult result;
};

struct MuapSite {
    SegmentInfo segment;
    Decomposition decomposition;
    std::vector<MotorUnitResult> units;
    MotorUnitSummary summary;
};

struct SpontaneousSummary {
    double rest_s = 0.0;
    double fibrillations_per_min = 0.0;
    double psw_per_min = 0.0;
    double fasciculations_per_min = 0.0;
    double crd_per_min = 0.0;
    int graded_trains = 0;  // at the site with the most
    int grade = 0;          // the highest site grade
};

struct NeedleEmgResult {
    std::string name, muscle, side;
    double sample_rate_hz = 0.0;
    std::size_t channels = 1;
    NeedleType needle = NeedleType::concentric;
    bool needle_assumed = true;
    std::vector<SpontaneousSite> spontaneous_sites;
    std::vector<MuapSite> muap_sites;
    std::optional<SpontaneousSummary> spontaneous;  // when a rest segment was analysed
    MotorUnitSummary muap;                          // pooled over the minimal-effort sites
    MuscleCallResult call;
    std::vector<std::string> notes;                 // segments not analysed, and why
};

// Throws std::invalid_argument if the recording is not continuous needle EMG.
NeedleEmgResult analyse_needle_emg(const Recording& recording, const NeedleEmgConfig& config);

// The finding the localisation reads: abnormal when the grade is 1+ or more or the call is neuropathic.
MuscleFinding muscle_finding(const NeedleEmgResult& result);

struct StudyEmgResult {
    std::vector<NeedleEmgResult> recordings;
    std::vector<SnapFinding> snaps;
    std::vector<Localisation> localisations;
};

// Every needle_emg recording of the study, then the localisation.
StudyEmgResult analyse_study_emg(const Study& study, const std::vector<SnapFinding>& snaps, const NeedleEmgConfig& config);

// The output contract: per recording name, muscle, side, spontaneous
// {fibrillations_per_min, psw_per_min, fasciculations_per_min, grade}, muap
// {n_units, mean_amplitude_uv, mean_duration_ms, percent_polyphasic,
// recruitment_ratio}, call, with the reasons, the limits used and the
// per-train and per-unit detail; and per side the pattern and the ranked
// sites {site, score, for, against}.
nlohmann::ordered_json to_json(const NeedleEmgResult& result);
nlohmann::ordered_json to_json(const StudyEmgResult& result);

}  // namespace edx::emg
