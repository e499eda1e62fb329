// The bytes of each frame, against the layout of spec/stream-protocol-v1.md
// section 2 written out by hand (u8 type, u32 length, payload; little-endian).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "edx/stream/frame_encoder.hpp"

using namespace edx::stream;

namespace {
std::vector<int> ints(const std::vector<std::byte>& b) {
    std::vector<int> v;
    for (auto x : b) v.push_back(std::to_integer<int>(x));
    return v;
}
}  // namespace

TEST_CASE("each frame type is laid out as the spec says", "[stream][encoder]") {
    std::vector<std::byte> out;
    append_header(out, "{}");
    CHECK(ints(out) == std::vector<int>{'{', '}', '\n'});

    out.clear();
    append_stimulus(out, 0x0102030405060708ull, 1.0);
    // 1.0 as IEEE-754 binary64 is 0x3FF0000000000000.
    CHECK(ints(out) == std::vector<int>{2, 16, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F});

    out.clear();
    append_marker(out, 300, "ab");
    CHECK(ints(out) == std::vector<int>{3, 10, 0, 0, 0, 0x2C, 0x01, 0, 0, 0, 0, 0, 0, 'a', 'b'});

    out.clear();
    append_end(out);
    CHECK(ints(out) == std::vector<int>{4, 0, 0, 0, 0});

    out.clear();
    std::vector<std::byte> raw;
    const std::int16_t s16[] = {-2, 258};
    append_le(raw, std::span<const std::int16_t>(s16));
    CHECK(ints(raw) == std::vector<int>{0xFE, 0xFF, 0x02, 0x01});
    append_samples(out, 1, raw);
    CHECK(ints(out) == std::vector<int>{1, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0x02, 0x01});

    raw.clear();
    const std::int32_t s32[] = {-1};
    append_le(raw, std::span<const std::int32_t>(s32));
    CHECK(ints(raw) == std::vector<int>{0xFF, 0xFF, 0xFF, 0xFF});
    raw.clear();
    const float f[] = {-2.0f};  // 0xC0000000
    append_le(raw, std::span<const float>(f));
    CHECK(ints(raw) == std::vector<int>{0, 0, 0, 0xC0});

    out.clear();
    const std::byte payload[] = {std::byte{9}};
    append_frame(out, 200, payload);
    CHECK(ints(out) == std::vector<int>{200, 1, 0, 0, 0, 9});
}

TEST_CASE("a NaN intensity travels as a NaN", "[stream][encoder]") {
    std::vector<std::byte> out;
    append_stimulus(out, 5, std::numeric_limits<double>::quiet_NaN());
    double back = 0;
    std::memcpy(&back, out.data() + 13, 8);
    CHECK(std::isnan(back));
}
