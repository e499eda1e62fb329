// The H onset latency accuracy the issue asks for, on simulated recordings
// with known truth (30 sweeps each, FAIR protocol, default jitter, the
// simulator's drawn shapes, artefacts, mains and wander; SNR is the
// simulator's: the mean baseline-to-negative-peak H amplitude over the RMS of
// the white + 1/f noise): at 20 dB median |error| <= 0.05 ms and 95th
// percentile <= 0.2 ms (80 recordings); at 6 dB the issue asks median <= 0.2
// ms, which is not reached (see the 6 dB case). tools/bench/bench_evoked.cpp
// prints the full table with the Cramer-Rao bound.
#include <catch2/catch.hpp>

#include <vector>

#include "edx/evoked/h_reflex.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "measure_test_support.hpp"

using namespace edx;
using namespace edx::evoked;

namespace {

struct Errors {
    std::vector<double> onset_ms;  // measured - truth, every sweep with an H in the truth and the measure
    int missed = 0;                // H in the truth, none measured
    int recordings_absent = 0;     // recordings reported without an H
};

Errors run(double fs, double snr_db, int recordings, std::uint64_t seed0) {
    Errors e;
    for (int k = 0; k < recordings; ++k) {
        sim::HReflexConfig c;
        c.sample_rate_hz = fs;
        c.background.snr_db = snr_db;
        const auto sim = sim::simulate_h_reflex(c, seed0 + static_cast<std::uint64_t>(k));
        const auto r = measure_h_reflex(sim.recording, sim.recording.info.subject);
        if (!r.h_present) ++e.recordings_absent;
        for (std::size_t i = 0; i < r.sweeps.size(); ++i) {
            const auto& t = sim.truth.at("sweeps")[i];
            if (!t.at("h_present").get<bool>()) continue;
            if (r.sweeps[i].h_onset_ms) {
                e.onset_ms.push_back(*r.sweeps[i].h_onset_ms - t.at("h_onset_ms").get<double>());
            } else {
                ++e.missed;
            }
        }
    }
    return e;
}

}  // namespace

TEST_CASE("H onset latency at 20 dB: median <= 0.05 ms, 95th percentile <= 0.2 ms, at 10 and 20 kHz", "[evoked][h_reflex][accuracy]") {
    for (double fs : {10000.0, 20000.0}) {
        const Errors e = run(fs, 20.0, 80, 70000);
        INFO("fs " << fs << ": " << e.onset_ms.size() << " sweeps, median " << test::abs_quantile(e.onset_ms, 0.5)
                   << " ms, p95 " << test::abs_quantile(e.onset_ms, 0.95) << " ms, missed " << e.missed);
        REQUIRE(e.recordings_absent == 0);
        REQUIRE(e.missed == 0);
        REQUIRE(e.onset_ms.size() >= 2000);
        REQUIRE(test::abs_quantile(e.onset_ms, 0.5) <= 0.05);
        REQUIRE(test::abs_quantile(e.onset_ms, 0.95) <= 0.2);
    }
}

// The target at 6 dB, median <= 0.2 ms, is NOT reached: this is a
// regression guard at what is reliably achieved on these 100 recordings per
// rate, 0.36 ms at 10 kHz and 0.25 ms at 20 kHz (before this work 0.39 and
// 0.28 ms; over 200 recordings 0.34 and 0.25, before 0.37 and 0.28). The
// sweeps' own shifts are at 0.11 ms in median (band-limited correlation and
// shrinkage, bench_evoked); what stands in the way is the template's onset,
// one per recording:
// - Half of the simulated H-waves start with a small positive phase (10-35%
//   of the main one, 0.5-2 ms; Hugon / Braddom-Johnson montage). In a
//   template of 30 sweeps at 6 dB it stands less than 3 SD out of the
//   template's noise even for a filter matched to its known shape and place
//   in about 55% of them at 10 kHz (45% at 20 kHz, where the white noise is
//   spread over twice the band): their onset is then the main phase's, 0.5-1.5
//   ms late. No criterion can find a phase the template does not hold.
// - The take-off of the others is read from a template with 8% noise per
//   sample: 0.19 ms median error at 10 kHz, 0.13 ms at 20 kHz.
// Tried and not kept: a quadratic fitted over the whole rise (0.13 / 0.08 ms
// there, but only because the simulator's rises are cubic Hermite segments:
// on the windowed-sine family, measure_test_support.hpp, onsets came 0.1-0.2
// ms later); a flatter quiet stretch before the departure (found more initial
// phases at 6 dB, but departed early on the M-wave's slow tail at 12-20 dB:
// 95th percentile 0.33 ms at 20 dB, 1.4 ms at 12 dB on the bench's recordings);
// a search for a small first phase of the other sign adjoining the
// departure, on a copy smoothed to 500-700 Hz against that copy's own noise
// SD, held 0.2-0.4 ms (bench, 100 recordings per row): at 2.5-3 SD it found
// almost none (6 dB 0.30-0.31 ms at 10 kHz), at 2 SD 6 dB went 0.30 -> 0.25-0.26
// ms at 10 kHz (0.27 -> 0.26 at 20 kHz) but noise taken for a lead phase raised
// the 20 dB 95th percentile at 10 kHz from 0.15 to 0.17-0.24 ms; with its
// reference line fitted before the candidate phase (not pulled by it), the
// 20 dB 95th percentile went to 0.24 / 0.79 ms (10 / 20 kHz) even at 3 SD.
TEST_CASE("H onset latency at 6 dB: regression guard (the issue's 0.2 ms is not reached)", "[evoked][h_reflex][accuracy]") {
    for (double fs : {10000.0, 20000.0}) {
        const Errors e = run(fs, 6.0, 100, 80000);
        INFO("fs " << fs << ": " << e.onset_ms.size() << " sweeps, median " << test::abs_quantile(e.onset_ms, 0.5)
                   << " ms, p95 " << test::abs_quantile(e.onset_ms, 0.95) << " ms, missed " << e.missed);
        REQUIRE(e.recordings_absent == 0);
        REQUIRE(test::abs_quantile(e.onset_ms, 0.5) <= (fs == 10000.0 ? 0.38 : 0.28));
    }
}
