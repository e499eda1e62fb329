// An absent H-wave is reported absent in >= 99% of recordings (the presence
// test's false-positive rate is /presence/alpha = 0.001 by construction), and
// a present one at 6 dB is found: both rates on simulated recordings.
#include <catch2/catch.hpp>

#include "edx/evoked/h_reflex.hpp"
#include "edx/sim/h_reflex_sim.hpp"

using namespace edx;
using namespace edx::evoked;

TEST_CASE("an absent H-wave is reported absent in at least 99% of recordings, never with a latency", "[evoked][h_reflex][presence]") {
    // 300 recordings of 10 sweeps at 10 and 20 kHz, no H-wave: the M-wave,
    // artefact, mains, wander and noise drawn from the simulator's ranges.
    for (double fs : {10000.0, 20000.0}) {
        int present = 0, absent_with_latency = 0;
        const int recordings = 300;
        for (int k = 0; k < recordings; ++k) {
            sim::HReflexConfig c;
            c.sample_rate_hz = fs;
            c.lesion.h_present = false;
            c.phases = {{"anatomic", 10, {}, {}, 5.0}};
            const auto sim = sim::simulate_h_reflex(c, 90000 + static_cast<std::uint64_t>(k));
            const auto r = measure_h_reflex(sim.recording, sim.recording.info.subject);
            present += r.h_present ? 1 : 0;
            bool latency = r.h_latency_ms.has_value();
            for (const auto& s : r.sweeps) latency = latency || s.h_onset_ms.has_value();
            absent_with_latency += !r.h_present && latency ? 1 : 0;
        }
        INFO("fs " << fs << ": reported present in " << present << " of " << recordings);
        REQUIRE(present <= recordings / 100);
        REQUIRE(absent_with_latency == 0);
    }
}

TEST_CASE("a present H-wave at 6 dB is found: the false-absent rate", "[evoked][h_reflex][presence]") {
    int absent = 0;
    const int recordings = 60;
    for (int k = 0; k < recordings; ++k) {
        sim::HReflexConfig c;
        c.background.snr_db = 6.0;
        c.phases = {{"anatomic", 10, {}, {}, 5.0}};
        const auto sim = sim::simulate_h_reflex(c, 95000 + static_cast<std::uint64_t>(k));
        absent += measure_h_reflex(sim.recording, sim.recording.info.subject).h_present ? 0 : 1;
    }
    INFO("reported absent in " << absent << " of " << recordings << " recordings with an H-wave at 6 dB, 10 sweeps");
    REQUIRE(absent == 0);
}
