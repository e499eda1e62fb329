#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "edx/evoked/fair_analysis.hpp"
#include "edx/evoked/fair_online.hpp"
#include "evoked/fair_test_support.hpp"

using namespace edx::evoked;
using edx::evoked::test::protocol_course;
using edx::evoked::test::require_same;
using edx::evoked::test::simulated_course;

namespace {

// Feeds a time course as a stream would: in time order, a marker before the
// sweeps at its time. Calls `after_sweep(i)` after the i-th sweep fed.
template <class F>
void feed(FairOnline& online, const FairTimeCourse& c, F after_sweep) {
    std::vector<FairMarker> markers = c.markers;
    std::stable_sort(markers.begin(), markers.end(),
                     [](const FairMarker& a, const FairMarker& b) { return a.time_s < b.time_s; });
    std::size_t m = 0;
    for (std::size_t i = 0; i < c.sweeps.size(); ++i) {
        const auto& s = c.sweeps[i];
        while (m < markers.size() && markers[m].time_s <= s.time_s) {
            REQUIRE(online.add_marker(markers[m].time_s, markers[m].position) == FairInputStatus::accepted);
            ++m;
        }
        REQUIRE(online.add_sweep(s.time_s, s.position, s.h_latency_ms, s.excluded) == FairInputStatus::accepted);
        after_sweep(i);
    }
}

// A varied leg: a simulated FAIR protocol, then a supine phase and a second
// FAIR stay, with excluded sweeps and sweeps without an H-wave sprinkled in.
FairTimeCourse varied_course(std::uint64_t seed, double delay_ms) {
    auto c = simulated_course(delay_ms, std::nullopt, 0.25, 0.1, seed).course;
    edx::sim::Random rng(seed);
    double t = c.sweeps.back().time_s + 2.0;
    c.markers.push_back({t, "supine"});
    for (int k = 0; k < 3; ++k) {
        c.sweeps.push_back({c.sweeps.size(), t + 1.0 + k, "supine", 31.0 + rng.normal(0.0, 0.3), false, ""});
    }
    t += 10.0;
    c.markers.push_back({t, "fair"});
    for (int k = 0; k < 6; ++k) {
        c.sweeps.push_back(
            {c.sweeps.size(), t + 2.0 + 2.0 * k, "fair", 31.0 + delay_ms + rng.normal(0.0, 0.3), false, ""});
    }
    for (auto& s : c.sweeps) {
        const double u = rng.uniform();
        if (u < 0.08) {
            s.excluded = true;
            s.exclusion_reason = "artefact_overload";
        } else if (u < 0.12) {
            s.h_latency_ms.reset();
        }
    }
    return c;
}

void require_same_counts(const FairCounts& a, const FairCounts& b) {
    REQUIRE(a.sweeps == b.sweeps);
    REQUIRE(a.anatomic == b.anatomic);
    REQUIRE(a.fair == b.fair);
    REQUIRE(a.recovery == b.recovery);
    REQUIRE(a.other_position == b.other_position);
    REQUIRE(a.without_h == b.without_h);
    REQUIRE(a.excluded == b.excluded);
}

}  // namespace

TEST_CASE("after the last sweep the online estimate equals the offline analysis, bootstrap included", "[fair]") {
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        const double delay = seed % 3 == 0 ? 0.0 : seed % 3 == 1 ? 1.2 : 3.0;
        const FairTimeCourse c = varied_course(seed, delay);
        FairOnline online({});
        feed(online, c, [](std::size_t) {});
        const FairEstimate& live = online.update();
        const FairAnalysis offline = analyze_fair(c);
        INFO("seed " << seed);
        REQUIRE(offline.estimate.status == FairStatus::ok);
        require_same(live, offline.estimate, 1e-9);
        require_same_counts(online.counts(), offline.counts);
        REQUIRE(online.rejected() == 0);
    }
}

