// The real-time rule for the FAIR online estimator, proven: after
// construction, feeding markers and 200 sweeps and recomputing the estimate
// (bootstrap included) after every sweep makes no heap allocation
// (tests/support/allocation_counter.cpp counts them).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "edx/evoked/fair_online.hpp"
#include "support/allocation_counter.hpp"

using namespace edx::evoked;

TEST_CASE("the allocation counter sees allocations (the test can fail)", "[fair][realtime]") {
    REQUIRE(edx::test::counter_sees_allocations());
}

TEST_CASE("feeding and updating the FAIR online estimator allocates nothing after construction",
          "[fair][realtime]") {
    FairOnlineConfig config;
    config.max_sweeps = 256;
    FairOnline online(config);  // start-up: everything is made here
    // Prepared before counting: a deterministic latency pattern.
    std::vector<double> jitter(200);
    for (std::size_t i = 0; i < jitter.size(); ++i) jitter[i] = 0.3 * std::sin(1.7 * static_cast<double>(i));

    edx::test::reset_allocation_count();
    edx::test::start_counting_allocations();
    double t = 0.0;
    int statuses_ok = 0, estimates_ok = 0;
    std::size_t k = 0;
    for (int cycle = 0; cycle < 5; ++cycle) {
        statuses_ok += online.add_marker(t, "anatomic") == FairInputStatus::accepted;
        for (int s = 0; s < 20; ++s, ++k) {
            t += 2.0;
            statuses_ok += online.add_sweep(t, "anatomic", 30.0 + jitter[k], k % 17 == 0) == FairInputStatus::accepted;
            estimates_ok += online.update().status == FairStatus::ok;
        }
        t += 40.0;  // past the recovery window before the next baseline
        statuses_ok += online.add_marker(t, "fair") == FairInputStatus::accepted;
        for (int s = 0; s < 20; ++s, ++k) {
            t += 2.0;
            const std::optional<double> latency =
                k % 13 == 0 ? std::nullopt : std::optional<double>(32.5 + jitter[k]);
            statuses_ok += online.add_sweep(t, "fair", latency, false) == FairInputStatus::accepted;
            estimates_ok += online.update().status == FairStatus::ok;
        }
        t += 1.0;
    }
    edx::test::stop_counting_allocations();
    REQUIRE(edx::test::allocations_counted() == 0);
    // The run did real work: every input accepted, estimates with a delay.
    REQUIRE(statuses_ok == 210);
    REQUIRE(estimates_ok > 150);
    REQUIRE(*online.estimate().delay_ms == Approx(2.5).margin(0.2));
}
