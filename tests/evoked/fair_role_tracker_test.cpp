#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "evoked/fair_role_tracker.hpp"

using namespace edx::evoked;
using namespace edx::evoked::detail;

namespace {
FairOptions options_with_window(double window_s) {
    FairOptions o;
    o.recovery_window_s = window_s;
    return o;
}
}  // namespace

TEST_CASE("roles follow the markers: baseline, FAIR with its time, recovery, then baseline again", "[fair]") {
    const FairOptions o = options_with_window(30.0);
    FairRoleTracker t(o);
    // Before any marker an anatomic sweep is baseline (sessions start in anatomic position).
    auto c = t.classify(1.0, "anatomic", 30.0, false);
    REQUIRE(c.status == FairInputStatus::accepted);
    REQUIRE(c.role == FairSweepRole::anatomic);
    REQUIRE_FALSE(c.time_in_position_s);

    REQUIRE(t.add_marker(10.0, "fair") == FairInputStatus::accepted);
    c = t.classify(17.0, "fair", 33.0, false);
    REQUIRE(c.role == FairSweepRole::fair);
    REQUIRE(c.time_in_fair_s == 7.0);
    REQUIRE(*c.time_in_position_s == 7.0);
    // A repeated FAIR marker does not restart the time in FAIR.
    REQUIRE(t.add_marker(18.0, "fair") == FairInputStatus::accepted);
    REQUIRE(t.classify(19.0, "fair", 33.0, false).time_in_fair_s == 9.0);

    REQUIRE(t.add_marker(40.0, "anatomic") == FairInputStatus::accepted);
    REQUIRE(t.classify(45.0, "anatomic", 31.0, false).role == FairSweepRole::recovery);
    REQUIRE(t.classify(69.9, "anatomic", 30.0, false).role == FairSweepRole::recovery);
    REQUIRE(t.classify(70.0, "anatomic", 30.0, false).role == FairSweepRole::anatomic);

    // Other positions, missing latencies and exclusions.
    REQUIRE(t.add_marker(80.0, "supine") == FairInputStatus::accepted);
    REQUIRE(t.classify(81.0, "supine", 30.0, false).role == FairSweepRole::other_position);
    REQUIRE(t.classify(82.0, "supine", std::nullopt, false).role == FairSweepRole::without_h);
    REQUIRE(t.classify(83.0, "supine", 30.0, true).role == FairSweepRole::excluded);
}

TEST_CASE("the recovery window counts from leaving FAIR, through another position", "[fair]") {
    const FairOptions o = options_with_window(10.0);
    FairRoleTracker t(o);
    REQUIRE(t.add_marker(0.0, "fair") == FairInputStatus::accepted);
    REQUIRE(t.add_marker(20.0, "supine") == FairInputStatus::accepted);
    REQUIRE(t.add_marker(25.0, "anatomic") == FairInputStatus::accepted);
    REQUIRE(t.classify(29.0, "anatomic", 30.0, false).role == FairSweepRole::recovery);
    REQUIRE(t.classify(30.0, "anatomic", 30.0, false).role == FairSweepRole::anatomic);
    // A window of 0 uses every anatomic sweep.
    const FairOptions none = options_with_window(0.0);
    FairRoleTracker u(none);
    REQUIRE(u.add_marker(0.0, "fair") == FairInputStatus::accepted);
    REQUIRE(u.add_marker(20.0, "anatomic") == FairInputStatus::accepted);
    REQUIRE(u.classify(20.0, "anatomic", 30.0, false).role == FairSweepRole::anatomic);
}

TEST_CASE("inconsistent input is refused without changing the state", "[fair]") {
    const FairOptions o;
    FairRoleTracker t(o);
    // FAIR without a FAIR marker: its time in FAIR is unknown.
    REQUIRE(t.classify(1.0, "fair", 33.0, false).status == FairInputStatus::rejected_position_mismatch);
    REQUIRE(t.add_marker(5.0, "anatomic") == FairInputStatus::accepted);
    REQUIRE(t.classify(6.0, "fair", 33.0, false).status == FairInputStatus::rejected_position_mismatch);
    REQUIRE(t.classify(6.0, "", 33.0, false).status == FairInputStatus::rejected_position_mismatch);
    REQUIRE(t.classify(7.0, "anatomic", std::numeric_limits<double>::infinity(), false).status ==
            FairInputStatus::rejected_invalid);
    REQUIRE(t.classify(std::nan(""), "anatomic", 30.0, false).status == FairInputStatus::rejected_invalid);
    // An excluded sweep may carry any latency (it is not used).
    REQUIRE(t.classify(7.0, "anatomic", std::nan(""), true).status == FairInputStatus::accepted);
    REQUIRE(t.classify(8.0, "anatomic", 30.0, false).status == FairInputStatus::accepted);
    REQUIRE(t.classify(7.5, "anatomic", 30.0, false).status == FairInputStatus::rejected_out_of_order);
    // A marker at or before a sweep already classified would change its role.
    REQUIRE(t.add_marker(8.0, "fair") == FairInputStatus::rejected_out_of_order);
    REQUIRE(t.add_marker(4.0, "fair") == FairInputStatus::rejected_out_of_order);
    REQUIRE(t.add_marker(9.0, "") == FairInputStatus::rejected_invalid);
    REQUIRE(t.add_marker(9.0, "fair") == FairInputStatus::accepted);
    REQUIRE(t.add_marker(9.0, "fair") == FairInputStatus::accepted);  // a repeat
    REQUIRE(t.add_marker(9.0, "anatomic") == FairInputStatus::rejected_conflicting_marker);
    // State unchanged by the refusals: still in FAIR since 9 s.
    const auto c = t.classify(12.0, "fair", 33.0, false);
    REQUIRE(c.status == FairInputStatus::accepted);
    REQUIRE(c.time_in_fair_s == 3.0);
}

TEST_CASE("position labels are the configured ones", "[fair]") {
    FairOptions o;
    o.anatomic_position = "neutral";
    o.fair_position = "FAIR";
    FairRoleTracker t(o);
    REQUIRE(t.add_marker(0.0, "neutral") == FairInputStatus::accepted);
    REQUIRE(t.classify(1.0, "neutral", 30.0, false).role == FairSweepRole::anatomic);
    REQUIRE(t.add_marker(2.0, "FAIR") == FairInputStatus::accepted);
    REQUIRE(t.classify(3.0, "FAIR", 30.0, false).role == FairSweepRole::fair);
    REQUIRE(t.add_marker(4.0, "fair") == FairInputStatus::accepted);
    REQUIRE(t.classify(5.0, "fair", 30.0, false).role == FairSweepRole::other_position);
}
