// Spontaneous activity at a needle site: fibrillation potentials (one
// denervated fibre's potential, initially positive), positive sharp waves (a
// sharp positivity then a long negative phase), fasciculations (a whole motor
// unit firing irregularly and rarely) and complex repetitive discharges (a
// time-locked group of fibres repeating at a fixed rate, starting and stopping
// abruptly). Each train has its own shape, amplitude, rate and regularity; the
// 0 to 4+ grade of fibrillations and positive sharp waves is the number of such
// trains, per signals/norms/spontaneous_activity_grade.json.
// Ranges: signals/physiology/needle_emg.json.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/sim/interval.hpp"
#include "edx/sim/motor_unit.hpp"
#include "edx/sim/potential_template.hpp"
#include "edx/sim/random.hpp"

namespace edx::sim {

enum class SpontaneousClass { fibrillation, positive_sharp_wave, fasciculation, complex_repetitive_discharge };

std::string_view to_string(SpontaneousClass kind) noexcept;
std::optional<SpontaneousClass> parse_spontaneous_class(std::string_view text) noexcept;
// Fibrillations and positive sharp waves: the classes the grade counts.
bool is_denervation_potential(SpontaneousClass kind) noexcept;

// One train, fully specified. Fields of other classes are ignored.
struct SpontaneousTrainSpec {
    SpontaneousClass kind = SpontaneousClass::fibrillation;
    double amplitude_uv = 100.0;   // peak to peak; fasciculation: 0 keeps the unit's own
    double rate_hz = 5.0;          // at start_s; fasciculation: mean rate of its irregular discharges
    double final_rate_ratio = 1.0; // rate at stop_s relative to rate_hz (< 1: slowing)
    double isi_cv = 0.02;          // not used by fasciculations (Poisson)
    double start_s = 0.0;          // active window within the recording
    double stop_s = std::numeric_limits<double>::infinity();

    // Fibrillation: transverse distance of the fibre from the needle (sharpness).
    // NaN: realise_train takes the distance at which a fibre of the table's
    // nominal diameter gives the amplitude, times a log-normal spread, then sets
    // the diameter that gives the amplitude there (written to the truth).
    double distance_mm = std::numeric_limits<double>::quiet_NaN();
    // Positive sharp wave.
    double psw_duration_ms = 15.0;    // whole waveform
    double psw_rise_sd_ms = 0.4;      // Gaussian flank of the positivity
    double psw_fall_ms = 2.0;         // positive peak to negative trough
    double psw_negative_ratio = 0.3;  // trough depth / positive peak
    double psw_return_skew = 1.5;     // > 1: the negative phase stays deep, then returns
    // Complex repetitive discharge.
    int crd_fibres = 5;
    double crd_span_ms = 8.0;          // spread of the fibres' delays in one complex
    // Fasciculation.
    MuapClass fasciculation_class = MuapClass::normal;
    double fasciculation_min_interval_ms = 100.0;

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

// The ranges of the table, plus Kraft's amplitude limits by lesion age.
struct SpontaneousRanges {
    Interval fib_amplitude_uv, fib_rate_hz, fib_isi_cv, fib_final_rate_ratio;
    double fib_nominal_diameter_um = 45.0;
    double fib_distance_log_sd = 0.25;
    Interval psw_amplitude_uv, psw_rate_hz, psw_isi_cv, psw_final_rate_ratio;
    Interval psw_duration_ms, psw_rise_sd_ms, psw_fall_ms, psw_negative_ratio;
    double psw_return_skew = 1.5;
    double psw_fraction = 0.4;
    Interval fasciculation_rate_hz;
    double fasciculation_min_interval_ms = 100.0;
    Interval crd_rate_hz, crd_amplitude_uv, crd_fibres, crd_span_ms, crd_isi_cv, crd_burst_s;
    std::vector<std::pair<double, double>> max_amplitude_by_age;  // (months, uV), increasing months

    static SpontaneousRanges from_table();
    // Upper fibrillation / positive-sharp-wave amplitude at this lesion age:
    // interpolated in Kraft's points, held beyond them.
    double max_amplitude_uv_at(double lesion_age_months) const noexcept;
};

// A train of the given class drawn from the ranges; amplitudes and rates
// log-uniformly. A lesion age caps fibrillation and positive-sharp-wave
// amplitudes. A slowing fibrillation or positive-sharp-wave train keeps within
// the rate range throughout (its final rate ratio is raised where it would
// end below the range). The active window is [start_s, stop_s) as given.
SpontaneousTrainSpec draw_train(SpontaneousClass kind, const SpontaneousRanges& ranges,
                                std::optional<double> lesion_age_months, double start_s, double stop_s,
                                Random& random);

// A train made real: its waveform (scaled to its amplitude) and discharge times.
struct SpontaneousTrain {
    SpontaneousTrainSpec spec;
    PotentialTemplate shape;
    std::vector<double> times_s;  // on the template's fine grid, within [start_s, stop_s)
    nlohmann::json shape_truth;   // what the shape was built from (distances, diameters)
};

// Builds the waveform at sample_rate_hz * oversampling and draws the
// discharges. Fibrillations and positive sharp waves fire regularly (ISI CV
// isi_cv around a rate changing linearly from rate_hz to rate_hz *
// final_rate_ratio), complex repetitive discharges at a constant rate from
// exactly start_s, fasciculations as a Poisson process with a dead time.
SpontaneousTrain realise_train(const SpontaneousTrainSpec& spec, double sample_rate_hz, int oversampling,
                               Random& random);

// The grade table.
struct SpontaneousGrade {
    int grade = 0;
    std::string label;  // "0", "1+", ... "4+"
    int trains_min = 0;
    int trains_max = 0;
};
const std::vector<SpontaneousGrade>& spontaneous_grades();
// The grade a site with this many persistent fibrillation / positive-sharp-wave trains has.
int grade_for_trains(int trains);
// How long a train must last at rest to count.
double grade_persistence_s();

// What a recording asks for.
struct SpontaneousSpec {
    int grade = 0;                              // 0..4: persistent fib/PSW trains drawn for it
    std::optional<double> psw_fraction;         // share of those that are PSWs; table default
    std::optional<double> lesion_age_months;    // caps their amplitude (Kraft90)
    int fasciculating_units = 0;
    int complex_repetitive_discharges = 0;      // bursts, each at a random time
    std::vector<SpontaneousTrainSpec> trains;   // added as given

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

// The trains of a recording: grade trains persistent over [begin_s, end_s),
// fasciculating units over the same window, CRD bursts anywhere in it, then the
// explicit trains (their windows clipped to [0, end_s)).
std::vector<SpontaneousTrainSpec> draw_spontaneous_trains(const SpontaneousSpec& spec,
                                                          const SpontaneousRanges& ranges, double begin_s,
                                                          double end_s, Random& random);

}  // namespace edx::sim
