#include <catch2/catch.hpp>

#include "edx/io/non_finite_report.hpp"

using namespace edx;

TEST_CASE("non-finite samples merge into runs per channel and sweep", "[non_finite]") {
    NonFiniteCounter counter(2, true);
    counter.add(0, 10, 0);
    counter.add(0, 11, 0);
    counter.add(0, 11, 1);  // another channel does not break channel 0's run
    counter.add(0, 12, 0);
    counter.add(3, 0, 0);
    counter.add(3, 1, 0);
    counter.add(3, 50, 0);
    const auto report = counter.take();
    REQUIRE(report.count == 7);
    REQUIRE(report.run_count == 4);
    REQUIRE(report.runs[0].length == 3);
    REQUIRE(report.runs[1].channel == 1);
    REQUIRE(report.runs[2].sweep == 3);
    REQUIRE(report.runs[2].length == 2);
    REQUIRE(report.runs[3].first_sample == 50);
    REQUIRE(report.sweeps_affected == std::vector<std::uint64_t>{0, 3});
}

TEST_CASE("runs keep merging after the list of runs is full", "[non_finite]") {
    NonFiniteCounter counter(1, false);
    const std::uint64_t runs = NonFiniteReport::max_listed_runs + 10;
    for (std::uint64_t r = 0; r < runs; ++r) {
        for (std::uint64_t i = 0; i < 3; ++i) counter.add(0, r * 100 + i, 0);
    }
    const auto report = counter.report();
    REQUIRE(report.count == runs * 3);
    REQUIRE(report.run_count == runs);  // an unlisted run of 3 still counts once
    REQUIRE(report.runs.size() == NonFiniteReport::max_listed_runs);
    REQUIRE(report.runs.back().length == 3);
    REQUIRE(report.sweeps_affected.empty());
}
