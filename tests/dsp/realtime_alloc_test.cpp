// The real-time rule, proven: after start-up, 60 s of simulated 16-channel
// streaming through the filter, the sweep cutter and artefact suppression
// make no heap allocation. tests/support/allocation_counter.cpp counts them.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "edx/dsp/artefact.hpp"
#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/notch.hpp"
#include "edx/dsp/sos_filter.hpp"
#include "edx/dsp/sweep_cutter.hpp"
#include "support/allocation_counter.hpp"

using namespace edx::dsp;

TEST_CASE("the allocation counter sees allocations (the test can fail)", "[dsp][realtime]") {
    REQUIRE(edx::test::counter_sees_allocations());
}

TEST_CASE("60 s of 16-channel streaming allocates nothing after warm-up", "[dsp][realtime]") {
    constexpr double fs = 20000.0;
    constexpr std::size_t channels = 16;
    constexpr std::size_t block = 20;  // 1 ms
    // Start-up: everything the stream needs is made here.
    StreamingSosFilter filter(butterworth_bandpass(4, 20.0, 2000.0, fs).then(mains_notch({50.0, 2, 30.0}, fs)),
                              channels);
    SweepCutter cutter({fs, channels, 0.010, 0.040, 8});
    ArtefactConfig ac;
    ac.sample_rate_hz = fs;
    ac.blank_end_ms = 0.5;
    ac.fit_start_ms = 0.5;
    ac.fit_end_ms = 4.0;
    const StimulusArtefactSuppressor suppressor(ac);
    std::vector<float> in(block * channels), out(block * channels), one_channel(cutter.sweep_frames());
    std::mt19937 rng(1);
    std::normal_distribution<float> noise(0.0f, 0.01f);

    std::size_t sweeps = 0, flagged = 0;
    auto run_block = [&](std::int64_t b) {
        const std::int64_t first = b * static_cast<std::int64_t>(block);
        for (std::size_t i = 0; i < block; ++i) {
            const double t = static_cast<double>(first + static_cast<std::int64_t>(i)) / fs;
            for (std::size_t c = 0; c < channels; ++c) {
                in[i * channels + c] = noise(rng) + static_cast<float>(0.2 * std::sin(2 * 3.14159265 * 50.0 * t));
            }
        }
        if (b % 500 == 100) {  // a stimulus artefact every 0.5 s
            for (std::size_t c = 0; c < channels; ++c) in[c] += 5.0f;
        }
        filter.process(in, out);
        cutter.push(out);
        if (b % 500 == 100) cutter.stimulus(first);
        if (b % 20000 == 7095) cutter.gap(37);  // a lost packet every 20 s, inside a sweep
        Sweep s;
        while (cutter.next(s)) {
            for (std::size_t f = 0; f < s.frames; ++f) one_channel[f] = s.samples[f * s.channels];
            suppressor.process(one_channel, cutter.pre_trigger_frames());
            ++sweeps;
            flagged += s.flags.missing_data ? 1 : 0;
            cutter.release();
        }
    };

    std::int64_t b = 0;
    for (; b < 1000; ++b) run_block(b);  // warm-up: 1 s
    edx::test::reset_allocation_count();
    edx::test::start_counting_allocations();
    for (; b < 61000; ++b) run_block(b);  // 60 s
    edx::test::stop_counting_allocations();
    const std::size_t allocations = edx::test::allocations_counted();
    INFO(sweeps << " sweeps cut (" << flagged << " flagged missing data)");
    CHECK(allocations == 0);
    CHECK(sweeps >= 119);
    CHECK(flagged >= 1);
}
