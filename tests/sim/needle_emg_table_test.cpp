#include <catch2/catch.hpp>

#include <stdexcept>

#include "sim/needle_emg_table.hpp"

using namespace edx::sim;

TEST_CASE("needle-EMG table lookups read values and intervals", "[needle_emg_table]") {
    namespace nt = needle_table;
    REQUIRE(nt::value(nt::physiology, "/fibre_potential/rosenfalck_a_mv_per_mm3") == 96.0);
    const auto rate = nt::interval(nt::physiology, "/fibrillation/rate_hz");
    REQUIRE(rate.min == 0.5);
    REQUIRE(rate.max == 15.0);
    // A single value reads as a one-point interval.
    REQUIRE(nt::interval(nt::physiology, "/recording/oversampling").min == 4.0);
    REQUIRE(nt::field(nt::muap_norms, "/tibialis_anterior/amplitude_uv", "mean") == 661.5);
}

TEST_CASE("a missing table entry is named with its table and pointer", "[needle_emg_table]") {
    namespace nt = needle_table;
    REQUIRE_THROWS_WITH(nt::value(nt::physiology, "/fibrillation/no_such"),
                        Catch::Contains("physiology/needle_emg.json") && Catch::Contains("/fibrillation/no_such"));
    REQUIRE_THROWS_WITH(nt::field(nt::muap_norms, "/tibialis_anterior/amplitude_uv", "median"),
                        Catch::Contains("median"));
}
