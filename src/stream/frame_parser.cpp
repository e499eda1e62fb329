#include "edx/stream/frame_parser.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "edx/stream/session_header.hpp"

namespace edx::stream {

namespace {

std::uint64_t read_u64(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

std::uint32_t read_u32(const std::uint8_t* p) noexcept {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(const unsigned char* s, std::size_t n) noexcept {
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0, min = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

}  // namespace

std::string_view to_string(ProtocolErrorKind kind) noexcept {
    switch (kind) {
        case ProtocolErrorKind::none: return "none";
        case ProtocolErrorKind::header_too_long: return "header_too_long";
        case ProtocolErrorKind::unknown_frame_type: return "unknown_frame_type";
        case ProtocolErrorKind::payload_too_large: return "payload_too_large";
        case ProtocolErrorKind::samples_not_whole_frames: return "samples_not_whole_frames";
        case ProtocolErrorKind::payload_size: return "payload_size";
        case ProtocolErrorKind::sample_index_overflow: return "sample_index_overflow";
        case ProtocolErrorKind::marker_label_too_long: return "marker_label_too_long";
        case ProtocolErrorKind::marker_label_not_utf8: return "marker_label_not_utf8";
        case ProtocolErrorKind::truncated: return "truncated";
    }
    return "none";
}

FrameParser::FrameParser() {
    line_.resize(StreamLimits::max_header_bytes);
    fixed_.resize(8 + std::max<std::size_t>(StreamLimits::max_marker_label_bytes, 8));
    partial_.resize(StreamLimits::max_channels * 4);
}

std::string_view FrameParser::header_line() const noexcept {
    return phase_ == Phase::header_ready ? std::string_view(line_.data(), line_length_) : std::string_view();
}

bool FrameParser::start_frames(std::size_t frame_bytes) noexcept {
    if (phase_ != Phase::header_ready || frame_bytes == 0 || frame_bytes > partial_.size()) return false;
    frame_bytes_ = frame_bytes;
    phase_ = Phase::frame_head;
    return true;
}

bool FrameParser::at_frame_boundary() const noexcept {
    return (phase_ == Phase::header_line && line_length_ == 0) || (phase_ == Phase::frame_head && head_have_ == 0) ||
           phase_ == Phase::done || phase_ == Phase::header_ready;
}

bool FrameParser::finish() noexcept {
    if (phase_ == Phase::failed || phase_ == Phase::done || at_frame_boundary()) return false;
    error_ = {ProtocolErrorKind::truncated,
              phase_ == Phase::header_line ? "the input ended inside the header line"
                                           : "the input ended inside a frame",
              frames_, offset_, 0};
    phase_ = Phase::failed;
    return true;
}

ParseResult FrameParser::fail(ProtocolErrorKind kind, const char* message, std::size_t consumed,
                              std::uint64_t back, std::uint64_t value) noexcept {
    // The fault shows `back` bytes before the end of what was consumed (a
    // field may have arrived over several feeds, so count from the stream's start).
    error_ = {kind, message, frames_, offset_ + consumed - back, value};
    phase_ = Phase::failed;
    offset_ += consumed;
    return {ParseState::error, consumed};
}

bool FrameParser::deliver_fixed(FrameSink& sink) noexcept {
    const auto* p = reinterpret_cast<const std::uint8_t*>(fixed_.data());
    switch (type_) {
        case FrameType::stimulus: {
            double intensity = 0.0;
            const std::uint64_t bits = read_u64(p + 8);
            std::memcpy(&intensity, &bits, sizeof intensity);
            return sink.stimulus(read_u64(p), intensity);
        }
        case FrameType::marker:
            return sink.marker(read_u64(p), std::string_view(reinterpret_cast<const char*>(p + 8), payload_ - 8));
        case FrameType::end: return sink.end();
        case FrameType::samples: break;
    }
    return true;
}

ParseResult FrameParser::feed(std::span<const std::byte> data, FrameSink& sink) noexcept {
    const auto* in = reinterpret_cast<const std::uint8_t*>(data.data());
    const std::size_t n = data.size();
    std::size_t i = 0;
    auto done = [&](ParseState state) {
        offset_ += i;
        return ParseResult{state, i};
    };

    for (;;) {
        switch (phase_) {
            case Phase::failed: return {ParseState::error, 0};
            case Phase::done: return done(ParseState::ended);
            case Phase::header_ready: return done(ParseState::header);

            case Phase::header_line: {
                if (i == n) return done(ParseState::need_more);
                const auto* nl = static_cast<const std::uint8_t*>(std::memchr(in + i, '\n', n - i));
                const std::size_t take = nl ? static_cast<std::size_t>(nl - (in + i)) : n - i;
                // The line without its newline holds at most max - 1 bytes.
                if (line_length_ + take > StreamLimits::max_header_bytes - 1) {
                    return fail(ProtocolErrorKind::header_too_long,
                                "no newline within the first 65,536 bytes: the header line is over the limit",
                                std::min(n, i + (StreamLimits::max_header_bytes - 1 - line_length_)), 0);
                }
                std::memcpy(line_.data() + line_length_, in + i, take);
                line_length_ += take;
                i += take;
                if (!nl) return done(ParseState::need_more);
                ++i;  // the newline
                phase_ = Phase::header_ready;
                return done(ParseState::header);
            }

            case Phase::frame_head: {
                while (head_have_ < 5 && i < n) {
                    head_[head_have_++] = in[i++];
                    if (head_have_ == 1 && (head_[0] < 1 || head_[0] > 4)) {
                        --i;
                        return fail(ProtocolErrorKind::unknown_frame_type, "unknown frame type", i, 0, head_[0]);
                    }
                }
                if (head_have_ < 5) return done(ParseState::need_more);
                type_ = static_cast<FrameType>(head_[0]);
                payload_ = read_u32(head_ + 1);
                const std::size_t at = 4;  // the fault is in the length field, 4 bytes back
                if (payload_ > StreamLimits::max_payload_bytes) {
                    return fail(ProtocolErrorKind::payload_too_large, "payload over 16 MiB", i, at, payload_);
                }
                switch (type_) {
                    case FrameType::samples:
                        if (payload_ < 8) {
                            return fail(ProtocolErrorKind::payload_size,
                                        "SAMPLES payload shorter than its 8-byte first_sample_index", i, at, payload_);
                        }
                        if ((payload_ - 8) % frame_bytes_ != 0) {
                            return fail(ProtocolErrorKind::samples_not_whole_frames,
                                        "SAMPLES payload is not a whole number of frames (channels x sample size)",
                                        i, at, payload_);
                        }
                        frames_left_ = (payload_ - 8) / frame_bytes_;
                        index_have_ = 0;
                        begun_ = false;
                        phase_ = Phase::samples_index;
                        break;
                    case FrameType::stimulus:
                        if (payload_ != 16) {
                            return fail(ProtocolErrorKind::payload_size,
                                        "STIMULUS payload must be 16 bytes (u64 sample_index, f64 intensity_ma)", i,
                                        at, payload_);
                        }
                        fixed_have_ = 0;
                        phase_ = Phase::fixed_payload;
                        break;
                    case FrameType::marker:
                        if (payload_ < 8) {
                            return fail(ProtocolErrorKind::payload_size,
                                        "MARKER payload shorter than its 8-byte sample_index", i, at, payload_);
                        }
                        if (payload_ - 8 > StreamLimits::max_marker_label_bytes) {
                            return fail(ProtocolErrorKind::marker_label_too_long,
                                        "MARKER label over 1024 bytes (the engine's limit)", i, at, payload_);
                        }
                        fixed_have_ = 0;
                        phase_ = Phase::fixed_payload;
                        break;
                    case FrameType::end:
                        if (payload_ != 0) {
                            return fail(ProtocolErrorKind::payload_size, "END payload must be empty", i, at, payload_);
                        }
                        fixed_have_ = 0;
                        phase_ = Phase::fixed_payload;
                        break;
                }
                head_have_ = 0;
                break;
            }

            case Phase::samples_index: {
                while (index_have_ < 8 && i < n) index_bytes_[index_have_++] = in[i++];
                if (index_have_ < 8) return done(ParseState::need_more);
                const std::uint64_t first = read_u64(index_bytes_);
                if (!begun_) {
                    if (first > std::numeric_limits<std::uint64_t>::max() - frames_left_) {
                        return fail(ProtocolErrorKind::sample_index_overflow,
                                    "first_sample_index + frames overflows 64 bits", i, 8, first);
                    }
                    if (!sink.samples_begin(first, frames_left_)) return done(ParseState::blocked);
                    begun_ = true;
                }
                partial_have_ = 0;
                phase_ = Phase::samples_data;
                break;
            }

            case Phase::samples_data: {
                if (frames_left_ == 0) {
                    ++frames_;
                    begun_ = false;
                    phase_ = Phase::frame_head;
                    break;
                }
                if (partial_have_ > 0) {
                    const std::size_t take = std::min(frame_bytes_ - partial_have_, n - i);
                    std::memcpy(partial_.data() + partial_have_, in + i, take);
                    partial_have_ += take;
                    i += take;
                    if (partial_have_ < frame_bytes_) return done(ParseState::need_more);
                    if (sink.samples(partial_.data(), 1) == 0) return done(ParseState::blocked);
                    partial_have_ = 0;
                    --frames_left_;
                    break;
                }
                const std::uint64_t whole = std::min<std::uint64_t>(frames_left_, (n - i) / frame_bytes_);
                if (whole > 0) {
                    const std::size_t took = std::min<std::size_t>(
                        sink.samples(reinterpret_cast<const std::byte*>(in + i), static_cast<std::size_t>(whole)),
                        static_cast<std::size_t>(whole));
                    i += took * frame_bytes_;
                    frames_left_ -= took;
                    if (took < whole) return done(ParseState::blocked);
                    break;
                }
                if (i == n) return done(ParseState::need_more);
                // Less than a frame left in this feed: keep it until the rest comes.
                std::memcpy(partial_.data(), in + i, n - i);
                partial_have_ = n - i;
                i = n;
                return done(ParseState::need_more);
            }

            case Phase::fixed_payload: {
                const std::size_t take = std::min<std::size_t>(payload_ - fixed_have_, n - i);
                std::memcpy(fixed_.data() + fixed_have_, in + i, take);
                fixed_have_ += take;
                i += take;
                if (fixed_have_ < payload_) return done(ParseState::need_more);
                if (type_ == FrameType::marker &&
                    !valid_utf8(reinterpret_cast<const unsigned char*>(fixed_.data()) + 8, payload_ - 8)) {
                    return fail(ProtocolErrorKind::marker_label_not_utf8, "MARKER label is not valid UTF-8", i,
                                payload_ - 8);
                }
                if (!deliver_fixed(sink)) return done(ParseState::blocked);
                ++frames_;
                if (type_ == FrameType::end) {
                    phase_ = Phase::done;
                    return done(ParseState::ended);
                }
                phase_ = Phase::frame_head;
                break;
            }
        }
    }
}

}  // namespace edx::stream
