#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <numeric>
#include <random>
#include <vector>

#include "edx/dsp/butterworth.hpp"
#include "edx/evoked/response_presence.hpp"
#include "evoked/batch_zero_phase.hpp"

using namespace edx;
using namespace edx::evoked;

namespace {

// n rows of 100 ms at 10 kHz: 1/f-ish noise (white through a first-order
// low-pass, plus white), a locked mains hum, a locked slow tail, and
// optionally a locked response of `response_mv` at 40 ms.
PreparedSweeps rows(std::size_t n, double response_mv, std::uint64_t seed, bool with_highpass) {
    PreparedSweeps p;
    p.sample_rate_hz = 10000.0;
    p.frames = 1000;
    p.stimulus_index = 100;
    p.noise_end_index = 98;
    p.blank_end_index = 115;
    p.sweeps_total = n;
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (std::size_t i = 0; i < n; ++i) {
        p.source.push_back(i);
        p.noise_sd.push_back(0.005);
        double red = 0.0;
        for (std::size_t t = 0; t < p.frames; ++t) {
            const double ms = p.ms_at(static_cast<double>(t));
            red = 0.98 * red + 0.2 * normal(rng);
            double v = 0.004 * normal(rng) + 0.002 * red;
            v += 0.02 * std::sin(2.0 * std::numbers::pi * 50.0 * ms / 1000.0 + 0.7);   // locked mains
            v += 0.3 * std::exp(-std::max(ms, 0.0) / 25.0);                             // locked slow tail
            const double u = (ms - 40.0) / 8.0;
            if (u > 0.0 && u < 1.0) v -= response_mv * std::sin(std::numbers::pi * u) * std::sin(2.0 * std::numbers::pi * u);
            p.samples.push_back(static_cast<float>(v));
        }
    }
    if (with_highpass) {
        const auto hp = dsp::butterworth_highpass(2, 5.0, p.sample_rate_hz);
        detail::causal_rows(hp, p.samples, n, p.frames);
        for (const auto& s : hp.sections()) {
            const std::complex<double> disc = std::sqrt(std::complex<double>(s.a1 * s.a1 - 4.0 * s.a2, 0.0));
            p.highpass_poles.push_back((-s.a1 + disc) / 2.0);
            p.highpass_poles.push_back((-s.a1 - disc) / 2.0);
        }
    }
    return p;
}

}  // namespace

TEST_CASE("with locked mains and a slow locked tail but no response, the false-positive rate is alpha", "[evoked][presence]") {
    PresenceConfig c = PresenceConfig::from_signals();
    c.alpha = 0.05;  // a rate large enough to measure in a few hundred trials
    for (bool hp : {false, true}) {
        int positives = 0;
        const int trials = 400;
        for (int k = 0; k < trials; ++k) {
            const PreparedSweeps p = rows(10, 0.0, 100 + static_cast<std::uint64_t>(k), hp);
            std::vector<std::size_t> all(p.rows());
            std::iota(all.begin(), all.end(), 0);
            const PresenceTest t = test_presence(p, all, 200, 980, 50.0, c);
            REQUIRE(t.tested);
            positives += t.present ? 1 : 0;
        }
        // Binomial(400, 0.05): mean 20, sd 4.4; allow 3 sd each way.
        INFO("high-pass " << hp << ": " << positives << " of " << trials);
        REQUIRE(positives >= 7);
        REQUIRE(positives <= 33);
    }
}

TEST_CASE("a small locked response is found, and the test says what it removed", "[evoked][presence]") {
    const PresenceConfig c = PresenceConfig::from_signals();
    int found = 0;
    for (int k = 0; k < 50; ++k) {
        // 20 uV response against 5 uV noise per sweep, 10 sweeps.
        const PreparedSweeps p = rows(10, 0.02, 900 + static_cast<std::uint64_t>(k), true);
        std::vector<std::size_t> all(p.rows());
        std::iota(all.begin(), all.end(), 0);
        const PresenceTest t = test_presence(p, all, 200, 980, 50.0, c);
        found += t.present ? 1 : 0;
        REQUIRE(t.p_value >= 0.0);
        REQUIRE_THAT(t.method, Catch::Contains("Legendre") && Catch::Contains("50 Hz"));
    }
    REQUIRE(found == 50);
}

TEST_CASE("too few sweeps are not tested", "[evoked][presence]") {
    const PreparedSweeps p = rows(2, 0.1, 1, false);
    const std::vector<std::size_t> all = {0, 1};
    const PresenceTest t = test_presence(p, all, 200, 980, 50.0, PresenceConfig::from_signals());
    REQUIRE_FALSE(t.tested);
    REQUIRE_FALSE(t.present);
}