TEST_CASE("after every sweep the online estimate equals the offline analysis of the sweeps so far", "[fair]") {
    const FairTimeCourse c = varied_course(77, 2.5);
    FairOnline online({});
    int compared_ok = 0;
    feed(online, c, [&](std::size_t i) {
        FairTimeCourse prefix = c;
        prefix.sweeps.resize(i + 1);
        prefix.markers.erase(std::remove_if(prefix.markers.begin(), prefix.markers.end(),
                                            [&](const FairMarker& m) { return m.time_s > c.sweeps[i].time_s; }),
                             prefix.markers.end());
        const FairEstimate& live = online.update();
        require_same(live, analyze_fair(prefix).estimate, 1e-9);
        compared_ok += live.status == FairStatus::ok;
    });
    // The early prefixes are insufficient, the later ones not: both paths are compared.
    REQUIRE(compared_ok > 10);
    REQUIRE(compared_ok < static_cast<int>(c.sweeps.size()));
}

TEST_CASE("before enough sweeps the online estimate says insufficient_data", "[fair]") {
    FairOnline online({});
    REQUIRE(online.estimate().status == FairStatus::insufficient_data);
    REQUIRE(online.update().shortfall == FairShortfall::too_few_anatomic_and_fair);
    REQUIRE(online.add_marker(0.0, "anatomic") == FairInputStatus::accepted);
    for (int k = 0; k < 5; ++k) REQUIRE(online.add_sweep(1.0 + k, "anatomic", 30.0, false) == FairInputStatus::accepted);
    REQUIRE(online.update().shortfall == FairShortfall::too_few_fair);
    REQUIRE_FALSE(online.estimate().positive);
    REQUIRE(*online.estimate().anatomic_latency_ms == 30.0);
}

TEST_CASE("refused input is counted and leaves the estimate as it was", "[fair]") {
    FairOnlineConfig config;
    config.max_sweeps = 12;
    FairOnline online(config);
    REQUIRE(online.capacity() == 12);
    const auto c = protocol_course(10, 5.0, [](int p, double, int k) -> std::optional<double> {
        return (p == 1 ? 33.0 : 30.0) + 0.1 * (k % 3);
    });
    std::size_t refused = 0;
    std::size_t m = 0;
    for (const auto& s : c.sweeps) {
        while (m < c.markers.size() && c.markers[m].time_s <= s.time_s) {
            online.add_marker(c.markers[m].time_s, c.markers[m].position);
            ++m;
        }
        const auto status = online.add_sweep(s.time_s, s.position, s.h_latency_ms, s.excluded);
        if (status != FairInputStatus::accepted) {
            REQUIRE(status == FairInputStatus::rejected_capacity);
            ++refused;
        }
    }
    // 10 anatomic + 2 FAIR fit; the other 8 FAIR are refused; the return phase (recovery) is only counted.
    REQUIRE(refused == 8);
    REQUIRE(online.counts().anatomic == 10);
    REQUIRE(online.counts().fair == 2);
    REQUIRE(online.counts().recovery == 10);
    REQUIRE(online.rejected() == 8);
    const FairEstimate before = online.update();
    REQUIRE(online.add_sweep(1.0, "anatomic", 30.0, false) == FairInputStatus::rejected_out_of_order);
    REQUIRE(online.add_sweep(200.0, "fair", 30.0, false) == FairInputStatus::rejected_position_mismatch);
    REQUIRE(online.add_sweep(200.0, "anatomic", std::nan(""), false) == FairInputStatus::rejected_invalid);
    REQUIRE(online.add_marker(60.0, "fair") == FairInputStatus::rejected_out_of_order);
    REQUIRE(online.rejected() == 12);
    require_same(online.update(), before, 0.0);
}

TEST_CASE("online configuration is validated by field", "[fair]") {
    FairOnlineConfig config;
    config.max_sweeps = 1;
    REQUIRE_THROWS_WITH(FairOnline(config), Catch::Contains("max_sweeps"));
    config = FairOnlineConfig{};
    config.options.bootstrap_resamples = 5;
    REQUIRE_THROWS_WITH(FairOnline(config), Catch::Contains("bootstrap_resamples"));
    REQUIRE(to_string(FairInputStatus::rejected_capacity) == "rejected_capacity");
}
