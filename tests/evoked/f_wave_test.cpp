#include <catch2/catch.hpp>

#include <vector>

#include "edx/evoked/f_wave.hpp"
#include "edx/sim/f_wave_sim.hpp"
#include "measure_test_support.hpp"

using namespace edx;
using namespace edx::evoked;

TEST_CASE("F-waves: per-sweep latencies, persistence, minimal/mean latency and chronodispersion", "[evoked][f_wave]") {
    std::vector<double> err;
    int false_f = 0, missed_f = 0, truth_f = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        for (const char* nerve : {"tibial", "peroneal"}) {
            sim::FWaveConfig c;
            c.nerve = nerve;
            c.name = std::string(nerve) + "_f";
            c.background.snr_db = 20.0;
            const auto sim = sim::simulate_f_wave(c, seed);
            const FWaveResult r = measure_f_wave(sim.recording);
            REQUIRE(r.m_present);
            REQUIRE(r.m_latency_ms);
            for (std::size_t i = 0; i < r.sweeps.size(); ++i) {
                const auto& t = sim.truth.at("sweeps")[i];
                const bool present = t.at("f_present").get<bool>();
                truth_f += present ? 1 : 0;
                if (present && r.sweeps[i].f_latency_ms) {
                    err.push_back(*r.sweeps[i].f_latency_ms - t.at("f_onset_ms").get<double>());
                } else if (present) {
                    ++missed_f;
                } else if (r.sweeps[i].f_latency_ms) {
                    ++false_f;
                }
            }
            const auto& f = sim.truth.at("f_waves");
            INFO(c.name << " seed " << seed << ": persistence " << *r.persistence << " truth " << f.at("persistence").get<double>());
            if (f.at("count").get<int>() > 2) {
                REQUIRE(*r.persistence == Approx(f.at("persistence").get<double>()).margin(0.15));
                REQUIRE(*r.f_min_latency_ms == Approx(f.at("min_latency_ms").get<double>()).margin(1.0));
                REQUIRE(*r.f_mean_latency_ms == Approx(f.at("mean_latency_ms").get<double>()).margin(1.0));
            }
        }
    }
    INFO("F onset median |error| " << test::abs_quantile(err, 0.5) << " ms, p95 " << test::abs_quantile(err, 0.95)
                                    << "; missed " << missed_f << " and false " << false_f << " of " << truth_f);
    // Each F-wave is measured on its own sweep (they differ from stimulus to
    // stimulus), where a small initial phase is often below the noise: the
    // onset is less precise than a template's (measured on 80 recordings at
    // 20 dB: median 0.29 ms, 95th percentile 1.4 ms).
    REQUIRE(test::abs_quantile(err, 0.5) <= 0.3);
    REQUIRE(missed_f <= truth_f * 8 / 100);
    REQUIRE(false_f <= truth_f * 2 / 100);
}

TEST_CASE("the sweeps without an F-wave in a persistent series stay without one, at any noise", "[evoked][f_wave]") {
    // With a persistence near 90% the F-waves of the other sweeps overlap at
    // their usual latency; nothing of them may be carried into a sweep that
    // has none (a median-sweep subtraction once put an inverted F into a
    // quarter of such sweeps at 30 dB). Counted against the F-free sweeps.
    for (double snr : {30.0, 20.0}) {
        int f_free = 0, reported = 0, with_f = 0, found = 0;
        for (std::uint64_t seed = 1; seed <= 10; ++seed) {
            for (const char* nerve : {"tibial", "peroneal"}) {
                sim::FWaveConfig c;
                c.nerve = nerve;
                c.name = std::string(nerve) + "_f";
                c.background.snr_db = snr;
                const auto sim = sim::simulate_f_wave(c, seed);
                const FWaveResult r = measure_f_wave(sim.recording);
                for (std::size_t i = 0; i < r.sweeps.size(); ++i) {
                    const bool present = sim.truth.at("sweeps")[i].at("f_present").get<bool>();
                    f_free += present ? 0 : 1;
                    reported += !present && r.sweeps[i].f_latency_ms ? 1 : 0;
                    with_f += present ? 1 : 0;
                    found += present && r.sweeps[i].f_latency_ms ? 1 : 0;
                }
            }
        }
        INFO(snr << " dB: an F reported in " << reported << " of " << f_free << " F-free sweeps; found in " << found
                 << " of " << with_f);
        REQUIRE(f_free >= 50);
        REQUIRE(reported <= f_free * 2 / 100);
        REQUIRE(found >= with_f * 95 / 100);
    }
}

TEST_CASE("without F-waves, (almost) none are reported", "[evoked][f_wave]") {
    int reported = 0, sweeps = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        sim::FWaveConfig c;
        c.f_present = false;
        c.background.noise_rms_mv = 0.008;
        const FWaveResult r = measure_f_wave(sim::simulate_f_wave(c, seed).recording);
        reported += static_cast<int>(r.f_count);
        sweeps += static_cast<int>(r.sweeps_used);
    }
    INFO(reported << " F-waves reported in " << sweeps << " sweeps without one");
    REQUIRE(reported <= sweeps / 50);
}
