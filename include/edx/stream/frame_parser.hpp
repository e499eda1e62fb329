// The byte-level reader of protocol v1 (spec/stream-protocol-v1.md): the
// header line, then frames (u8 type, u32 payload length, payload), little-endian.
// It is incremental (bytes may arrive in any split), hands samples on in whole
// frames as they arrive instead of buffering a 16 MiB payload, and stops where
// the sink says it cannot take more, so the caller can stop reading its socket
// (backpressure) and resume later from the same byte.
//
// Real-time rules: after construction feed() allocates, locks and throws
// nothing, and its work is proportional to the bytes given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edx::stream {

enum class FrameType : std::uint8_t { samples = 1, stimulus = 2, marker = 3, end = 4 };

enum class ProtocolErrorKind {
    none,
    header_too_long,         // no '\n' within the first 65,536 bytes
    unknown_frame_type,
    payload_too_large,       // over 16 MiB
    samples_not_whole_frames,
    payload_size,            // too short for its type (SAMPLES/MARKER), not 16 (STIMULUS), not empty (END)
    sample_index_overflow,   // first_sample_index + frames beyond 2^64 - 1
    marker_label_too_long,   // over StreamLimits::max_marker_label_bytes
    marker_label_not_utf8,
    truncated,               // the input ended inside the header line or a frame
};

// "header_too_long", "unknown_frame_type", ...
std::string_view to_string(ProtocolErrorKind kind) noexcept;

struct ProtocolError {
    ProtocolErrorKind kind = ProtocolErrorKind::none;
    const char* message = "";     // static text
    std::uint64_t frame = 0;      // frames completed before the bad one (0-based index of the bad frame)
    std::uint64_t byte_offset = 0;  // offset in the input of the byte that showed the fault
    std::uint64_t value = 0;      // the offending type / length, when there is one
};

// Receives what the parser reads. Each call may refuse (backpressure): the
// parser then stops before that item and offers it again on the next feed().
class FrameSink {
public:
    virtual ~FrameSink() = default;
    // A SAMPLES frame of `frames` frames starting at first_sample_index begins.
    virtual bool samples_begin(std::uint64_t first_sample_index, std::uint64_t frames) noexcept = 0;
    // Whole frames of the current SAMPLES frame, in order; returns how many it took (0..frames).
    virtual std::size_t samples(const std::byte* data, std::size_t frames) noexcept = 0;
    virtual bool stimulus(std::uint64_t sample_index, double intensity_ma) noexcept = 0;
    virtual bool marker(std::uint64_t sample_index, std::string_view label) noexcept = 0;
    virtual bool end() noexcept = 0;
};

enum class ParseState {
    need_more,  // everything given was consumed; feed more
    header,     // the header line is complete: read header_line(), then call start_frames()
    blocked,    // the sink refused; feed the rest (from consumed) again later
    ended,      // END was read and taken; bytes after it are not read
    error,      // protocol error: see error(); nothing more is read
};

struct ParseResult {
    ParseState state = ParseState::need_more;
    std::size_t consumed = 0;  // bytes of the span given that were used
};

class FrameParser {
public:
    FrameParser();

    ParseResult feed(std::span<const std::byte> data, FrameSink& sink) noexcept;

    // Valid once feed() returned `header`, until the next feed().
    std::string_view header_line() const noexcept;
    // Bytes per frame (channels x sample size) from the parsed header; 0 is refused (false).
    bool start_frames(std::size_t frame_bytes) noexcept;
    // Reports `truncated` if the input ended inside the header or a frame
    // (returns true then), and leaves the parser in the error state.
    bool finish() noexcept;

    const ProtocolError& error() const noexcept { return error_; }
    // True between frames (and before any byte): a clean place for the input to end.
    bool at_frame_boundary() const noexcept;
    std::uint64_t frames_read() const noexcept { return frames_; }
    std::uint64_t bytes_read() const noexcept { return offset_; }

private:
    enum class Phase { header_line, header_ready, frame_head, samples_index, samples_data, fixed_payload, done, failed };

    ParseResult fail(ProtocolErrorKind kind, const char* message, std::size_t consumed, std::uint64_t back,
                     std::uint64_t value = 0) noexcept;
    bool deliver_fixed(FrameSink& sink) noexcept;          // STIMULUS / MARKER / END complete

    Phase phase_ = Phase::header_line;
    std::vector<char> line_;          // the header line, reserved to the limit
    std::size_t line_length_ = 0;
    std::size_t frame_bytes_ = 0;
    std::uint8_t head_[5] = {};
    std::size_t head_have_ = 0;
    FrameType type_ = FrameType::end;
    std::uint32_t payload_ = 0;
    std::vector<std::byte> fixed_;    // STIMULUS/MARKER payload, reserved to its limit
    std::size_t fixed_have_ = 0;
    std::uint8_t index_bytes_[8] = {};
    std::size_t index_have_ = 0;
    std::uint64_t frames_left_ = 0;
    bool begun_ = false;              // samples_begin() accepted for the current frame
    std::vector<std::byte> partial_;  // one frame straddling two feeds
    std::size_t partial_have_ = 0;
    std::uint64_t frames_ = 0;
    std::uint64_t offset_ = 0;        // bytes consumed over the parser's life
    ProtocolError error_;
};

}  // namespace edx::stream
