#include "edx/report/sweep_encoding.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edx::report {

QuantisedSweeps quantise_sweeps(const Recording& recording) {
    if (recording.form != SampleForm::sweeps) {
        throw std::invalid_argument("quantise_sweeps: recording '" + recording.info.name + "' is not in sweep form");
    }
    QuantisedSweeps q;
    q.sweep_count = recording.sweep_count;
    q.frames = recording.frames;
    double peak = 0.0;
    for (const float v : recording.samples) {
        if (std::isfinite(v)) peak = std::max(peak, std::abs(static_cast<double>(v)));
    }
    q.scale = peak > 0.0 ? peak / 32767.0 : 1.0;
    q.counts.resize(recording.samples.size());
    for (std::size_t i = 0; i < recording.samples.size(); ++i) {
        const double v = recording.samples[i];
        // |v| / scale <= 32767 by the choice of scale: the rounding cannot overflow.
        q.counts[i] = std::isfinite(v) ? static_cast<std::int16_t>(std::lround(v / q.scale)) : kNonFiniteCount;
    }
    return q;
}

std::string base64(std::span<const std::uint8_t> bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t v = std::uint32_t{bytes[i]} << 16;
        if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

nlohmann::ordered_json sweeps_json(const Recording& recording) {
    const QuantisedSweeps q = quantise_sweeps(recording);
    std::vector<std::uint8_t> bytes(q.counts.size() * 2);
    for (std::size_t i = 0; i < q.counts.size(); ++i) {
        // Little-endian whatever the host: the script reads it with a DataView-free fast path on
        // little-endian browsers and swaps otherwise.
        const auto u = static_cast<std::uint16_t>(q.counts[i]);
        bytes[2 * i] = static_cast<std::uint8_t>(u & 0xff);
        bytes[2 * i + 1] = static_cast<std::uint8_t>(u >> 8);
    }
    nlohmann::ordered_json j;
    j["recording"] = recording.info.name;
    j["sweep_count"] = q.sweep_count;
    j["frames"] = q.frames;
    j["sample_rate_hz"] = recording.info.sample_rate_hz;
    j["pre_trigger_ms"] = recording.pre_trigger_s * 1000.0;
    j["units"] = std::string(to_string(recording.info.units));
    j["scale"] = q.scale;
    j["non_finite_count"] = kNonFiniteCount;
    j["counts_base64"] = base64(bytes);
    return j;
}

}  // namespace edx::report
