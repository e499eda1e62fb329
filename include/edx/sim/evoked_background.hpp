// Noise and interference of an evoked recording (white + 1/f noise, mains hum
// with harmonics, baseline wander) and how its level is chosen: by the SNR of
// the recording's reference component, by an explicit RMS, or drawn from the
// ranges of signals/physiology/evoked_artefact_noise.json. The SNR convention
// is noise.hpp's: 20*log10(peak |component| / RMS of white + pink noise).
#pragma once

#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "edx/io/recording.hpp"
#include "edx/sim/noise.hpp"
#include "edx/sim/random.hpp"

namespace edx::sim {

struct EvokedBackground {
    // At most one of these two. Each simulator names its reference component
    // (the H-wave for an H-reflex series, the distal CMAP, the SNAP, the F-waves).
    std::optional<double> snr_db;
    std::optional<double> noise_rms_mv;
    // Unset fields are drawn for the recording's kind.
    std::optional<double> pink_fraction;
    double mains_hz = 50.0;  // 50 or 60
    std::optional<double> mains_amplitude_mv;
    std::optional<int> mains_harmonics;
    std::optional<double> harmonic_ratio;
    std::optional<double> wander_amplitude_mv;
    std::optional<double> wander_hz;

    // No noise, no mains, no wander: the noiseless recording with the same physiology.
    static EvokedBackground none();
    void validate() const;  // throws std::invalid_argument naming the field
};

struct ResolvedBackground {
    NoiseSpec spec;                                            // amplitudes in mV
    double reference_peak_mv = 0.0;                            // the reference component's peak |amplitude|, 0 if none
    double snr_db = std::numeric_limits<double>::quiet_NaN();  // NaN when there is no reference or no noise
    std::string level_from;                                    // "snr_db", "noise_rms_mv" or "drawn"

    nlohmann::json to_json() const;
};

// Draws what is unset (always the same number of draws from `random`) and sets
// the noise RMS. Throws std::invalid_argument if snr_db is asked for but the
// reference component is absent (reference_peak_mv <= 0): give noise_rms_mv then.
ResolvedBackground resolve_background(const EvokedBackground& background, RecordingKind kind, double reference_peak_mv,
                                      Random& random);

// Adds noise and interference to every sweep of a sweep-form recording; mains
// and wander are phase-continuous across sweeps (each sweep starts at its
// stimulus time minus the pre-trigger). Returns the realised white + pink RMS
// over all sweeps.
double add_background(Recording& recording, const NoiseSpec& spec, Random& random);

}  // namespace edx::sim
