// Writes protocol v1 bytes (spec/stream-protocol-v1.md): the header line and
// each frame type. What `edx replay` and the tests send; appends to a
// caller-owned buffer so a sender can batch frames into one write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edx::stream {

// The header line: `json` (one line, no newline in it) followed by '\n'.
void append_header(std::vector<std::byte>& out, std::string_view json);
// SAMPLES: first_sample_index, then `raw` (frames x channels interleaved samples, little-endian).
void append_samples(std::vector<std::byte>& out, std::uint64_t first_sample_index, std::span<const std::byte> raw);
void append_stimulus(std::vector<std::byte>& out, std::uint64_t sample_index, double intensity_ma);
void append_marker(std::vector<std::byte>& out, std::uint64_t sample_index, std::string_view label);
void append_end(std::vector<std::byte>& out);
// A frame of any type byte and payload, for tests of what the engine refuses.
void append_frame(std::vector<std::byte>& out, std::uint8_t type, std::span<const std::byte> payload);

// Little-endian samples of each type, appended as raw bytes.
void append_le(std::vector<std::byte>& out, std::span<const std::int16_t> values);
void append_le(std::vector<std::byte>& out, std::span<const std::int32_t> values);
void append_le(std::vector<std::byte>& out, std::span<const float> values);

}  // namespace edx::stream
