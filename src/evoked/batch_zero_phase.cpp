#include "batch_zero_phase.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "edx/dsp/sos_filter.hpp"
#include "edx/dsp/zero_phase.hpp"

namespace edx::evoked::detail {

namespace {

// Channels filtered together: a multiple of every vector width the kernel uses,
// small enough that the interleaved block stays in cache.
constexpr std::size_t kGroup = 32;
// Frames moved at a time between the rows and the interleaved block.
constexpr std::size_t kTile = 16;

void reverse_frames(std::vector<float>& buf, std::size_t length, std::size_t width) {
    for (std::size_t a = 0, b = length - 1; a < b; ++a, --b) {
        std::swap_ranges(buf.begin() + static_cast<std::ptrdiff_t>(a * width),
                         buf.begin() + static_cast<std::ptrdiff_t>((a + 1) * width),
                         buf.begin() + static_cast<std::ptrdiff_t>(b * width));
    }
}

}  // namespace

void causal_then_zero_phase_rows(const dsp::SosCascade& causal, const dsp::SosCascade& cascade,
                                 std::span<float> samples, std::size_t rows, std::size_t frames) {
    if (samples.size() != rows * frames) {
        throw std::invalid_argument("causal_then_zero_phase_rows: samples must hold rows x frames");
    }
    if (rows == 0 || (causal.empty() && cascade.empty())) return;
    if (frames < 2) throw std::invalid_argument("causal_then_zero_phase_rows: a row needs at least 2 samples");
    const std::size_t edge = cascade.empty() ? 0 : std::min(dsp::default_pad_length(cascade), frames - 1);
    const std::size_t length = frames + 2 * edge;
    // Kept per thread: a fresh block of a few hundred kB per call costs its page faults again.
    thread_local std::vector<float> buf;
    for (std::size_t r0 = 0; r0 < rows; r0 += kGroup) {
        const std::size_t width = std::min(kGroup, rows - r0);
        buf.assign(length * width, 0.0f);
        for (std::size_t t0 = 0; t0 < frames; t0 += kTile) {
            const std::size_t t1 = std::min(frames, t0 + kTile);
            for (std::size_t c = 0; c < width; ++c) {
                const float* x = samples.data() + (r0 + c) * frames;
                for (std::size_t i = t0; i < t1; ++i) buf[(edge + i) * width + c] = x[i];
            }
        }
        const std::span<float> data(buf.data() + edge * width, frames * width);
        if (!causal.empty()) {
            dsp::StreamingSosFilter filter(causal, width);
            filter.start_at(data.first(width));
            filter.process(data, data);
        }
        if (!cascade.empty()) {
            // Odd extension of the causal output, in double, rounded once to float.
            for (std::size_t c = 0; c < width; ++c) {
                const double x0 = buf[edge * width + c], xn = buf[(edge + frames - 1) * width + c];
                for (std::size_t i = 0; i < edge; ++i) {
                    buf[i * width + c] = static_cast<float>(2.0 * x0 - static_cast<double>(buf[(2 * edge - i) * width + c]));
                    buf[(edge + frames + i) * width + c] =
                        static_cast<float>(2.0 * xn - static_cast<double>(buf[(edge + frames - 2 - i) * width + c]));
                }
            }
            dsp::StreamingSosFilter filter(cascade, width);
            filter.start_at(std::span<const float>(buf.data(), width));
            filter.process(buf, buf);
            reverse_frames(buf, length, width);
            filter.start_at(std::span<const float>(buf.data(), width));
            filter.process(buf, buf);
        }
        // With the zero-phase pass the buffer runs backwards in time.
        for (std::size_t t0 = 0; t0 < frames; t0 += kTile) {
            const std::size_t t1 = std::min(frames, t0 + kTile);
            for (std::size_t c = 0; c < width; ++c) {
                float* x = samples.data() + (r0 + c) * frames;
                for (std::size_t i = t0; i < t1; ++i) {
                    x[i] = cascade.empty() ? buf[(edge + i) * width + c] : buf[(length - 1 - edge - i) * width + c];
                }
            }
        }
    }
}

void zero_phase_rows(const dsp::SosCascade& cascade, std::span<float> samples, std::size_t rows, std::size_t frames) {
    if (samples.size() != rows * frames) throw std::invalid_argument("zero_phase_rows: samples must hold rows x frames");
    if (rows == 0 || cascade.empty()) return;
    if (frames < 2) throw std::invalid_argument("zero_phase_rows: a row needs at least 2 samples");
    const std::size_t edge = std::min(dsp::default_pad_length(cascade), frames - 1);
    const std::size_t length = frames + 2 * edge;
    // Kept per thread: a fresh block of a few hundred kB per call costs its page faults again.
    thread_local std::vector<float> buf;
    std::vector<float> first;
    for (std::size_t r0 = 0; r0 < rows; r0 += kGroup) {
        const std::size_t width = std::min(kGroup, rows - r0);
        buf.assign(length * width, 0.0f);
        // Interleave in tiles of kTile frames, so both sides stay in cache.
        for (std::size_t c = 0; c < width; ++c) {
            const float* x = samples.data() + (r0 + c) * frames;
            // Odd extension in double, as dsp::zero_phase_filter does, rounded once to float.
            const double x0 = x[0], xn = x[frames - 1];
            for (std::size_t i = 0; i < edge; ++i) {
                buf[i * width + c] = static_cast<float>(2.0 * x0 - static_cast<double>(x[edge - i]));
                buf[(edge + frames + i) * width + c] =
                    static_cast<float>(2.0 * xn - static_cast<double>(x[frames - 2 - i]));
            }
        }
        for (std::size_t t0 = 0; t0 < frames; t0 += kTile) {
            const std::size_t t1 = std::min(frames, t0 + kTile);
            for (std::size_t c = 0; c < width; ++c) {
                const float* x = samples.data() + (r0 + c) * frames;
                for (std::size_t i = t0; i < t1; ++i) buf[(edge + i) * width + c] = x[i];
            }
        }
        dsp::StreamingSosFilter filter(cascade, width);
        filter.start_at(std::span<const float>(buf.data(), width));
        filter.process(buf, buf);
        reverse_frames(buf, length, width);
        filter.start_at(std::span<const float>(buf.data(), width));
        filter.process(buf, buf);
        // The buffer runs backwards in time: read it back reversed, in tiles.
        for (std::size_t t0 = 0; t0 < frames; t0 += kTile) {
            const std::size_t t1 = std::min(frames, t0 + kTile);
            for (std::size_t c = 0; c < width; ++c) {
                float* x = samples.data() + (r0 + c) * frames;
                for (std::size_t i = t0; i < t1; ++i) x[i] = buf[(length - 1 - edge - i) * width + c];
            }
        }
    }
}

void causal_rows(const dsp::SosCascade& cascade, std::span<float> samples, std::size_t rows, std::size_t frames) {
    if (samples.size() != rows * frames) throw std::invalid_argument("causal_rows: samples must hold rows x frames");
    if (rows == 0 || frames == 0 || cascade.empty()) return;
    // Kept per thread: a fresh block of a few hundred kB per call costs its page faults again.
    thread_local std::vector<float> buf;
    for (std::size_t r0 = 0; r0 < rows; r0 += kGroup) {
        const std::size_t width = std::min(kGroup, rows - r0);
        buf.assign(frames * width, 0.0f);
        for (std::size_t t0 = 0; t0 < frames; t0 += kTile) {
            const std::size_t t1 = std::min(frames, t0 + kTile);
            for (std::size_t c = 0; c < width; ++c) {
                const float* x = samples.data() + (r0 + c) * frames;
                for (std::size_t i = t0; i < t1; ++i) buf[i * width + c] = x[i];
            }
        }
        dsp::StreamingSosFilter filter(cascade, width);
        filter.start_at(std::span<const float>(buf.data(), width));
        filter.process(buf, buf);
        for (std::size_t t0 = 0; t0 < frames; t0 += kTile) {
            const std::size_t t1 = std::min(frames, t0 + kTile);
            for (std::size_t c = 0; c < width; ++c) {
                float* x = samples.data() + (r0 + c) * frames;
                for (std::size_t i = t0; i < t1; ++i) x[i] = buf[i * width + c];
            }
        }
    }
}

}  // namespace edx::evoked::detail
