// The one conversion: raw codes times scale plus offset, in the channel's
// units, to the canonical unit of its kind, with the HDF5 reader's arithmetic
// (float of a double expression) and NaN for anything not finite.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "edx/stream/frame_encoder.hpp"
#include "edx/stream/sample_converter.hpp"

using namespace edx;
using namespace edx::stream;
using nlohmann::json;

namespace {
SessionHeader header(const char* type, json channels) {
    json h = {{"edx_stream", 1}, {"sample_rate_hz", 1000}, {"sample_type", type}, {"channels", channels},
              {"sweep", {{"pre_trigger_s", 0.01}, {"post_trigger_s", 0.05}}}};
    return parse_session_header(h.dump(), "test");
}
}  // namespace

TEST_CASE("int16 codes become canonical units with the reader's arithmetic", "[stream][convert]") {
    // An evoked channel in uV (canonical mV) and an EMG channel in mV (canonical uV).
    const auto h = header("int16", json::array({{{"name", "h"}, {"kind", "h_reflex"}, {"units", "uV"}, {"scale", 0.5}, {"offset", 3}, {"muscle", "soleus"}},
                                                {{"name", "e"}, {"kind", "needle_emg"}, {"units", "mV"}, {"scale", 0.001}, {"muscle", "ta"}}}));
    const SampleConverter c(h);
    const std::int16_t raw[] = {100, -7, -32768, 32767, 0, 1};
    std::vector<std::byte> bytes;
    append_le(bytes, std::span<const std::int16_t>(raw));
    float out[6];
    CHECK(c.convert(bytes.data(), 3, out) == 0);
    const double g0 = 0.5 * 1e-3, b0 = 3 * 1e-3, g1 = 0.001 * 1e3;
    CHECK(out[0] == static_cast<float>(100.0 * g0 + b0));
    CHECK(out[1] == static_cast<float>(-7.0 * g1 + 0.0));
    CHECK(out[2] == static_cast<float>(-32768.0 * g0 + b0));
    CHECK(out[3] == static_cast<float>(32767.0 * g1));
    CHECK(out[4] == static_cast<float>(b0));
    CHECK(out[5] == static_cast<float>(g1));
    CHECK(out[0] == Approx(0.053).epsilon(1e-6));  // 100 x 0.5 uV + 3 uV = 53 uV = 0.053 mV
    CHECK(out[1] == Approx(-7.0));                 // -7 x 0.001 mV = -7 uV
}

TEST_CASE("int32 codes round to float as the reader rounds them", "[stream][convert]") {
    const auto h = header("int32", json::array({{{"name", "h"}, {"kind", "h_reflex"}, {"units", "mV"}, {"scale", 1}, {"muscle", "soleus"}}}));
    const SampleConverter c(h);
    const std::int32_t raw[] = {16777217, -2147483647 - 1};  // 2^24 + 1 is not a float
    std::vector<std::byte> bytes;
    append_le(bytes, std::span<const std::int32_t>(raw));
    float out[2];
    CHECK(c.convert(bytes.data(), 2, out) == 0);
    CHECK(out[0] == static_cast<float>(16777217));
    CHECK(out[1] == -2147483648.0f);
}

TEST_CASE("float32 in canonical units passes bit-exact, sign of zero kept, non-finite becomes NaN and is counted",
          "[stream][convert]") {
    const auto h = header("float32", json::array({{{"name", "h"}, {"kind", "h_reflex"}, {"units", "mV"}, {"muscle", "soleus"}},
                                                  {{"name", "e"}, {"kind", "needle_emg"}, {"units", "V"}, {"muscle", "ta"}}}));
    const SampleConverter c(h);
    const float inf = std::numeric_limits<float>::infinity();
    const float raw[] = {-0.0f, 1e-3f, 0.1234567f, inf, -inf, std::numeric_limits<float>::quiet_NaN()};
    std::vector<std::byte> bytes;
    append_le(bytes, std::span<const float>(raw));
    float out[6];
    CHECK(c.convert(bytes.data(), 3, out) == 3);
    CHECK(std::signbit(out[0]));
    CHECK(out[0] == 0.0f);
    CHECK(out[1] == static_cast<float>(static_cast<double>(1e-3f) * 1e6));  // V -> uV
    CHECK(out[2] == 0.1234567f);
    CHECK(std::isnan(out[3]));
    CHECK(std::isnan(out[4]));
    CHECK(std::isnan(out[5]));
}

TEST_CASE("a scale that overflows float gives NaN, counted, never infinity", "[stream][convert]") {
    const auto h = header("int16", json::array({{{"name", "h"}, {"kind", "h_reflex"}, {"units", "V"}, {"scale", 1e38}, {"muscle", "soleus"}}}));
    const SampleConverter c(h);
    const std::int16_t raw[] = {30000, 0};
    std::vector<std::byte> bytes;
    append_le(bytes, std::span<const std::int16_t>(raw));
    float out[2];
    CHECK(c.convert(bytes.data(), 2, out) == 1);
    CHECK(std::isnan(out[0]));
    CHECK(out[1] == 0.0f);
}
