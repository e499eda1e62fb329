#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "edx/report/sweep_encoding.hpp"
#include "report_page.hpp"

using namespace edx;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

Recording sweep_recording(std::size_t sweeps, std::size_t frames, std::uint64_t seed) {
    Recording r;
    r.info.name = "soleus_h_left";
    r.info.kind = RecordingKind::h_reflex;
    r.info.sample_rate_hz = 10000.0;
    r.info.units = Units::mV;
    r.form = SampleForm::sweeps;
    r.frames = frames;
    r.sweep_count = sweeps;
    r.pre_trigger_s = 0.01;
    std::mt19937_64 rng(seed);
    // Heavy tails: a stimulus artefact 100 times the response, as real sweeps have.
    std::normal_distribution<double> noise(0.0, 0.05);
    r.samples.resize(sweeps * frames);
    for (std::size_t i = 0; i < r.samples.size(); ++i) r.samples[i] = static_cast<float>(noise(rng) + (i % frames == 3 ? 5.0 : 0.0));
    return r;
}

}  // namespace

TEST_CASE("base64 matches the RFC 4648 test vectors", "[report][encoding]") {
    REQUIRE(report::base64(bytes_of("")) == "");
    REQUIRE(report::base64(bytes_of("f")) == "Zg==");
    REQUIRE(report::base64(bytes_of("fo")) == "Zm8=");
    REQUIRE(report::base64(bytes_of("foo")) == "Zm9v");
    REQUIRE(report::base64(bytes_of("foob")) == "Zm9vYg==");
    REQUIRE(report::base64(bytes_of("fooba")) == "Zm9vYmE=");
    REQUIRE(report::base64(bytes_of("foobar")) == "Zm9vYmFy");
    REQUIRE(report::base64(std::vector<std::uint8_t>{0xff, 0xfe, 0x00}) == "//4A");
}

TEST_CASE("quantised sweeps are within half a count of every sample, and a non-finite sample stays marked", "[report][encoding]") {
    Recording r = sweep_recording(7, 500, 3);
    r.samples[10] = std::numeric_limits<float>::quiet_NaN();
    r.samples[11] = -std::numeric_limits<float>::infinity();
    const auto q = report::quantise_sweeps(r);
    REQUIRE(q.sweep_count == 7);
    REQUIRE(q.frames == 500);
    double peak = 0.0;
    for (const float v : r.samples) {
        if (std::isfinite(v)) peak = std::max(peak, std::abs(static_cast<double>(v)));
    }
    REQUIRE(q.scale == Approx(peak / 32767.0).epsilon(1e-12));
    // Decoded as the page's script decodes it (base64, little-endian int16, times the scale).
    const auto decoded = test::decoded_samples(report::sweeps_json(r));
    REQUIRE(decoded.size() == r.samples.size());
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
        if (!std::isfinite(r.samples[i])) {
            REQUIRE(std::isnan(decoded[i]));
            continue;
        }
        // float samples: the tolerance adds the float's own rounding of the scale product.
        REQUIRE(std::abs(decoded[i] - r.samples[i]) <= q.scale * 0.5 + 1e-9);
    }
}

TEST_CASE("all-zero sweeps quantise to zero with a unit scale, and a continuous recording is refused", "[report][encoding]") {
    Recording r = sweep_recording(2, 10, 1);
    std::fill(r.samples.begin(), r.samples.end(), 0.0f);
    const auto q = report::quantise_sweeps(r);
    REQUIRE(q.scale == 1.0);
    for (const auto c : q.counts) REQUIRE(c == 0);
    r.form = SampleForm::continuous;
    REQUIRE_THROWS_AS(report::quantise_sweeps(r), std::invalid_argument);
}
