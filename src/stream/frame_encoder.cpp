#include "edx/stream/frame_encoder.hpp"

#include <bit>
#include <cstring>

namespace edx::stream {

namespace {

template <class U>
void put_le(std::vector<std::byte>& out, U v) {
    for (std::size_t i = 0; i < sizeof(U); ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}

void put_head(std::vector<std::byte>& out, std::uint8_t type, std::size_t payload) {
    out.push_back(static_cast<std::byte>(type));
    put_le(out, static_cast<std::uint32_t>(payload));
}

}  // namespace

void append_header(std::vector<std::byte>& out, std::string_view json) {
    const auto* p = reinterpret_cast<const std::byte*>(json.data());
    out.insert(out.end(), p, p + json.size());
    out.push_back(std::byte{'\n'});
}

void append_frame(std::vector<std::byte>& out, std::uint8_t type, std::span<const std::byte> payload) {
    put_head(out, type, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
}

void append_samples(std::vector<std::byte>& out, std::uint64_t first_sample_index, std::span<const std::byte> raw) {
    put_head(out, 1, 8 + raw.size());
    put_le(out, first_sample_index);
    out.insert(out.end(), raw.begin(), raw.end());
}

void append_stimulus(std::vector<std::byte>& out, std::uint64_t sample_index, double intensity_ma) {
    put_head(out, 2, 16);
    put_le(out, sample_index);
    put_le(out, std::bit_cast<std::uint64_t>(intensity_ma));
}

void append_marker(std::vector<std::byte>& out, std::uint64_t sample_index, std::string_view label) {
    put_head(out, 3, 8 + label.size());
    put_le(out, sample_index);
    const auto* p = reinterpret_cast<const std::byte*>(label.data());
    out.insert(out.end(), p, p + label.size());
}

void append_end(std::vector<std::byte>& out) { put_head(out, 4, 0); }

void append_le(std::vector<std::byte>& out, std::span<const std::int16_t> values) {
    out.reserve(out.size() + values.size() * 2);
    for (std::int16_t v : values) put_le(out, static_cast<std::uint16_t>(v));
}

void append_le(std::vector<std::byte>& out, std::span<const std::int32_t> values) {
    out.reserve(out.size() + values.size() * 4);
    for (std::int32_t v : values) put_le(out, static_cast<std::uint32_t>(v));
}

void append_le(std::vector<std::byte>& out, std::span<const float> values) {
    out.reserve(out.size() + values.size() * 4);
    for (float v : values) put_le(out, std::bit_cast<std::uint32_t>(v));
}

}  // namespace edx::stream
