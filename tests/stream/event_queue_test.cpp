// The event queue: bounded, drops and counts when full, always keeps the
// session's last event, and wakes a waiting reader.
#include <catch2/catch.hpp>

#include <thread>

#include "edx/stream/event_queue.hpp"

using edx::stream::EventQueue;

TEST_CASE("a full queue drops and counts, the last event always gets in, nothing after it", "[stream][events]") {
    CHECK_THROWS_AS(EventQueue(0), std::invalid_argument);
    EventQueue q(2);
    CHECK(q.push("a"));
    CHECK(q.push("b"));
    CHECK(!q.push("c"));
    CHECK(q.dropped() == 1);
    CHECK(!q.finished());
    q.push_last("end");
    CHECK(!q.push("late"));
    CHECK(q.dropped() == 2);
    CHECK(q.peak_size() == 3);
    std::string e;
    CHECK(*q.front_size() == 1);
    for (const char* want : {"a", "b", "end"}) {
        REQUIRE(q.try_pop(e));
        CHECK(e == want);
    }
    CHECK(q.finished());
    CHECK(q.delivered() == 3);
    CHECK(!q.front_size());
}

TEST_CASE("a waiting reader wakes for an event and times out without one", "[stream][events]") {
    EventQueue q(4);
    std::string e;
    CHECK(!q.wait_pop(e, std::chrono::milliseconds(10)));
    std::thread t([&] { q.push("x"); });
    CHECK(q.wait_pop(e, std::chrono::seconds(10)));
    CHECK(e == "x");
    t.join();
    std::thread u([&] { q.push_last("y"); });
    CHECK(q.wait_pop(e, std::chrono::seconds(10)));
    u.join();
    CHECK(q.wait_finished(std::chrono::seconds(1)));
}
