// A filter as a clinician states it (high-pass, low-pass, band-pass, order,
// mains notch), turned into one SOS cascade; and the settings EMG machines use
// per recording kind, read from signals/filters/machine_defaults.json.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "edx/dsp/sos.hpp"

namespace edx::dsp {

struct FilterSettings {
    std::optional<double> highpass_hz;                       // Butterworth high-pass corner
    std::optional<double> lowpass_hz;                        // Butterworth low-pass corner
    std::optional<std::pair<double, double>> bandpass_hz;    // one Butterworth band-pass (low, high)
    int order = 2;                                           // Butterworth prototype order
    std::optional<double> notch_hz;                          // 50 or 60
    int notch_harmonics = 0;
    double notch_quality = 30.0;
    bool zero_phase = false;                                 // offline forward-backward filtering

    bool empty() const noexcept { return !highpass_hz && !lowpass_hz && !bandpass_hz && !notch_hz; }
    // One line, e.g. "high-pass 5 Hz, low-pass 8000 Hz, Butterworth order 2, causal".
    std::string describe() const;
};

// High-pass, then low-pass (or the band-pass), then the notch sections.
// Throws std::invalid_argument (from the designers) naming the bad setting,
// also when bandpass_hz is combined with highpass_hz or lowpass_hz.
SosCascade design_filter(const FilterSettings& settings, double sample_rate_hz);

struct KindFilterDefaults {
    FilterSettings settings;
    std::string status;  // "verified" or "unverified" (the weaker of the two corners)
    std::string sources; // citation keys, e.g. "KNF-H"
    std::string note;
};

// The defaults for a recording kind ("h_reflex", "f_wave", "needle_emg",
// "motor_ncs", "sensory_ncs"); nullopt for a kind the table has no entry for.
std::optional<KindFilterDefaults> default_filter_settings(std::string_view kind);

}  // namespace edx::dsp
