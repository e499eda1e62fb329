#include "edx/io/recording.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edx {

std::string_view to_string(RecordingKind kind) noexcept {
    switch (kind) {
        case RecordingKind::h_reflex: return "h_reflex";
        case RecordingKind::f_wave: return "f_wave";
        case RecordingKind::motor_ncs: return "motor_ncs";
        case RecordingKind::sensory_ncs: return "sensory_ncs";
        case RecordingKind::needle_emg: return "needle_emg";
        case RecordingKind::surface_emg: return "surface_emg";
    }
    return "unknown";
}

std::optional<RecordingKind> parse_recording_kind(std::string_view text) noexcept {
    for (auto kind : {RecordingKind::h_reflex, RecordingKind::f_wave, RecordingKind::motor_ncs,
                      RecordingKind::sensory_ncs, RecordingKind::needle_emg, RecordingKind::surface_emg}) {
        if (to_string(kind) == text) return kind;
    }
    return std::nullopt;
}

bool is_evoked(RecordingKind kind) noexcept {
    return kind != RecordingKind::needle_emg && kind != RecordingKind::surface_emg;
}

std::string_view to_string(Units units) noexcept {
    switch (units) {
        case Units::V: return "V";
        case Units::mV: return "mV";
        case Units::uV: return "uV";
    }
    return "unknown";
}

std::optional<Units> parse_units(std::string_view text) noexcept {
    for (auto units : {Units::V, Units::mV, Units::uV}) {
        if (to_string(units) == text) return units;
    }
    return std::nullopt;
}

namespace {
double per_volt(Units units) noexcept {
    switch (units) {
        case Units::V: return 1.0;
        case Units::mV: return 1e3;
        case Units::uV: return 1e6;
    }
    return 1.0;
}
}  // namespace

double conversion_factor(Units from, Units to) noexcept { return per_volt(to) / per_volt(from); }

Units canonical_units(RecordingKind kind) noexcept { return is_evoked(kind) ? Units::mV : Units::uV; }

std::optional<std::string_view> Marker::value_of(std::string_view key) const noexcept {
    std::string_view text = label;
    if (text.size() <= key.size() + 1 || text.substr(0, key.size()) != key || text[key.size()] != '=') {
        return std::nullopt;
    }
    return text.substr(key.size() + 1);
}

SubjectMeasures SubjectMeasures::merged_over(const SubjectMeasures& fallback) const {
    return {height_cm ? height_cm : fallback.height_cm, age_years ? age_years : fallback.age_years,
            leg_length_cm ? leg_length_cm : fallback.leg_length_cm};
}

double Recording::duration_s() const noexcept {
    if (info.sample_rate_hz <= 0.0) return 0.0;
    const double span_s = static_cast<double>(frames) / info.sample_rate_hz;
    if (form == SampleForm::continuous) return span_s;
    if (stimuli.empty()) return 0.0;
    return stimuli.back().time_s - pre_trigger_s + span_s;
}

std::span<const float> Recording::sweep(std::size_t index) const {
    if (form != SampleForm::sweeps || index >= sweep_count) {
        throw std::out_of_range("recording '" + info.name + "': no sweep " + std::to_string(index));
    }
    return {samples.data() + index * frames, frames};
}

std::span<float> Recording::sweep(std::size_t index) {
    if (form != SampleForm::sweeps || index >= sweep_count) {
        throw std::out_of_range("recording '" + info.name + "': no sweep " + std::to_string(index));
    }
    return {samples.data() + index * frames, frames};
}

std::optional<std::string_view> Recording::marker_state(std::string_view key, double time_s) const noexcept {
    std::optional<std::string_view> state;
    for (const auto& marker : markers) {
        if (marker.time_s > time_s) break;
        if (auto value = marker.value_of(key)) state = value;
    }
    return state;
}

void Recording::check_consistent() const {
    auto fail = [this](const std::string& what) {
        throw std::invalid_argument("recording '" + info.name + "': " + what);
    };
    if (info.name.empty() || info.name.find('/') != std::string::npos) fail("name must be non-empty and without '/'");
    if (!(info.sample_rate_hz > 0.0) || !std::isfinite(info.sample_rate_hz)) fail("sample_rate_hz must be > 0 and finite");
    if (channels == 0) fail("channels must be at least 1");
    if (frames == 0) fail("no samples");
    if (form == SampleForm::continuous) {
        if (sweep_count != 0) fail("sweep_count must be 0 in continuous form");
        if (samples.size() != frames * channels) fail("samples.size() != frames * channels");
        for (std::size_t i = 1; i < stimuli.size(); ++i) {
            if (!(stimuli[i].time_s > stimuli[i - 1].time_s)) fail("stimuli must be strictly increasing");
        }
        for (const auto& s : stimuli) {
            if (s.time_s < 0.0 || s.time_s >= duration_s()) fail("stimulus outside the recording");
        }
    } else {
        if (channels != 1) fail("sweep form has exactly one channel");
        if (sweep_count == 0) fail("no sweeps");
        if (samples.size() != frames * sweep_count) fail("samples.size() != sweep_count * frames");
        if (stimuli.size() != sweep_count) fail("sweep form needs one stimulus per sweep");
        if (pre_trigger_s < 0.0 || pre_trigger_s >= static_cast<double>(frames) / info.sample_rate_hz) {
            fail("pre_trigger_s must be >= 0 and shorter than a sweep");
        }
        for (std::size_t i = 1; i < stimuli.size(); ++i) {
            if (stimuli[i].time_s < stimuli[i - 1].time_s) fail("sweep times must be non-decreasing");
        }
    }
    for (std::size_t i = 1; i < markers.size(); ++i) {
        if (markers[i].time_s < markers[i - 1].time_s) fail("markers must be sorted by time");
    }
    if (info.kind != RecordingKind::sensory_ncs && info.muscle.empty()) fail("muscle is required for this kind");
    if (!info.side.empty() && info.side != "left" && info.side != "right") fail("side must be left or right");
}

}  // namespace edx
