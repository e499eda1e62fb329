// The protocol v1 reader: every frame type read the same whatever the byte
// splits, backpressure resumes exactly where it stopped, each protocol error
// of the spec is reported with its place, and a seeded mutation test of more
// than a million damaged streams finds no crash, overrun or inconsistency
// (tests/stream/frame_parser_fuzz.cpp is the libFuzzer target for the same).
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <random>
#include <sstream>

#include "edx/stream/frame_encoder.hpp"
#include "edx/stream/frame_parser.hpp"
#include "edx/stream/session_header.hpp"

using namespace edx::stream;

namespace {

// Records what the parser delivers, as text; may refuse every other call.
class RecordingSink final : public FrameSink {
public:
    bool refuse_alternately = false;
    std::string log;
    std::uint64_t declared = 0, delivered = 0;
    bool overrun = false;
    std::size_t frame_bytes = 4;

    bool samples_begin(std::uint64_t first, std::uint64_t frames) noexcept override {
        if (refuse()) return false;
        if (delivered != declared) overrun = true;  // the previous frame was not complete
        declared = frames;
        delivered = 0;
        log += 'B';
        log += std::to_string(first);
        log += '/';
        log += std::to_string(frames);
        log += ';';
        return true;
    }
    std::size_t samples(const std::byte* data, std::size_t frames) noexcept override {
        if (refuse()) return 0;
        // Take at most 3 frames at a time, so partial acceptance is exercised.
        const std::size_t take = std::min<std::size_t>(frames, 3);
        delivered += take;
        if (delivered > declared) overrun = true;
        // No separator: how the samples were split must not show.
        for (std::size_t i = 0; i < take * frame_bytes; ++i) log += char('a' + (std::to_integer<int>(data[i]) & 15));
        return take;
    }
    bool stimulus(std::uint64_t index, double intensity) noexcept override {
        if (refuse()) return false;
        std::ostringstream s;
        s << "T" << index << "@" << intensity << ";";
        log += s.str();
        return true;
    }
    bool marker(std::uint64_t index, std::string_view label) noexcept override {
        if (refuse()) return false;
        log += 'M';
        log += std::to_string(index);
        log += ':';
        log += label;
        log += ';';
        return true;
    }
    bool end() noexcept override {
        if (refuse()) return false;
        log += "E;";
        return true;
    }

private:
    bool refuse() noexcept {
        if (!refuse_alternately) return false;
        flip_ = !flip_;
        return flip_;
    }
    bool flip_ = false;
};

struct Outcome {
    std::string log;
    ParseState last = ParseState::need_more;
    ProtocolError error;
    std::size_t consumed = 0;
    bool overrun = false;
};

// Feeds `bytes` in pieces of at most `piece` bytes (0: all at once), taking
// the header as 2 int16 channels (4 bytes a frame).
Outcome parse(std::span<const std::byte> bytes, std::size_t piece = 0, bool refuse = false) {
    FrameParser p;
    RecordingSink sink;
    sink.refuse_alternately = refuse;
    Outcome o;
    std::size_t at = 0;
    int stalls = 0;
    while (at < bytes.size()) {
        const std::size_t n = piece == 0 ? bytes.size() - at : std::min(piece, bytes.size() - at);
        std::size_t used = 0;
        for (;;) {
            const ParseResult r = p.feed(bytes.subspan(at + used, n - used), sink);
            used += r.consumed;
            o.last = r.state;
            if (r.state == ParseState::header) {
                o.log += "H:" + std::string(p.header_line()) + ";";
                p.start_frames(4);
                continue;
            }
            if (r.state == ParseState::blocked) {
                if (++stalls > 1000000) break;
                continue;
            }
            break;
        }
        at += used;
        if (o.last == ParseState::error || o.last == ParseState::ended) break;
        if (used < n) break;
    }
    o.consumed = at;
    o.log = o.log + sink.log;
    o.error = p.error();
    o.overrun = sink.overrun;
    if (o.last == ParseState::need_more && p.finish()) {
        o.last = ParseState::error;
        o.error = p.error();
    }
    return o;
}

std::vector<std::byte> valid_stream() {
    std::vector<std::byte> out;
    append_header(out, R"({"edx_stream":1})");
    append_marker(out, 0, "position=anatomic");
    append_stimulus(out, 12, 15.5);
    const std::int16_t s[] = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14};
    std::vector<std::byte> raw;
    append_le(raw, std::span<const std::int16_t>(s));
    append_samples(out, 0, raw);
    append_samples(out, 7, {});
    append_marker(out, 9, "position=fair \xC3\xA9");  // UTF-8 é
    append_stimulus(out, 20, std::numeric_limits<double>::quiet_NaN());
    append_samples(out, 7, std::span<const std::byte>(raw).first(8));
    append_end(out);
    return out;
}

