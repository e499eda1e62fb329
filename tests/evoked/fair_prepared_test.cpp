#include <catch2/catch.hpp>

#include <cmath>

#include "evoked/fair_prepared.hpp"

using namespace edx::evoked;
using namespace edx::evoked::detail;

namespace {
FairSweep sweep(std::size_t index, double t, const char* position, std::optional<double> latency) {
    FairSweep s;
    s.sweep_index = index;
    s.time_s = t;
    s.position = position;
    s.h_latency_ms = latency;
    return s;
}
}  // namespace

TEST_CASE("FAIR sweeps are ordered by time in FAIR, pooling repeated stays, the baseline by time", "[fair]") {
    FairTimeCourse c;
    c.name = "two_stays";
    // Markers given out of order: their times order them.
    c.markers = {{100.0, "fair"}, {0.0, "anatomic"}, {10.0, "fair"}, {30.0, "anatomic"}};
    c.sweeps = {sweep(5, 104.0, "fair", 34.0), sweep(0, 2.0, "anatomic", 30.2), sweep(1, 4.0, "anatomic", 30.1),
                sweep(2, 13.0, "fair", 33.0), sweep(3, 16.0, "fair", 33.5), sweep(4, 101.0, "fair", 33.9)};
    FairOptions o;
    const FairPrepared p = prepare_fair(c, o);
    REQUIRE(p.baseline == std::vector<double>{30.2, 30.1});
    // Times in FAIR: 3 (s=2), 6 (s=3) in the first stay; 1 (s=4), 4 (s=5) in the second.
    REQUIRE(p.fair_time_s == std::vector<double>{1.0, 3.0, 4.0, 6.0});
    REQUIRE(p.fair == std::vector<double>{33.9, 33.0, 34.0, 33.5});
    REQUIRE(p.fair_sweep == std::vector<std::size_t>{5, 3, 0, 4});  // list indices
    REQUIRE(p.order == std::vector<std::size_t>{1, 2, 3, 4, 5, 0});
    REQUIRE(p.counts.sweeps == 6);
    REQUIRE(p.counts.anatomic == 2);
    REQUIRE(p.counts.fair == 4);
}

TEST_CASE("inconsistent time courses are refused with the sweep or marker named", "[fair]") {
    FairOptions o;
    FairTimeCourse c;
    c.name = "leg";
    c.markers = {{0.0, "anatomic"}, {20.0, "fair"}};
    c.sweeps = {sweep(7, 25.0, "anatomic", 30.0)};
    REQUIRE_THROWS_WITH(prepare_fair(c, o), Catch::Contains("sweep 7 at 25 s") &&
                                                Catch::Contains("position 'anatomic'") &&
                                                Catch::Contains("(at 20 s) set 'fair'"));
    c.markers = {{30.0, "anatomic"}};
    c.sweeps = {sweep(3, 25.0, "fair", 30.0)};
    REQUIRE_THROWS_WITH(prepare_fair(c, o), Catch::Contains("sweep 3") && Catch::Contains("no position marker"));
    c.markers = {{10.0, "anatomic"}, {10.0, "fair"}};
    c.sweeps = {};
    REQUIRE_THROWS_WITH(prepare_fair(c, o), Catch::Contains("two position markers at 10 s"));
    c.markers = {{std::nan(""), "fair"}};
    REQUIRE_THROWS_WITH(prepare_fair(c, o), Catch::Contains("markers[0]"));
    c.markers = {{1.0, ""}};
    REQUIRE_THROWS_WITH(prepare_fair(c, o), Catch::Contains("markers[0]: position"));
    c.markers = {};
    c.sweeps = {sweep(0, 1.0, "anatomic", 30.0), sweep(1, 2.0, "anatomic", std::nan(""))};
    REQUIRE_THROWS_WITH(prepare_fair(c, o), Catch::Contains("sweeps[1]") && Catch::Contains("h_latency_ms"));
    c.sweeps = {sweep(0, std::nan(""), "anatomic", 30.0)};
    REQUIRE_THROWS_WITH(prepare_fair(c, o), Catch::Contains("sweeps[0]") && Catch::Contains("time_s"));
}

TEST_CASE("sweeps at equal times keep their list order, as arrival order online", "[fair]") {
    FairTimeCourse c;
    c.markers = {{0.0, "fair"}};
    c.sweeps = {sweep(0, 5.0, "fair", 33.0), sweep(1, 5.0, "fair", 34.0), sweep(2, 3.0, "fair", 35.0)};
    FairOptions o;
    const FairPrepared p = prepare_fair(c, o);
    REQUIRE(p.fair == std::vector<double>{35.0, 33.0, 34.0});
}
