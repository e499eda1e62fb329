// Additive noise and interference for simulated recordings: white and 1/f
// (pink) noise at an exact RMS, mains hum with harmonics and baseline wander.
// The SNR of a simulated component is 20*log10(peak |amplitude| / noise RMS),
// where the noise is the white + pink part only: mains and wander are
// deterministic interference that filters remove, reported separately.
#pragma once

#include <span>

#include "edx/sim/random.hpp"

namespace edx::sim {

struct NoiseSpec {
    double rms = 0.0;            // white + pink together, in the signal's unit
    double pink_fraction = 0.3;  // share of the noise power that is 1/f, in [0, 1]
    double mains_hz = 50.0;      // 50 or 60
    double mains_amplitude = 0.0;   // fundamental, peak, in the signal's unit
    int mains_harmonics = 0;        // number of odd harmonics (150, 250 Hz ... for 50 Hz)
    double harmonic_ratio = 0.3;    // each harmonic's amplitude relative to the previous
    double wander_amplitude = 0.0;  // baseline wander, peak, in the signal's unit
    double wander_hz = 0.3;         // respiration-like slow drift
    // Phases at t = 0, drawn once per recording so interference is continuous
    // across the sweeps of one session.
    double mains_phase_rad = 0.0;
    double wander_phase_rad = 0.0;
};

// What was actually added, for the truth file.
struct NoiseRealised {
    double rms = 0.0;  // realised white + pink RMS over the span
};

// Adds noise to `signal`, whose first sample is at time t0_s (so mains and
// wander are phase-continuous across sweeps of one session). The white + pink
// part is scaled to exactly spec.rms over the span.
NoiseRealised add_noise(std::span<float> signal, double sample_rate_hz, double t0_s, const NoiseSpec& spec,
                        Random& random);

}  // namespace edx::sim