std::size_t header_size() { return std::string(R"({"edx_stream":1})").size() + 1; }

Outcome frame_after_header(std::vector<std::byte> frame) {
    std::vector<std::byte> out;
    append_header(out, R"({"edx_stream":1})");
    out.insert(out.end(), frame.begin(), frame.end());
    return parse(out);
}

std::vector<std::byte> u32_frame(std::uint8_t type, std::uint32_t length, std::size_t payload_bytes) {
    std::vector<std::byte> f;
    f.push_back(std::byte{type});
    for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::byte>((length >> (8 * i)) & 0xFF));
    f.resize(f.size() + payload_bytes, std::byte{0});
    return f;
}

}  // namespace

TEST_CASE("every frame type is read the same whatever the splits of the byte stream", "[stream][parser]") {
    const auto bytes = valid_stream();
    const Outcome whole = parse(bytes);
    CHECK(whole.last == ParseState::ended);
    CHECK(whole.consumed == bytes.size());
    CHECK(whole.log.find("H:{\"edx_stream\":1};") == 0);
    CHECK(whole.log.find("M0:position=anatomic;") != std::string::npos);
    CHECK(whole.log.find("T12@15.5;") != std::string::npos);
    CHECK(whole.log.find("B0/7;") != std::string::npos);
    CHECK(whole.log.find("B7/0;") != std::string::npos);
    CHECK(whole.log.find("M9:position=fair \xC3\xA9;") != std::string::npos);
    CHECK(whole.log.find("T20@nan;") != std::string::npos);
    CHECK(whole.log.find("B7/2;") != std::string::npos);
    CHECK(whole.log.substr(whole.log.size() - 2) == "E;");
    for (std::size_t piece : {1, 2, 3, 5, 7, 13, 64}) {
        INFO("pieces of " << piece);
        const Outcome o = parse(bytes, piece);
        CHECK(o.last == ParseState::ended);
        CHECK(o.log == whole.log);
    }
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
        // Two feeds split at `cut`.
        FrameParser p;
        RecordingSink sink;
        std::string log;
        std::span<const std::byte> rest(bytes);
        for (auto part : {rest.first(cut), rest.subspan(cut)}) {
            while (!part.empty()) {
                const auto r = p.feed(part, sink);
                part = part.subspan(r.consumed);
                if (r.state == ParseState::header) {
                    log += "H:" + std::string(p.header_line()) + ";";
                    p.start_frames(4);
                }
                if (r.state == ParseState::ended || r.state == ParseState::error) break;
            }
        }
        REQUIRE(log + sink.log == whole.log);
    }
}

TEST_CASE("a sink that refuses makes the parser stop and resume at the same item", "[stream][parser]") {
    const auto bytes = valid_stream();
    const Outcome whole = parse(bytes);
    const Outcome held = parse(bytes, 0, true);
    CHECK(held.last == ParseState::ended);
    CHECK(held.log == whole.log);
    const Outcome held_small = parse(bytes, 3, true);
    CHECK(held_small.log == whole.log);
}

