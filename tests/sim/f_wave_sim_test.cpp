#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "edx/signals/table.hpp"
#include "edx/sim/f_wave_sim.hpp"
#include "sim/evoked_test_support.hpp"

using namespace edx;
using namespace edx::sim;
using namespace edx::sim::test;

namespace {
FWaveConfig clean(std::string nerve = "tibial") {
    FWaveConfig c;
    c.nerve = nerve;
    c.name = nerve + "_f_wave";
    c.background = EvokedBackground::none();
    c.artefact = ArtefactSettings::none();
    return c;
}
}  // namespace

TEST_CASE("F-wave persistence and latencies seen in the noiseless sweeps are the truth's", "[f_wave]") {
    for (double fs : {10000.0, 20000.0}) {
        for (std::uint64_t seed : {1u, 2u, 3u}) {
            auto c = clean();
            c.sample_rate_hz = fs;
            c.persistence = 0.7;
            const auto sim = simulate_f_wave(c, seed);
            const auto& r = sim.recording;
            const double dt = 1000.0 / fs;
            INFO("fs " << fs << " seed " << seed);
            const double m_end =
                sim.truth["m_wave"]["onset_ms"].get<double>() + sim.truth["m_wave"]["duration_ms"].get<double>();
            int present = 0;
            std::vector<double> seen;
            std::set<std::pair<std::size_t, bool>> shapes;
            for (std::size_t i = 0; i < r.sweep_count; ++i) {
                const auto& s = sim.truth["sweeps"][i];
                const auto f = first_nonzero_ms(r, i, m_end + dt, 1e9);
                REQUIRE(f.has_value() == s["f_present"].get<bool>());
                if (!f) continue;
                ++present;
                REQUIRE(*f > s["f_onset_ms"].get<double>());
                REQUIRE(*f - s["f_onset_ms"].get<double>() <= dt + 1e-9);
                seen.push_back(*f);
                shapes.insert({s["f_phases"].get<std::size_t>(), s["f_initial_polarity"] == "positive"});
                // Sampling can only miss the peak between samples: never above it, within 3% below.
                const double a = s["f_amplitude_mv"].get<double>();
                REQUIRE(-minimum(r, i, m_end + dt, 1e9).value <= a * (1 + 1e-6));
                REQUIRE(-minimum(r, i, m_end + dt, 1e9).value >= 0.97 * a);
            }
            const auto& f = sim.truth["f_waves"];
            REQUIRE(f["count"].get<int>() == present);
            REQUIRE(f["persistence"].get<double>() == Approx(present / 20.0));
            REQUIRE(present < 20);  // persistence below 100%
            const double min_seen = *std::min_element(seen.begin(), seen.end());
            REQUIRE(min_seen - f["min_latency_ms"].get<double>() <= dt + 1e-9);
            REQUIRE(min_seen > f["min_latency_ms"].get<double>());
            // Latency and shape vary from stimulus to stimulus (the H-wave's do not).
            REQUIRE(f["chronodispersion_ms"].get<double>() > 1.0);
            REQUIRE(shapes.size() >= 2);
        }
    }
}

TEST_CASE("the tibial F-wave pool reproduces the published minimal, mean and maximal latencies", "[f_wave]") {
    // Fnorm04: 47.0 (4.1), 49.6 (4.4), 52.5 (4.4) ms for min/mean/max over 32
    // stimuli. Over many simulated subjects (32 stimuli each) the averages must
    // fall within a quarter of the population SD of the published means.
    const auto& t = signals::table("physiology/f_wave.json").at("tibial");
    double min_sum = 0, mean_sum = 0, max_sum = 0;
    const int subjects = 150;
    for (int s = 0; s < subjects; ++s) {
        auto c = clean();
        c.stimuli = 32;
        c.sample_rate_hz = 5000.0;
        const auto sim = simulate_f_wave(c, static_cast<std::uint64_t>(s));
        min_sum += sim.truth["f_waves"]["min_latency_ms"].get<double>();
        mean_sum += sim.truth["f_waves"]["mean_latency_ms"].get<double>();
        max_sum += sim.truth["f_waves"]["max_latency_ms"].get<double>();
    }
    REQUIRE(std::abs(min_sum / subjects - t["min_latency_ms"]["mean"].get<double>()) <
            0.25 * t["min_latency_ms"]["sd"].get<double>());
    REQUIRE(std::abs(mean_sum / subjects - t["mean_latency_ms"]["mean"].get<double>()) <
            0.25 * t["mean_latency_ms"]["sd"].get<double>());
    REQUIRE(std::abs(max_sum / subjects - t["max_latency_ms"]["mean"].get<double>()) <
            0.25 * t["max_latency_ms"]["sd"].get<double>());
}

TEST_CASE("F-wave lesion knobs and determinism", "[f_wave]") {
    auto c = clean("peroneal");
    c.persistence = 1.0;
    const auto normal = simulate_f_wave(c, 4);
    REQUIRE(normal.recording.info.muscle == "extensor_digitorum_brevis");
    REQUIRE(normal.recording.info.stim_site == "ankle");
    REQUIRE(normal.recording.sweep_count == 20);
    REQUIRE(normal.recording.stimuli[1].time_s - normal.recording.stimuli[0].time_s == Approx(1.0));
    c.proximal_delay_ms = 2.0;
    const auto slowed = simulate_f_wave(c, 4);
    for (std::size_t i = 0; i < 20; ++i) {
        REQUIRE(slowed.truth["sweeps"][i]["f_onset_ms"].get<double>() -
                    normal.truth["sweeps"][i]["f_onset_ms"].get<double>() ==
                Approx(2.0).margin(1e-9));
        REQUIRE(slowed.truth["sweeps"][i]["m_onset_ms"] == normal.truth["sweeps"][i]["m_onset_ms"]);
    }
    c.f_present = false;
    const auto none = simulate_f_wave(c, 4);
    REQUIRE(none.truth["f_waves"]["count"] == 0);
    REQUIRE(none.truth["f_waves"]["min_latency_ms"].is_null());

    FWaveConfig drawn;
    const auto a = simulate_f_wave(drawn, 12), b = simulate_f_wave(drawn, 12), d = simulate_f_wave(drawn, 13);
    REQUIRE(a.recording.samples == b.recording.samples);
    REQUIRE(a.truth == b.truth);
    REQUIRE(a.recording.samples != d.recording.samples);
    drawn.background.snr_db = 10.0;
    const auto snr = simulate_f_wave(drawn, 12);
    REQUIRE(snr.truth["noise"]["snr_db"].get<double>() == Approx(10.0));
    REQUIRE(snr.truth["sweeps"] == a.truth["sweeps"]);
}
