// The bounded SPSC queue: capacity is a hard bound, order is kept, and two
// threads passing a million items lose or reorder none.
#include <catch2/catch.hpp>

#include <thread>

#include "edx/stream/spsc_ring.hpp"

using edx::stream::SpscRing;

TEST_CASE("a full ring refuses, an empty one has nothing, order is first in first out", "[stream][spsc]") {
    CHECK_THROWS_AS(SpscRing<int>(0), std::invalid_argument);
    SpscRing<int> r(3);
    CHECK(r.empty());
    CHECK(r.free_slots() == 3);
    CHECK(r.try_push(1));
    CHECK(r.try_push(2));
    CHECK(r.try_push(3));
    CHECK(!r.try_push(4));
    CHECK(r.size() == 3);
    int x = 0;
    CHECK(r.try_pop(x));
    CHECK(x == 1);
    CHECK(r.try_push(5));
    for (int want : {2, 3, 5}) {
        REQUIRE(r.try_pop(x));
        CHECK(x == want);
    }
    CHECK(!r.try_pop(x));
}

TEST_CASE("two threads pass 300,000 items through a small ring in order", "[stream][spsc]") {
    SpscRing<std::uint64_t> r(64);
    constexpr std::uint64_t n = 300'000;
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < n;) {
            if (r.try_push(i)) {
                ++i;
            } else {
                std::this_thread::yield();
            }
        }
    });
    std::uint64_t expected = 0, bad = 0, v = 0;
    while (expected < n) {
        if (!r.try_pop(v)) {
            std::this_thread::yield();
            continue;
        }
        bad += v != expected;
        ++expected;
    }
    producer.join();
    CHECK(bad == 0);
    CHECK(r.empty());
}