TEST_CASE("each protocol error is reported with its kind and byte offset", "[stream][parser][fault]") {
    const std::size_t h = header_size();
    {
        const Outcome o = frame_after_header(u32_frame(7, 0, 0));
        CHECK(o.last == ParseState::error);
        CHECK(o.error.kind == ProtocolErrorKind::unknown_frame_type);
        CHECK(o.error.byte_offset == h);
        CHECK(o.error.value == 7);
    }
    {
        const Outcome o = frame_after_header(u32_frame(0, 0, 0));
        CHECK(o.error.kind == ProtocolErrorKind::unknown_frame_type);
    }
    {
        const Outcome o = frame_after_header(u32_frame(1, (16u << 20) + 1, 0));
        CHECK(o.error.kind == ProtocolErrorKind::payload_too_large);
        CHECK(o.error.byte_offset == h + 1);
    }
    {
        // Exactly 16 MiB of whole frames is allowed: waits for the payload.
        const Outcome o = frame_after_header(u32_frame(1, 16u << 20, 8));
        CHECK(o.last == ParseState::error);
        CHECK(o.error.kind == ProtocolErrorKind::truncated);
    }
    CHECK(frame_after_header(u32_frame(1, 8 + 6, 14)).error.kind == ProtocolErrorKind::samples_not_whole_frames);
    CHECK(frame_after_header(u32_frame(1, 7, 7)).error.kind == ProtocolErrorKind::payload_size);
    CHECK(frame_after_header(u32_frame(2, 15, 15)).error.kind == ProtocolErrorKind::payload_size);
    CHECK(frame_after_header(u32_frame(2, 17, 17)).error.kind == ProtocolErrorKind::payload_size);
    CHECK(frame_after_header(u32_frame(3, 7, 7)).error.kind == ProtocolErrorKind::payload_size);
    CHECK(frame_after_header(u32_frame(4, 1, 1)).error.kind == ProtocolErrorKind::payload_size);
    CHECK(frame_after_header(u32_frame(3, 8 + 1025, 8 + 1025)).error.kind == ProtocolErrorKind::marker_label_too_long);
    CHECK(frame_after_header(u32_frame(3, 8 + 1024, 8 + 1024)).last == ParseState::need_more);  // NUL bytes are UTF-8
    for (const char* bad : {"\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "abc\xE2\x82"}) {
        std::vector<std::byte> f;
        append_marker(f, 1, bad);
        const Outcome o = frame_after_header(f);
        INFO(bad);
        CHECK(o.error.kind == ProtocolErrorKind::marker_label_not_utf8);
        CHECK(o.error.byte_offset == h + 13);
    }
    {
        std::vector<std::byte> f;
        std::vector<std::byte> raw(4 * 4, std::byte{1});
        append_samples(f, std::numeric_limits<std::uint64_t>::max() - 2, raw);
        CHECK(frame_after_header(f).error.kind == ProtocolErrorKind::sample_index_overflow);
    }
    {
        // The error's frame number counts the good frames before it.
        std::vector<std::byte> f;
        append_stimulus(f, 1, 2.0);
        append_stimulus(f, 2, 2.0);
        const auto bad = u32_frame(9, 0, 0);
        f.insert(f.end(), bad.begin(), bad.end());
        const Outcome o = frame_after_header(f);
        CHECK(o.error.frame == 2);
        CHECK(o.error.byte_offset == h + 2 * 21);
    }
}

TEST_CASE("the header line has a 65,536-byte limit, newline included", "[stream][parser][fault]") {
    std::vector<std::byte> ok(StreamLimits::max_header_bytes - 1, std::byte{'x'});
    ok.push_back(std::byte{'\n'});
    const Outcome a = parse(ok);
    CHECK(a.log.size() == 2 + 65535 + 1);
    CHECK(a.error.kind == ProtocolErrorKind::none);
    std::vector<std::byte> too_long(StreamLimits::max_header_bytes, std::byte{'x'});
    too_long.push_back(std::byte{'\n'});
    for (std::size_t piece : {0, 1000}) {
        const Outcome b = parse(too_long, piece);
        CHECK(b.last == ParseState::error);
        CHECK(b.error.kind == ProtocolErrorKind::header_too_long);
        CHECK(b.consumed <= StreamLimits::max_header_bytes);
    }
}

TEST_CASE("input that ends inside the header or a frame is truncated, between frames it is not", "[stream][parser][fault]") {
    const auto bytes = valid_stream();
    FrameParser p;
    RecordingSink sink;
    CHECK(!p.finish());  // nothing read: a clean (empty) input
    const std::size_t h = header_size();
    auto r = p.feed(std::span<const std::byte>(bytes).first(h - 3), sink);
    CHECK(r.state == ParseState::need_more);
    CHECK(p.finish());
    CHECK(p.error().kind == ProtocolErrorKind::truncated);

    FrameParser q;
    r = q.feed(std::span<const std::byte>(bytes).first(h), sink);
    REQUIRE(r.state == ParseState::header);
    q.start_frames(4);
    CHECK(q.at_frame_boundary());
    r = q.feed(std::span<const std::byte>(bytes).subspan(h, 10), sink);
    CHECK(!q.at_frame_boundary());
    CHECK(q.finish());
    CHECK(q.error().kind == ProtocolErrorKind::truncated);
}

TEST_CASE("nothing after END is read", "[stream][parser]") {
    auto bytes = valid_stream();
    const std::size_t size = bytes.size();
    bytes.push_back(std::byte{7});
    const Outcome o = parse(bytes);
    CHECK(o.last == ParseState::ended);
    CHECK(o.consumed == size);
}

TEST_CASE("a seeded mutation test of over a million damaged streams: no crash, overrun or inconsistency",
          "[stream][parser][fuzz]") {
    // A few valid streams to mutate.
    std::vector<std::vector<std::byte>> corpus;
    corpus.push_back(valid_stream());
    {
        std::vector<std::byte> s;
        append_header(s, "{}");
        std::vector<std::byte> raw(40, std::byte{0x55});
        append_samples(s, 100, raw);
        append_samples(s, 90, raw);
        append_end(s);
        corpus.push_back(s);
    }
    {
        std::vector<std::byte> s;
        append_header(s, "x");
        for (int i = 0; i < 6; ++i) append_stimulus(s, static_cast<std::uint64_t>(i), i * 1.5);
        append_marker(s, 3, "contraction=rest");
        corpus.push_back(s);
    }
    std::mt19937_64 rng(20261128);
    const std::size_t inputs = 1'050'000;
    std::size_t ended = 0, errors = 0, incomplete = 0, failures = 0;
    std::vector<std::byte> in;
    for (std::size_t i = 0; i < inputs; ++i) {
        in = corpus[rng() % corpus.size()];
        const int mutations = 1 + static_cast<int>(rng() % 6);
        for (int m = 0; m < mutations && !in.empty(); ++m) {
            const std::size_t at = rng() % in.size();
            switch (rng() % 7) {
                case 0: in[at] ^= static_cast<std::byte>(1u << (rng() % 8)); break;
                case 1: in[at] = static_cast<std::byte>(rng() & 0xFF); break;
                case 2: in.insert(in.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::byte>(rng() & 0xFF)); break;
                case 3: in.erase(in.begin() + static_cast<std::ptrdiff_t>(at)); break;
                case 4: in.resize(at); break;
                case 5: {  // a length field set to an interesting value
                    const std::uint32_t values[] = {0, 1, 7, 8, 9, 16, 0xFFFF, (16u << 20), (16u << 20) + 1, 0xFFFFFFFF};
                    const std::uint32_t v = values[rng() % 10];
                    for (std::size_t k = 0; k < 4 && at + k < in.size(); ++k) in[at + k] = static_cast<std::byte>((v >> (8 * k)) & 0xFF);
                    break;
                }
                default: {  // a chunk duplicated
                    const std::size_t len = std::min<std::size_t>(in.size() - at, 1 + rng() % 24);
                    std::vector<std::byte> chunk(in.begin() + static_cast<std::ptrdiff_t>(at),
                                                 in.begin() + static_cast<std::ptrdiff_t>(at + len));
                    in.insert(in.begin() + static_cast<std::ptrdiff_t>(rng() % (in.size() + 1)), chunk.begin(), chunk.end());
                }
            }
        }
        const bool splits = i % 16 == 0;
        const Outcome o = parse(in, 0, (i & 1) != 0);
        bool ok = o.consumed <= in.size() && !o.overrun;
        if (o.last == ParseState::error) {
            ok = ok && o.error.kind != ProtocolErrorKind::none && o.error.byte_offset <= in.size();
            ++errors;
        } else if (o.last == ParseState::ended) {
            ++ended;
        } else {
            ok = ok && o.consumed == in.size();
            ++incomplete;
        }
        if (splits) {
            // The same input in small pieces gives the same reading.
            const Outcome p = parse(in, 1 + i % 7);
            ok = ok && p.consumed <= in.size() && !p.overrun && p.log == o.log && p.last == o.last &&
                 p.error.kind == o.error.kind && p.error.byte_offset == o.error.byte_offset;
        }
        if (!ok) ++failures;
        if (failures == 1 && !ok) {
            UNSCOPED_INFO("first failing input #" << i << " of " << in.size() << " bytes");
        }
    }
    CHECK(failures == 0);
    CHECK(ended + errors + incomplete == inputs);
    CHECK(errors > inputs / 10);  // the mutations reach the error paths
    CHECK(ended > 1000);          // and some streams survive whole
}
