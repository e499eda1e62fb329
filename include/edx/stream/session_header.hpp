// The header that opens a stream session (spec/stream-protocol-v1.md, section 1):
// one line of JSON naming the sample rate, the sample type, the channels (with
// the HDF5 recording attributes) and the sweep geometry. Parsed and validated
// once, before any sample is accepted; every rule broken is an InputError.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/io/recording.hpp"

namespace edx::stream {

enum class SampleType { int16, int32, float32 };

std::string_view to_string(SampleType type) noexcept;
std::optional<SampleType> parse_sample_type(std::string_view text) noexcept;
std::size_t sample_bytes(SampleType type) noexcept;

// What the engine accepts. The first two are the protocol's; the others bound
// what a session preallocates, so a header cannot make the engine reserve
// unbounded memory.
struct StreamLimits {
    static constexpr std::size_t max_header_bytes = 65536;           // the line, '\n' included
    static constexpr std::size_t max_payload_bytes = std::size_t{16} << 20;
    static constexpr std::size_t max_channels = 256;
    static constexpr std::size_t max_marker_label_bytes = 1024;      // engine limit, see the README
    static constexpr double max_sample_rate_hz = 1.0e6;
    static constexpr double max_sweep_s = 10.0;                      // pre + post trigger
};

struct ChannelSpec {
    std::string name;
    RecordingKind kind = RecordingKind::h_reflex;
    Units units = Units::mV;  // of raw * scale + offset
    double scale = 1.0;
    double offset = 0.0;
    std::string muscle;
    std::string nerve;
    std::string side;
    std::string stim_site;
    std::optional<double> distance_mm;
    SubjectMeasures subject;  // subject_height_cm, subject_age_years, leg_length_cm on the channel
};

struct SessionHeader {
    int version = 1;
    double sample_rate_hz = 0.0;
    SampleType sample_type = SampleType::float32;
    std::vector<ChannelSpec> channels;
    // The sweep cut around each stimulus; required when a channel is evoked.
    std::optional<double> pre_trigger_s;
    std::optional<double> post_trigger_s;
    std::string subject_id;   // optional, pseudonymous
    SubjectMeasures subject;  // root-level anthropometrics (the channel's own win)

    std::size_t frame_bytes() const noexcept { return channels.size() * sample_bytes(sample_type); }
    bool has_evoked() const noexcept;
};

// Parses and validates one header line (without its '\n'). Throws
// InputError(source, "header", rule) naming the field and the rule: not JSON,
// not an object, unknown edx_stream version, a missing or mistyped field, a
// value out of range, duplicate channel names. Unknown fields are ignored, so a
// sender may add its own.
SessionHeader parse_session_header(std::string_view line, const std::string& source);

// The header as the protocol's JSON (what `edx replay` sends); parse_session_header
// of its dump() gives back an equal header.
nlohmann::ordered_json to_json(const SessionHeader& header);

}  // namespace edx::stream
