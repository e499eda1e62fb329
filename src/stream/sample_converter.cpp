#include "edx/stream/sample_converter.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace edx::stream {

namespace {

template <class T>
T load(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);  // the protocol is little-endian, as is every target we build for
    return v;
}

template <class T>
std::size_t convert_as(const std::byte* raw, std::size_t frames, std::size_t channels, const double* gain,
                       const double* bias, bool identity, float* out) noexcept {
    std::size_t bad = 0;
    const std::size_t n = frames * channels;
    if (identity) {
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(load<T>(raw + i * sizeof(T)));
    } else {
        for (std::size_t f = 0; f < frames; ++f) {
            const std::byte* row = raw + f * channels * sizeof(T);
            float* o = out + f * channels;
            for (std::size_t c = 0; c < channels; ++c) {
                const T x = load<T>(row + c * sizeof(T));
                // A channel with unit gain and no bias passes as the reader passes it (sign of zero kept).
                o[c] = gain[c] == 1.0 && bias[c] == 0.0 ? static_cast<float>(x)
                                                        : static_cast<float>(static_cast<double>(x) * gain[c] + bias[c]);
            }
        }
    }
    if constexpr (std::is_same_v<T, float>) {
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(out[i])) {
                out[i] = std::numeric_limits<float>::quiet_NaN();
                ++bad;
            }
        }
    } else if (!identity) {
        // Integers are finite, but a huge scale can overflow float.
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(out[i])) {
                out[i] = std::numeric_limits<float>::quiet_NaN();
                ++bad;
            }
        }
    }
    return bad;
}

}  // namespace

SampleConverter::SampleConverter(const SessionHeader& header) : type_(header.sample_type) {
    identity_ = true;
    for (const auto& c : header.channels) {
        const double to_canonical = conversion_factor(c.units, canonical_units(c.kind));
        gain_.push_back(c.scale * to_canonical);
        bias_.push_back(c.offset * to_canonical);
        identity_ = identity_ && gain_.back() == 1.0 && bias_.back() == 0.0;
    }
}

std::size_t SampleConverter::convert(const std::byte* raw, std::size_t frames, float* out) const noexcept {
    switch (type_) {
        case SampleType::int16:
            return convert_as<std::int16_t>(raw, frames, gain_.size(), gain_.data(), bias_.data(), identity_, out);
        case SampleType::int32:
            return convert_as<std::int32_t>(raw, frames, gain_.size(), gain_.data(), bias_.data(), identity_, out);
        case SampleType::float32:
            return convert_as<float>(raw, frames, gain_.size(), gain_.data(), bias_.data(), identity_, out);
    }
    return 0;
}

}  // namespace edx::stream
