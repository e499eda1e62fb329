#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "edx/dsp/sweep_cutter.hpp"

using namespace edx::dsp;

namespace {

// Sample value that encodes its frame and channel, so a sweep can be checked exactly.
float value(std::int64_t frame, std::size_t channel) { return static_cast<float>(frame * 4 + static_cast<std::int64_t>(channel)); }

SweepCutterConfig config() {
    SweepCutterConfig c;
    c.sample_rate_hz = 1000.0;
    c.channels = 2;
    c.pre_trigger_s = 0.010;
    c.post_trigger_s = 0.040;
    c.slots = 4;
    return c;
}

void push_frames(SweepCutter& cutter, std::int64_t from, std::size_t n) {
    std::vector<float> block(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < 2; ++c) block[i * 2 + c] = value(from + static_cast<std::int64_t>(i), c);
    }
    REQUIRE(cutter.push(block));
}

}  // namespace

TEST_CASE("sweeps hold exactly the pre- and post-trigger frames, whatever the block sizes", "[dsp][sweep_cutter]") {
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<std::size_t> block(1, 70);
    SweepCutter cutter(config());
    REQUIRE(cutter.sweep_frames() == 50);
    const std::vector<std::int64_t> stimuli = {30, 95, 100, 180, 400};
    std::size_t next_stim = 0, seen = 0;
    std::int64_t pos = 0;
    while (pos < 600) {
        const std::size_t n = block(rng);
        push_frames(cutter, pos, n);
        pos += static_cast<std::int64_t>(n);
        // Stimuli are announced once their frame has arrived (late, as events do).
        while (next_stim < stimuli.size() && stimuli[next_stim] < pos) REQUIRE(cutter.stimulus(stimuli[next_stim++]));
        Sweep s;
        while (cutter.next(s)) {
            REQUIRE(seen < stimuli.size());
            CHECK(s.stimulus_frame == stimuli[seen]);
            CHECK(s.first_frame == stimuli[seen] - 10);
            CHECK_FALSE(s.flags.missing_data);
            CHECK_FALSE(s.flags.non_finite);
            for (std::size_t f = 0; f < s.frames; ++f) {
                for (std::size_t c = 0; c < 2; ++c) {
                    CHECK(s.samples[f * 2 + c] == value(s.first_frame + static_cast<std::int64_t>(f), c));
                }
            }
            cutter.release();
            ++seen;
        }
    }
    CHECK(seen == stimuli.size());
    CHECK(cutter.completed_sweeps() == stimuli.size());
    CHECK(cutter.dropped_stimuli() == 0);
}

TEST_CASE("sweeps overlapping a gap or the start of the stream are flagged and hold NaN there", "[dsp][sweep_cutter]") {
    SweepCutter cutter(config());
    REQUIRE(cutter.stimulus(5));  // 5 frames of pre-trigger precede the stream
    push_frames(cutter, 0, 100);
    Sweep s;
    REQUIRE(cutter.next(s));
    CHECK(s.flags.missing_data);
    CHECK(std::isnan(s.samples[0]));
    CHECK(std::isnan(s.samples[2 * 4 + 1]));
    CHECK(s.samples[2 * 5] == value(0, 0));
    cutter.release();

    REQUIRE(cutter.stimulus(120));
    cutter.gap(7);  // frames 100..106 lost; the sweep covers 110..159
    push_frames(cutter, 107, 100);
    REQUIRE(cutter.next(s));
    CHECK_FALSE(s.flags.missing_data);  // the gap ended before the sweep began
    cutter.release();

    REQUIRE(cutter.stimulus(300));
    push_frames(cutter, 207, 100);  // to 306
    cutter.gap(10);                 // 307..316 lost, inside the sweep 290..339
    push_frames(cutter, 317, 40);
    REQUIRE(cutter.next(s));
    CHECK(s.flags.missing_data);
    for (std::int64_t f = 290; f < 340; ++f) {
        const float v = s.samples[static_cast<std::size_t>(f - 290) * 2];
        if (f >= 307 && f < 317) CHECK(std::isnan(v));
        else CHECK(v == value(f, 0));
    }
    cutter.release();

    // A gap far longer than the ring: bounded work, sweep flagged.
    REQUIRE(cutter.stimulus(360));
    cutter.gap(1'000'000'000ull);
    REQUIRE(cutter.next(s));
    CHECK(s.flags.missing_data);
    cutter.release();
}

TEST_CASE("non-finite stream samples flag the sweep, full slots and out-of-order stimuli are counted", "[dsp][sweep_cutter]") {
    SweepCutter cutter(config());
    push_frames(cutter, 0, 20);
    REQUIRE(cutter.stimulus(15));
    std::vector<float> bad(2, 0.0f);
    bad[1] = std::nanf("");
    REQUIRE(cutter.push(bad));
    push_frames(cutter, 21, 60);
    Sweep s;
    REQUIRE(cutter.next(s));
    CHECK(s.flags.non_finite);
    CHECK_FALSE(s.flags.missing_data);
    cutter.release();

    for (int i = 0; i < 4; ++i) REQUIRE(cutter.stimulus(100 + i));
    CHECK_FALSE(cutter.stimulus(110));  // no free slot
    CHECK_FALSE(cutter.stimulus(50));   // earlier than the last
    CHECK(cutter.dropped_stimuli() == 2);
    CHECK_FALSE(cutter.push(std::vector<float>(3)));
    SweepCutterConfig c = config();
    c.post_trigger_s = 0;
    REQUIRE_THROWS_WITH(SweepCutter(c), Catch::Contains("post_trigger_s"));
}
