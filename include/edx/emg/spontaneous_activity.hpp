// Spontaneous activity in a needle-EMG segment at rest: every potential is
// detected, sorted by waveform, and each waveform's discharges are searched
// for regular trains. A train is classified by its averaged waveform and its
// firing: fibrillations (brief spikes) and positive sharp waves (sharp phase,
// long opposite phase) fire regularly, complex repetitive discharges are
// complex waveforms repeating at a constant rate, fasciculations are
// MUAP-like potentials firing irregularly and rarely (voluntary units that
// keep firing are told apart by their rate). The 0 to 4+ grade counts the
// persistent fibrillation and positive-sharp-wave trains
// (signals/norms/spontaneous_activity_grade.json). Criteria and their
// sources: signals/norms/spontaneous_activity_criteria.json.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edx/emg/discharge_trains.hpp"
#include "edx/emg/muap_measurement.hpp"
#include "edx/emg/potential_shape.hpp"
#include "edx/emg/signal_conditioning.hpp"

namespace edx::emg {

enum class SpontaneousClass {
    fibrillation,
    positive_sharp_wave,
    fasciculation,
    complex_repetitive_discharge,
    voluntary_muap,  // a motor unit firing at rest: incomplete relaxation, not spontaneous activity
    unclassified,    // a detection too weak to classify outside a train
};

std::string_view to_string(SpontaneousClass kind) noexcept;
std::optional<SpontaneousClass> parse_spontaneous_class(std::string_view text) noexcept;
// Fibrillations and positive sharp waves: what the grade counts.
bool is_denervation_potential(SpontaneousClass kind) noexcept;

struct SpontaneousCriteria {
    ConditioningSettings conditioning;
    double threshold_sd = 4.5;
    double dead_time_ms = 1.5;
    ShapeCriteria shape;
    MuapCriteria measurement;
    TrainSearch search;                 // periods from the CRD's top rate to the fibrillations' lowest
    double regular_max_cv2 = 0.08;
    double train_min_coverage = 0.4;    // discharges found / periods spanned
    double time_locked_max_jitter_ms = 0.3;
    double complex_max_span_s = 0.015;  // delays within a complex repetitive discharge
    double crd_min_rate_hz = 5.0;
    double voluntary_min_rate_hz = 3.0;
    double isolated_min_snr = 6.0;
    double completion_min_snr = 4.0;    // matched-filter output where a regular train predicts a discharge
    double persistence_s = 3.0;         // signals/norms/spontaneous_activity_grade.json

    static SpontaneousCriteria from_tables();
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct SpontaneousDischarge {
    double time_s = 0.0;   // at the potential's detection peak, from the start of the recording
    SpontaneousClass kind = SpontaneousClass::unclassified;
    int train = -1;        // index into SpontaneousResult::trains, -1 outside any train
    double peak_snr = 0.0; // detection peak / noise SD
};

struct SpontaneousTrain {
    SpontaneousClass kind = SpontaneousClass::unclassified;
    std::vector<double> times_s;
    double rate_hz = 0.0;       // 1 / the median period
    double cv2 = 0.0;           // regularity (interval_cv2)
    bool regular = false;
    bool persistent = false;    // fires for longer than persistence_s
    bool graded = false;        // counts for the grade
    int time_locked_parts = 1;  // > 1: several potentials firing as one complex
    double noise_sd_uv = 0.0;   // left in the averaged waveform
    std::vector<double> template_uv;  // averaged waveform (measurement signal)
    std::size_t template_reference = 0;
    PotentialShape shape;
    MuapParameters parameters;  // of the averaged waveform, by the MUAP criteria
    std::string reason;
};

struct SpontaneousResult {
    double start_s = 0.0;
    double duration_s = 0.0;
    double noise_sd_uv = 0.0;    // detection signal
    double threshold_uv = 0.0;
    std::vector<SpontaneousDischarge> discharges;  // in time order
    std::vector<SpontaneousTrain> trains;
    int graded_trains = 0;
    int grade = 0;

    std::size_t count(SpontaneousClass kind) const noexcept;
    double per_minute(SpontaneousClass kind) const noexcept;
};

// Analyses one segment at rest: samples_uv (finite, uV) starting at start_s
// of the recording. Throws std::invalid_argument for a segment shorter than
// 0.5 s or a bad rate.
SpontaneousResult analyse_spontaneous(std::span<const float> samples_uv, double sample_rate_hz, double start_s,
                                      const SpontaneousCriteria& criteria);

// The grade a site with this many persistent fibrillation / positive-sharp-wave
// trains has, and its label ("0", "1+" ... "4+"), per the grade table.
int grade_for_trains(int trains);
std::string grade_label(int grade);

}  // namespace edx::emg
