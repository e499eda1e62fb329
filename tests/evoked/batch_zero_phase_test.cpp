#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/sos_filter.hpp"
#include "edx/dsp/zero_phase.hpp"
#include "evoked/batch_zero_phase.hpp"

using namespace edx;

namespace {
std::vector<float> random_rows(std::size_t rows, std::size_t frames, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(rows * frames);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t t = 0; t < frames; ++t) x[r * frames + t] = normal(rng) + 0.5f * static_cast<float>(r);
    }
    return x;
}
}  // namespace

TEST_CASE("batched zero-phase filtering equals the one-row scipy-compatible filter", "[evoked][filter]") {
    // 37 rows: more than one interleaved group, and a partial one.
    const std::size_t rows = 37, frames = 500;
    const auto cascade = dsp::butterworth_highpass(2, 5.0, 10000.0).then(dsp::butterworth_lowpass(2, 3000.0, 10000.0));
    auto x = random_rows(rows, frames, 11);
    const auto original = x;
    evoked::detail::zero_phase_rows(cascade, x, rows, frames);
    double worst = 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
        std::vector<float> in(original.begin() + static_cast<long>(r * frames), original.begin() + static_cast<long>((r + 1) * frames));
        std::vector<float> out(frames);
        dsp::zero_phase_filter(cascade, in, out);
        for (std::size_t t = 0; t < frames; ++t) worst = std::max(worst, static_cast<double>(std::abs(out[t] - x[r * frames + t])));
    }
    // The batch keeps its intermediate in float: agreement to float rounding.
    REQUIRE(worst < 2e-5);
}

TEST_CASE("batched causal filtering equals each row filtered from its first sample's steady state", "[evoked][filter]") {
    const std::size_t rows = 33, frames = 400;
    const auto cascade = dsp::butterworth_highpass(2, 20.0, 20000.0);
    auto x = random_rows(rows, frames, 12);
    const auto original = x;
    evoked::detail::causal_rows(cascade, x, rows, frames);
    double worst = 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
        std::vector<float> in(original.begin() + static_cast<long>(r * frames), original.begin() + static_cast<long>((r + 1) * frames));
        std::vector<float> out(frames);
        dsp::ScalarSosFilter f(cascade, 1);
        f.start_at(std::span<const float>(in.data(), 1));
        f.process(in, out);
        for (std::size_t t = 0; t < frames; ++t) worst = std::max(worst, static_cast<double>(std::abs(out[t] - x[r * frames + t])));
    }
    REQUIRE(worst < 1e-5);
}

TEST_CASE("the fused causal + zero-phase pass equals the two passes one after the other", "[evoked][filter]") {
    const std::size_t rows = 37, frames = 500;
    const auto high = dsp::butterworth_highpass(2, 5.0, 10000.0);
    const auto low = dsp::butterworth_lowpass(2, 3000.0, 10000.0);
    for (int which = 0; which < 3; ++which) {  // both, the causal one alone, the zero-phase one alone
        const dsp::SosCascade causal = which == 2 ? dsp::SosCascade{} : high;
        const dsp::SosCascade zero = which == 1 ? dsp::SosCascade{} : low;
        auto fused = random_rows(rows, frames, 13);
        auto apart = fused;
        evoked::detail::causal_then_zero_phase_rows(causal, zero, fused, rows, frames);
        if (!causal.empty()) evoked::detail::causal_rows(causal, apart, rows, frames);
        if (!zero.empty()) evoked::detail::zero_phase_rows(zero, apart, rows, frames);
        double worst = 0.0;
        for (std::size_t i = 0; i < fused.size(); ++i) worst = std::max(worst, static_cast<double>(std::abs(fused[i] - apart[i])));
        INFO("case " << which);
        REQUIRE(worst < 1e-5);
    }
}

TEST_CASE("a causal high-pass leaves a wave's onset where it was, nothing moves earlier", "[evoked][filter]") {
    // A response starting at sample 300 on a zero baseline.
    const std::size_t frames = 1000;
    std::vector<float> x(frames, 0.0f);
    for (std::size_t t = 300; t < 400; ++t) x[t] = -static_cast<float>(std::sin(3.14159265 * (t - 300) / 100.0));
    evoked::detail::causal_rows(dsp::butterworth_highpass(2, 5.0, 10000.0), x, 1, frames);
    for (std::size_t t = 0; t < 300; ++t) REQUIRE(x[t] == 0.0f);
    REQUIRE(x[301] < 0.0f);
}

TEST_CASE("batch filters refuse a shape that does not match", "[evoked][filter]") {
    std::vector<float> x(10);
    const auto c = dsp::butterworth_lowpass(2, 100.0, 1000.0);
    REQUIRE_THROWS_AS(evoked::detail::zero_phase_rows(c, x, 3, 4), std::invalid_argument);
    REQUIRE_THROWS_AS(evoked::detail::causal_rows(c, x, 3, 4), std::invalid_argument);
}
