// One needle-EMG recording of one muscle, as a study takes it: rest
// (spontaneous activity), minimal effort (a few motor units recruited in
// order), optionally maximal effort (interference pattern). Continuous form in
// uV with contraction=rest/minimal/maximal markers, noise, and the truth: every
// discharge (time, class, source, amplitude), every unit's and train's
// parameters measured on its noiseless waveform (edx/sim/muap_parameters.hpp),
// the firing statistics, the grade and the realised noise.
// The same seed and name give the same recording; every part (each unit, each
// train, the noise) draws from its own stream, so changing one leaves the others.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "edx/sim/motor_unit.hpp"
#include "edx/sim/muap_firing.hpp"
#include "edx/sim/noise.hpp"
#include "edx/sim/simulated_recording.hpp"
#include "edx/sim/spontaneous_activity.hpp"

namespace edx::sim {

// Recruitment that goes with a MUAP class: reduced for neuropathic (chronic
// denervation), early for myopathic.
RecruitmentPattern typical_recruitment(MuapClass muap_class) noexcept;

struct NeedleEmgSpec {
    std::string name = "needle_emg";          // recording name; also names its random streams
    std::string muscle = "tibialis_anterior";  // snake_case, as the layout's muscle attribute
    std::string side;                          // "left", "right" or empty
    std::optional<double> sample_rate_hz;      // default: the table's 10 kHz
    std::optional<int> oversampling;           // default: the table's 4
    double rest_s = 10.0;
    double minimal_s = 10.0;
    double maximal_s = 0.0;
    std::optional<double> ramp_s;              // minimal effort's rise; default: the table's 2 s
    std::optional<NoiseSpec> noise;            // default: 10 uV RMS, 30% pink; NoiseSpec{} for none

    MuapClass muap_class = MuapClass::normal;
    std::optional<RecruitmentPattern> recruitment;  // default: typical_recruitment(muap_class)
    // Finer control than the class presets (e.g. partial reinnervation, a given
    // unit loss): ranges to draw from instead of the table's. Their class and
    // pattern must be muap_class and the recruitment pattern.
    std::optional<MotorUnitModel> unit_model;
    std::optional<RecruitmentModel> recruitment_model;
    SpontaneousSpec spontaneous;
    bool spontaneous_during_contraction = true;  // denervation trains keep firing under the MUAPs

    bool invert_polarity = false;  // negative-up exports: every waveform and the truth flipped
    bool truth_templates = false;  // write every waveform (fine-grid samples) into the truth

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

SimulatedRecording simulate_needle_emg(const NeedleEmgSpec& spec, std::uint64_t seed);

}  // namespace edx::sim
