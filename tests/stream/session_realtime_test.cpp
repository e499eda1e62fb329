// The real-time rule for the session, proven: after start-up, 60 s of
// 16-channel 20 kHz streaming through the session's input path (conversion,
// gap and overlap handling, sweep cutting, hand-off to the worker) makes no
// heap allocation on the producer thread, with stimuli, markers, a gap and an
// overlap on the way. The worker thread (measurement) may allocate and is not
// counted (tests/support/allocation_counter.cpp counts per thread).
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/stream/frame_encoder.hpp"
#include "edx/stream/session.hpp"
#include "support/allocation_counter.hpp"

using namespace edx::stream;
using nlohmann::json;

TEST_CASE("the allocation counter sees allocations (the test can fail)", "[stream][realtime]") {
    REQUIRE(edx::test::counter_sees_allocations());
}

TEST_CASE("60 s of 16-channel streaming through the session's input path allocates nothing after warm-up",
          "[stream][realtime]") {
    constexpr double fs = 20000.0;
    constexpr std::size_t channels = 16;
    json h = {{"edx_stream", 1}, {"sample_rate_hz", fs}, {"sample_type", "int16"},
              {"sweep", {{"pre_trigger_s", 0.01}, {"post_trigger_s", 0.06}}}, {"channels", json::array()}};
    for (std::size_t c = 0; c < channels; ++c) {
        const bool evoked = c < 4;
        const bool needle = c >= 4 && c < 6;
        std::string name = "c";
        name += std::to_string(c);
        h["channels"].push_back({{"name", name},
                                 {"kind", evoked ? "h_reflex" : needle ? "needle_emg" : "surface_emg"},
                                 {"units", "uV"}, {"scale", 0.25}, {"muscle", "soleus"}});
    }
    Session session(parse_session_header(h.dump(), "test"), {});
    // The consumer reads events on its own thread, as `edx stream` does.
    std::atomic<bool> done{false};
    std::thread consumer([&] {
        std::string e;
        while (!done.load() || !session.finished()) session.events().wait_pop(e, std::chrono::milliseconds(20));
    });

    const std::size_t block = 20;  // 1 ms
    std::vector<std::int16_t> raw(block * channels);
    std::mt19937 gen(7);
    std::normal_distribution<float> noise(0.0f, 200.0f);
    for (auto& x : raw) x = static_cast<std::int16_t>(noise(gen));
    const auto* bytes = reinterpret_cast<const std::byte*>(raw.data());
    const char* labels[] = {"position=anatomic", "position=fair", "contraction=rest"};

    std::uint64_t index = 0;
    std::size_t busy = 0;
    auto offer = [&](auto&& call) {
        PushStatus s;
        {
            edx::test::CountingScope c;
            s = call();
        }
        while (s == PushStatus::busy) {
            ++busy;
            session.wait_for_room(std::chrono::milliseconds(20));  // off the real-time path: not counted
            edx::test::CountingScope c;
            s = call();
        }
        return s;
    };
    const std::uint64_t total = static_cast<std::uint64_t>(60 * fs);
    const std::uint64_t warm_up = static_cast<std::uint64_t>(5 * fs);
    std::size_t before_warm = 0;
    while (index < total) {
        if (index == warm_up) {
            before_warm = edx::test::allocations_counted();
        }
        if (index % 10000 == 0) offer([&] { return session.stimulus(index + 400, 20.0); });  // 2 Hz
        if (index % 400000 == 0) offer([&] { return session.marker(index, labels[(index / 400000) % 3]); });
        std::uint64_t first = index;
        if (index == 30 * 20000) first = index + 40;  // a gap of 40 frames
        const PushStatus begun = offer([&] { return session.begin_samples(first, block); });
        REQUIRE(begun == PushStatus::ok);
        std::size_t taken = 0;
        while (taken < block) {
            std::size_t n;
            {
                edx::test::CountingScope c;
                n = session.samples(bytes + taken * channels * 2, block - taken);
            }
            taken += n;
            if (taken < block) {
                ++busy;
                session.wait_for_room(std::chrono::milliseconds(20));
            }
        }
        index = first + block;
        if (index == 40 * 20000) {
            // An overlap: refused, its samples ignored.
            REQUIRE(offer([&] { return session.begin_samples(index - 10, block); }) == PushStatus::refused);
            edx::test::CountingScope c;
            REQUIRE(session.samples(bytes, block) == block);
        }
    }
    const std::size_t steady = edx::test::allocations_counted() - before_warm;
    offer([&] { return session.end(); });
    done = true;
    REQUIRE(session.wait_finished(std::chrono::seconds(300)));
    consumer.join();
    CHECK(steady == 0);
    const json& counts = session.summary()["counts"];
    CHECK(counts["sweeps"] == 120);
    CHECK(counts["gaps"] == 1);
    CHECK(counts["overlaps"] == 1);
    INFO("times the producer waited for room: " << busy);
}
