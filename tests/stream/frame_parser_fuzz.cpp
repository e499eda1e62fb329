// libFuzzer target for the protocol v1 reader (built with -DEDX_FUZZ=ON and
// clang; see tests/stream/CMakeLists.txt). The first input byte chooses the
// frame size and how the input is split and refused; the rest is the stream.
// The header line goes through the real header parser too. Any crash,
// sanitizer report or broken invariant (__builtin_trap) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "edx/io/input_error.hpp"
#include "edx/stream/frame_parser.hpp"
#include "edx/stream/session_header.hpp"

namespace {

using namespace edx::stream;

class FuzzSink final : public FrameSink {
public:
    explicit FuzzSink(std::uint8_t knobs) : knobs_(knobs) {}
    std::uint64_t declared = 0, delivered = 0;
    bool samples_begin(std::uint64_t first, std::uint64_t frames) noexcept override {
        if (refuse()) return false;
        if (delivered != declared) __builtin_trap();  // a frame began before the last was complete
        if (frames > 0 && first > UINT64_MAX - frames) __builtin_trap();
        declared = frames;
        delivered = 0;
        return true;
    }
    std::size_t samples(const std::byte* data, std::size_t frames) noexcept override {
        if (refuse()) return 0;
        volatile std::byte sink = data[0];  // the memory must be readable
        (void)sink;
        const std::size_t take = (knobs_ & 0x40) ? 1 : frames;
        delivered += take;
        if (delivered > declared) __builtin_trap();
        return take;
    }
    bool stimulus(std::uint64_t, double) noexcept override { return !refuse(); }
    bool marker(std::uint64_t, std::string_view label) noexcept override {
        if (label.size() > StreamLimits::max_marker_label_bytes) __builtin_trap();
        return !refuse();
    }
    bool end() noexcept override { return !refuse(); }

private:
    bool refuse() noexcept {
        if (!(knobs_ & 0x80)) return false;
        flip_ = !flip_;
        return flip_;
    }
    std::uint8_t knobs_;
    bool flip_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t knobs = data[0];
    const std::size_t frame_bytes = 2 * (1 + (knobs & 0x0F));
    const std::size_t piece = (knobs & 0x30) == 0 ? size : 1 + ((knobs >> 4) & 0x3) * 7;
    std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data + 1), size - 1);

    FrameParser parser;
    FuzzSink sink(knobs);
    std::size_t at = 0;
    bool done = false;
    int stalls = 0;
    while (!done && at < in.size()) {
        const std::size_t n = std::min(piece, in.size() - at);
        const ParseResult r = parser.feed(in.subspan(at, n), sink);
        if (r.consumed > n) __builtin_trap();
        at += r.consumed;
        switch (r.state) {
            case ParseState::header:
                try {
                    (void)parse_session_header(parser.header_line(), "fuzz");
                } catch (const edx::InputError&) {
                }
                if (!parser.start_frames(frame_bytes)) __builtin_trap();
                break;
            case ParseState::blocked:
                if (++stalls > 1 << 20) __builtin_trap();  // a sink that accepts every other call must progress
                break;
            case ParseState::need_more:
                if (r.consumed != n) __builtin_trap();
                break;
            case ParseState::ended:
            case ParseState::error: done = true; break;
        }
    }
    if (parser.error().kind != ProtocolErrorKind::none && parser.error().byte_offset > in.size()) __builtin_trap();
    parser.finish();
    return 0;
}
