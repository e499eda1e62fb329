#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "dsp/dsp_reference.hpp"
#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/notch.hpp"
#include "edx/dsp/sos_filter.hpp"

using namespace edx::dsp;

namespace {

std::vector<float> noise(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng) + 0.5f;
    return v;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<double>& b, double& peak) {
    double worst = 0;
    peak = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
        peak = std::max(peak, std::abs(b[i]));
    }
    return worst;
}

}  // namespace

TEST_CASE("streaming filter equals scipy.signal.sosfilt, with zero and with steady-state start", "[dsp][sos_filter]") {
    for (const auto& c : edx::dsp::test::reference().at("filtering")) {
        INFO(c.at("name").get<std::string>());
        const auto cascade = edx::dsp::test::cascade_from(c.at("sos"));
        const auto x = edx::dsp::test::load_array<float>(c.at("input"));
        const auto ref = edx::dsp::test::load_array<double>(c.at("sosfilt"));
        const auto ref_zi = edx::dsp::test::load_array<double>(c.at("sosfilt_zi"));
        REQUIRE(x.size() == ref.size());

        StreamingSosFilter f(cascade, 1);
        std::vector<float> y(x.size());
        REQUIRE(f.process(x, y));
        double peak = 0;
        // The output is float: the bound is float rounding of the output.
        const double err = max_abs_diff(y, ref, peak);
        CHECK(err <= 1e-6 * peak);

        f.reset();
        REQUIRE(f.start_at(std::span<const float>(x.data(), 1)));
        REQUIRE(f.process(x, y));
        const double err_zi = max_abs_diff(y, ref_zi, peak);
        CHECK(err_zi <= 1e-6 * peak);
    }
}

TEST_CASE("block-wise output equals whole-signal output exactly, for random block sizes", "[dsp][sos_filter]") {
    const double fs = 20000.0;
    const auto cascade = butterworth_bandpass(4, 20.0, 2000.0, fs).then(mains_notch({50.0, 2, 30.0}, fs));
    std::mt19937_64 rng(7);
    for (std::size_t channels : {1u, 3u, 16u, 37u, 64u}) {
        const std::size_t frames = 3000;
        const auto x = noise(frames * channels, channels);
        StreamingSosFilter whole(cascade, channels);
        std::vector<float> expected(x.size());
        REQUIRE(whole.process(x, expected));
        for (int trial = 0; trial < 5; ++trial) {
            StreamingSosFilter blocks(cascade, channels);
            std::vector<float> got(x.size());
            std::uniform_int_distribution<std::size_t> block(0, 150);
            std::size_t t = 0;
            while (t < frames) {
                const std::size_t n = std::min(block(rng), frames - t);
                const std::span<const float> in(x.data() + t * channels, n * channels);
                REQUIRE(blocks.process(in, std::span<float>(got.data() + t * channels, n * channels)));
                t += n;
            }
            INFO(channels << " channels, trial " << trial);
            CHECK(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0);
        }
    }
}

TEST_CASE("vectorised filter equals the scalar reference bit for bit, in place too", "[dsp][sos_filter]") {
    const double fs = 48000.0;
    const auto cascade = butterworth_highpass(4, 5.0, fs).then(butterworth_lowpass(3, 8000.0, fs));
    for (std::size_t channels : {1u, 2u, 7u, 33u, 64u}) {
        const auto x = noise(2000 * channels, 100 + channels);
        StreamingSosFilter fast(cascade, channels);
        ScalarSosFilter slow(cascade, channels);
        const std::span<const float> first(x.data(), channels);
        fast.start_at(first);
        slow.start_at(first);
        std::vector<float> a = x;  // in place
        std::vector<float> b(x.size());
        REQUIRE(fast.process(a, a));
        REQUIRE(slow.process(x, b));
        INFO(channels << " channels");
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    }
}

TEST_CASE("double state keeps a 5 Hz high-pass at 48 kHz exact where float state would not", "[dsp][sos_filter]") {
    // Why the state is double: the same TDF-II recursion with float state and
    // float coefficients, run beside the double filter on the same input.
    const double fs = 48000.0;
    const auto cascade = butterworth_highpass(4, 5.0, fs);
    const std::size_t n = 48000;
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = static_cast<float>(1.0 + std::sin(2 * 3.14159265358979 * 40.0 * static_cast<double>(i) / fs));
    }
    std::vector<double> ref(x.begin(), x.end());
    std::vector<double> state;
    sosfilt(cascade, ref, state);

    StreamingSosFilter f(cascade, 1);
    std::vector<float> y(n);
    f.process(x, y);
    double peak = 0;
    const double double_error = max_abs_diff(y, ref, peak);

    std::vector<float> zf(2 * cascade.size(), 0.0f), yf(n);
    for (std::size_t i = 0; i < n; ++i) {
        float v = x[i];
        for (std::size_t s = 0; s < cascade.size(); ++s) {
            const auto& q = cascade[s];
            const float out = static_cast<float>(q.b0) * v + zf[2 * s];
            zf[2 * s] = static_cast<float>(q.b1) * v - static_cast<float>(q.a1) * out + zf[2 * s + 1];
            zf[2 * s + 1] = static_cast<float>(q.b2) * v - static_cast<float>(q.a2) * out;
            v = out;
        }
        yf[i] = v;
    }
    const double float_error = max_abs_diff(yf, ref, peak);
    INFO("double state error " << double_error << ", float state error " << float_error << ", peak " << peak);
    CHECK(double_error <= 1e-6 * peak);
    CHECK(float_error > 1e-3 * peak);  // measured: about 1.6e-2 x peak, against 4e-8 x peak in double
}

TEST_CASE("a non-finite sample poisons its channel only until the end of the block", "[dsp][sos_filter]") {
    const auto cascade = butterworth_lowpass(2, 100.0, 1000.0);
    StreamingSosFilter f(cascade, 2);
    std::vector<float> block(20, 1.0f), out(20);
    block[4] = std::nanf("");  // frame 2, channel 0
    REQUIRE(f.process(block, out));
    CHECK(std::isfinite(out[2]));
    CHECK(std::isnan(out[4]));
    CHECK(std::isnan(out[18]));
    CHECK(std::isfinite(out[19]));
    CHECK(f.restarts() == 1);
    std::vector<float> clean(20, 1.0f);
    REQUIRE(f.process(clean, out));
    for (float v : out) CHECK(std::isfinite(v));
    std::vector<float> three(3), three_out(3);
    CHECK_FALSE(f.process(three, three_out));
    REQUIRE_THROWS_WITH(StreamingSosFilter(cascade, 0), Catch::Contains("channels"));
}
