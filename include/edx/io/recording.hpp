// The in-memory model of one recording, shared by every module: samples in the
// canonical unit of its kind, the stimuli that evoked them, position and effort
// markers, and the metadata normative comparison needs. Mirrors
// spec/hdf5-layout-v1.md; the I/O layer converts to and from it exactly once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edx/io/non_finite_report.hpp"

namespace edx {

enum class RecordingKind { h_reflex, f_wave, motor_ncs, sensory_ncs, needle_emg, surface_emg };

std::string_view to_string(RecordingKind kind) noexcept;
std::optional<RecordingKind> parse_recording_kind(std::string_view text) noexcept;
// Stimulus-locked responses (NCS, F-wave, H-reflex), as opposed to EMG.
bool is_evoked(RecordingKind kind) noexcept;

enum class Units { V, mV, uV };

std::string_view to_string(Units units) noexcept;
std::optional<Units> parse_units(std::string_view text) noexcept;
// Multiply a value in `from` by this to express it in `to`.
double conversion_factor(Units from, Units to) noexcept;
// Samples are held in mV for evoked responses and in µV for EMG, so every
// measurement of a kind is computed in one unit whatever the file stored.
Units canonical_units(RecordingKind kind) noexcept;

enum class SampleForm { continuous, sweeps };

struct Stimulus {
    double time_s = 0.0;
    double intensity_ma = std::numeric_limits<double>::quiet_NaN();  // NaN when unknown
};

struct Marker {
    double time_s = 0.0;
    std::string label;

    // Structured labels have the form key=value; the value for `key`, if this is one.
    std::optional<std::string_view> value_of(std::string_view key) const noexcept;
};

// Anthropometrics used for normative comparison. A recording's own values win
// over the study's (the layout allows both places).
struct SubjectMeasures {
    std::optional<double> height_cm;
    std::optional<double> age_years;
    std::optional<double> leg_length_cm;

    // Each field from *this when present, else from `fallback`.
    SubjectMeasures merged_over(const SubjectMeasures& fallback) const;
};

struct RecordingInfo {
    std::string name;
    RecordingKind kind = RecordingKind::h_reflex;
    double sample_rate_hz = 0.0;
    Units units = Units::mV;  // of the samples in memory: canonical_units(kind) once read
    std::string muscle;       // empty when not given (allowed for sensory_ncs only)
    std::string nerve;
    std::string side;         // "left", "right" or empty
    std::string stim_site;
    std::optional<double> distance_mm;
    SubjectMeasures subject;
};

struct Recording {
    RecordingInfo info;
    SampleForm form = SampleForm::continuous;
    std::size_t channels = 1;     // continuous form; always 1 in sweep form
    std::size_t frames = 0;       // continuous: samples per channel; sweeps: samples per sweep
    std::size_t sweep_count = 0;  // sweep form only
    // Continuous: frame-major, channels interleaved ([frames][channels]).
    // Sweeps: one row per sweep ([sweep_count][frames]).
    std::vector<float> samples;
    double pre_trigger_s = 0.0;     // sweep form: first sample of a sweep to its stimulus
    // Continuous: the stimulus events. Sweeps: one per sweep, at its stimulus time.
    std::vector<Stimulus> stimuli;
    std::vector<Marker> markers;    // sorted by time
    NonFiniteReport non_finite;

    // Continuous: frames / rate. Sweeps: from 0 to the end of the last sweep.
    double duration_s() const noexcept;
    std::span<const float> sweep(std::size_t index) const;
    std::span<float> sweep(std::size_t index);
    // The value of the last `key=value` marker at or before time_s, if any
    // (e.g. marker_state("position", t) -> "fair").
    std::optional<std::string_view> marker_state(std::string_view key, double time_s) const noexcept;
    // Throws std::invalid_argument naming the first inconsistency between the
    // fields (shape, sizes, ordering). Writers and the simulator call it; the
    // reader enforces the layout's own rules with InputError instead.
    void check_consistent() const;
};

}  // namespace edx
