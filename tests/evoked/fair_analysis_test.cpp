#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "edx/evoked/fair_analysis.hpp"
#include "evoked/fair_test_support.hpp"

using namespace edx::evoked;
using edx::evoked::test::jitter_for_total_sd;
using edx::evoked::test::kMeasurementNoiseSdMs;
using edx::evoked::test::protocol_course;
using edx::evoked::test::require_same;
using edx::evoked::test::simulated_course;

namespace {

// A fixed sweep-to-sweep pattern (SD about 0.2 ms), the same in every position.
const std::vector<double> kPattern = {0.0, 0.3, -0.2, 0.1, -0.3, 0.2, -0.1, 0.25, -0.25, 0.05};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

TEST_CASE("a FAIR delay present from the first FAIR sweep: known shift, onset at that sweep, positive", "[fair]") {
    // Anatomic 30 ms, FAIR 33 ms, same pattern: every pairwise difference
    // multiset is symmetric about 3, so the Hodges-Lehmann shift is 3 exactly.
    const auto course = protocol_course(10, 5.0, [](int phase, double, int k) -> std::optional<double> {
        return (phase == 1 ? 33.0 : 30.0) + kPattern[static_cast<std::size_t>(k)];
    });
    const FairAnalysis a = analyze_fair(course);
    const FairEstimate& e = a.estimate;
    REQUIRE(e.status == FairStatus::ok);
    REQUIRE(a.reason.empty());
    REQUIRE(*e.delay_ms == Approx(3.0).margin(1e-12));
    REQUIRE(*e.anatomic_latency_ms == Approx(30.025).margin(1e-12));  // median of 30 + pattern
    REQUIRE(*e.fair_latency_ms == Approx(33.025).margin(1e-12));
    REQUIRE(*e.significant);
    REQUIRE(*e.p_value == Approx(0.001).margin(1e-12));  // the smallest of 999 permutations
    REQUIRE(*e.positive);
    REQUIRE_FALSE(*e.criterion_in_ci);
    REQUIRE(*e.onset_after_fair_s == 5.0);  // the first FAIR sweep, 5 s after the marker
    REQUIRE(*e.onset_after_fair_lo_s == 0.0);
    REQUIRE(e.n_anatomic == 10);  // the return phase is within the 30 s recovery window
    REQUIRE(e.n_fair == 10);
    REQUIRE(e.n_plateau == 10);
    REQUIRE(*e.ci95_lo_ms < 3.0);
    REQUIRE(*e.ci95_hi_ms > 3.0);
    REQUIRE(*e.ci95_hi_ms - *e.ci95_lo_ms < 0.6);
    REQUIRE(a.counts.recovery == 10);
    REQUIRE(a.counts.sweeps == 30);

    // Time course: every sweep, in time order, with its role and its latency minus the baseline median.
    REQUIRE(a.time_course.size() == 30);
    REQUIRE(a.time_course[0].role == FairSweepRole::anatomic);
    REQUIRE(a.time_course[10].role == FairSweepRole::fair);
    REQUIRE(*a.time_course[10].time_in_position_s == 5.0);
    REQUIRE(*a.time_course[10].minus_anatomic_ms == Approx(33.0 - 30.025).margin(1e-12));
    REQUIRE(a.time_course[20].role == FairSweepRole::recovery);
    // Latency per position: both anatomic phases pooled under their label.
    REQUIRE(a.positions.size() == 2);
    REQUIRE(a.positions[0].position == "anatomic");
    REQUIRE(a.positions[0].sweeps == 20);
    REQUIRE(*a.positions[1].median_ms == Approx(33.025).margin(1e-12));
    REQUIRE(*a.positions[1].max_ms == Approx(33.3).margin(1e-12));
}

TEST_CASE("a delay appearing 12 s after the FAIR marker is found there and estimated from the plateau", "[fair]") {
    const auto course = protocol_course(10, 5.0, [](int phase, double t, int) -> std::optional<double> {
        return phase == 1 && t > 12.0 ? 33.0 : 30.0;
    });
    const FairEstimate e = analyze_fair(course).estimate;
    REQUIRE(*e.significant);
    // FAIR sweeps at 5, 7, 9, 11 s are undelayed, 13 s on delayed.
    REQUIRE(*e.onset_after_fair_s == 13.0);
    REQUIRE(*e.onset_after_fair_lo_s == 11.0);
    REQUIRE(e.n_plateau == 6);
    REQUIRE(*e.delay_ms == 3.0);
    REQUIRE(*e.fair_latency_ms == 33.0);

    // The same with noise: 100 legs, 0.3 ms SD per sweep; the onset is bracketed correctly in >= 95%.
    int found = 0;
    std::vector<double> errors;
    for (std::uint64_t trial = 0; trial < 100; ++trial) {
        edx::sim::Random rng(trial + 11);
        const auto noisy = protocol_course(10, 5.0, [&](int phase, double t, int) -> std::optional<double> {
            return (phase == 1 && t > 12.0 ? 33.0 : 30.0) + rng.normal(0.0, 0.3);
        });
        const FairEstimate n = analyze_fair(noisy).estimate;
        if (n.onset_after_fair_s && *n.onset_after_fair_s == 13.0) ++found;
        errors.push_back(std::abs(*n.delay_ms - 3.0));
    }
    INFO("onset at 13 s in " << found << " of 100");
    REQUIRE(found >= 95);
    REQUIRE(median(errors) <= 0.15);
}

TEST_CASE("no delay: not significant, no onset, not positive, interval holds 0", "[fair]") {
    const auto course = protocol_course(10, 5.0, [](int, double, int k) -> std::optional<double> {
        return 30.0 + kPattern[static_cast<std::size_t>(k)];
    });
    const FairEstimate e = analyze_fair(course).estimate;
    REQUIRE(e.status == FairStatus::ok);
    REQUIRE(*e.delay_ms == Approx(0.0).margin(1e-12));
    REQUIRE(*e.p_value > 0.5);
    REQUIRE_FALSE(*e.significant);
    REQUIRE_FALSE(e.onset_after_fair_s);
    REQUIRE_FALSE(*e.positive);
    REQUIRE(*e.ci95_lo_ms < 0.0);
    REQUIRE(*e.ci95_hi_ms > 0.0);
    REQUIRE(e.n_plateau == 10);
}

TEST_CASE("too few sweeps per position gives insufficient_data with the reason, never a verdict", "[fair]") {
    SECTION("every sweep excluded") {
        auto course = protocol_course(10, 5.0, [](int, double, int) -> std::optional<double> { return 30.0; });
        for (auto& s : course.sweeps) {
            s.excluded = true;
            s.exclusion_reason = "clipping";
        }
        const FairAnalysis a = analyze_fair(course);
        REQUIRE(a.estimate.status == FairStatus::insufficient_data);
        REQUIRE(a.estimate.shortfall == FairShortfall::too_few_anatomic_and_fair);
        REQUIRE_FALSE(a.estimate.delay_ms);
        REQUIRE_FALSE(a.estimate.positive);
        REQUIRE_FALSE(a.estimate.significant);
        REQUIRE_FALSE(a.estimate.ci95_lo_ms);
        REQUIRE_FALSE(a.estimate.anatomic_latency_ms);
        REQUIRE(a.counts.excluded == 30);
        REQUIRE_THAT(a.reason, Catch::Contains("30 excluded") && Catch::Contains("at least 5"));
        REQUIRE(a.time_course[3].exclusion_reason == "clipping");
        REQUIRE_FALSE(a.time_course[3].h_latency_ms);
    }
    SECTION("no FAIR position recorded") {
        const auto course = protocol_course(
            10, 5.0, [](int, double, int) -> std::optional<double> { return 30.0; }, {"anatomic"});
        const FairAnalysis a = analyze_fair(course);
        REQUIRE(a.estimate.status == FairStatus::insufficient_data);
        REQUIRE(a.estimate.shortfall == FairShortfall::too_few_fair);
        REQUIRE(*a.estimate.anatomic_latency_ms == 30.0);  // descriptive values stay
        REQUIRE_FALSE(a.estimate.fair_latency_ms);
        REQUIRE_FALSE(a.estimate.positive);
    }
    SECTION("no anatomic baseline: FAIR first, the return inside the recovery window") {
        const auto course = protocol_course(
            10, 5.0, [](int p, double, int) -> std::optional<double> { return p == 0 ? 33.0 : 30.0; },
            {"fair", "anatomic"});
        const FairAnalysis a = analyze_fair(course);
        REQUIRE(a.estimate.shortfall == FairShortfall::too_few_anatomic);
        REQUIRE_THAT(a.reason, Catch::Contains("10 anatomic within 30 s of leaving FAIR"));
    }
    SECTION("the minimum is 5 sweeps with an H latency per position [Hopk00]") {
        for (const int with_h : {4, 5}) {
            const auto course = protocol_course(10, 5.0, [&](int p, double, int k) -> std::optional<double> {
                if (p == 1 && k >= with_h) return std::nullopt;  // no H-wave found
                return (p == 1 ? 33.0 : 30.0) + kPattern[static_cast<std::size_t>(k)];
            });
            const FairAnalysis a = analyze_fair(course);
            REQUIRE(a.counts.without_h == 10 - with_h);
            if (with_h == 4) {
                REQUIRE(a.estimate.status == FairStatus::insufficient_data);
                REQUIRE(a.estimate.shortfall == FairShortfall::too_few_fair);
                REQUIRE_THAT(a.reason, Catch::Contains("6 without an H-wave"));
            } else {
                REQUIRE(a.estimate.status == FairStatus::ok);
                REQUIRE(a.estimate.n_plateau == 5);
            }
        }
    }
}

TEST_CASE("markers out of order give the same answer, and the same input the same interval", "[fair]") {
    edx::sim::Random rng(5);
    auto course = protocol_course(10, 5.0, [&](int p, double, int) -> std::optional<double> {
        return (p == 1 ? 32.0 : 30.0) + rng.normal(0.0, 0.3);
    });
    const FairAnalysis in_order = analyze_fair(course);
    std::reverse(course.markers.begin(), course.markers.end());
    std::reverse(course.sweeps.begin(), course.sweeps.end());
    const FairAnalysis shuffled = analyze_fair(course);
    require_same(in_order.estimate, shuffled.estimate, 0.0);
    REQUIRE(shuffled.time_course.front().sweep_index == 0);  // reported in time order
    require_same(analyze_fair(course).estimate, shuffled.estimate, 0.0);
    // Another seed moves the interval by Monte Carlo error only.
    FairOptions other;
    other.seed = 99;
    const FairEstimate e = analyze_fair(course, other).estimate;
    REQUIRE(*e.delay_ms == *in_order.estimate.delay_ms);
    REQUIRE(*e.ci95_lo_ms != *in_order.estimate.ci95_lo_ms);
    REQUIRE(std::abs(*e.ci95_lo_ms - *in_order.estimate.ci95_lo_ms) < 0.05);
}

TEST_CASE("return-phase sweeps inside the recovery window do not touch the estimate", "[fair]") {
    // The return phase still carries 1 ms of the delay.
    auto latency = [](int p, double, int k) -> std::optional<double> {
        return 30.0 + (p == 1 ? 3.0 : p == 2 ? 1.0 : 0.0) + kPattern[static_cast<std::size_t>(k)];
    };
    const auto full = protocol_course(10, 5.0, latency);
    auto without_return = full;
    without_return.sweeps.resize(20);
    without_return.markers.resize(2);
    require_same(analyze_fair(full).estimate, analyze_fair(without_return).estimate, 0.0);
    // With no recovery window the residual delay enters the baseline and shrinks the delay.
    FairOptions no_window;
    no_window.recovery_window_s = 0.0;
    const FairEstimate e = analyze_fair(full, no_window).estimate;
    REQUIRE(e.n_anatomic == 20);
    REQUIRE(*e.delay_ms < 3.0 - 0.4);
}

TEST_CASE("the criterion and the labels are configurable", "[fair]") {
    const auto course = protocol_course(
        10, 5.0,
        [](int p, double, int k) -> std::optional<double> {
            return (p == 1 ? 32.5 : 30.0) + kPattern[static_cast<std::size_t>(k)];
        },
        {"neutral", "FAIR", "neutral"});
    FairOptions o;
    o.anatomic_position = "neutral";
    o.fair_position = "FAIR";
    const FairEstimate e = analyze_fair(course, o).estimate;
    REQUIRE(*e.delay_ms == Approx(2.5).margin(1e-12));
    REQUIRE(*e.positive);
    o.criterion_ms = 3.0;
    const FairEstimate strict = analyze_fair(course, o).estimate;
    REQUIRE_FALSE(*strict.positive);
    REQUIRE(strict.criterion_ms == 3.0);
    // With the default labels nothing is anatomic or FAIR.
    const FairAnalysis defaults = analyze_fair(course);
    REQUIRE(defaults.counts.other_position == 30);
    REQUIRE(defaults.estimate.status == FairStatus::insufficient_data);
}

TEST_CASE("accuracy on simulated legs: 10 sweeps per position, 0.3 ms sweep SD, 400 legs per delay", "[fair]") {
    // Truth: the simulator's per-sweep H onset (sim::simulate_h_reflex, FAIR
    // protocol) with H jitter 0.283 ms, plus a 0.1 ms measurement error added
    // here: 0.3 ms SD per sweep in all. The delay builds up with tau = 1 s, so
    // the first FAIR sweep (5 s after the marker) already carries 99.3% of it:
    // the true delay scored is the plateau D.
    // The delay and the verdict do not depend on the resampling (checked on the
    // first 200 legs of each delay, which also give the test's level and the
    // interval's coverage with the default options); the 400-leg counts use
    // light resampling to keep the test fast.
    const double jitter = jitter_for_total_sd(0.3);
    FairOptions light;
    light.permutations = 99;
    light.bootstrap_resamples = 100;
    struct Row {
        double delay_ms = 0.0;
        int positive = 0, significant = 0, covered = 0, onset_at_first = 0, full = 0;
        std::vector<double> errors;
    };
    std::vector<Row> rows(2);
    rows[0].delay_ms = 0.0;
    rows[1].delay_ms = 2.5;
    const int trials = 400, full_trials = 200;
    for (auto& row : rows) {
        for (int t = 0; t < trials; ++t) {
            const auto sim = simulated_course(row.delay_ms, 1.0, jitter, kMeasurementNoiseSdMs,
                                              static_cast<std::uint64_t>(10000 + t));
            const FairEstimate e = analyze_fair(sim.course, light).estimate;
            REQUIRE(e.status == FairStatus::ok);
            row.positive += *e.positive;
            row.errors.push_back(std::abs(*e.delay_ms - row.delay_ms));
            if (t >= full_trials) continue;
            const FairEstimate f = analyze_fair(sim.course).estimate;
            REQUIRE(*f.delay_ms == *e.delay_ms);
            REQUIRE(*f.positive == *e.positive);
            ++row.full;
            row.significant += *f.significant;
            row.covered += *f.ci95_lo_ms <= row.delay_ms && row.delay_ms <= *f.ci95_hi_ms;
            row.onset_at_first += f.onset_after_fair_s && *f.onset_after_fair_s == 5.0;
        }
    }
    const Row& null = rows[0];
    const Row& delayed = rows[1];
    INFO("D=0: positive " << null.positive << "/" << trials << ", median error " << median(null.errors)
                          << ", significant " << null.significant << "/" << full_trials << "; D=2.5: positive "
                          << delayed.positive << "/" << trials << ", median error " << median(delayed.errors)
                          << ", covered " << delayed.covered << "/" << full_trials << ", onset at 5 s "
                          << delayed.onset_at_first << "/" << full_trials);
    // The targets.
    REQUIRE(null.positive <= 0.05 * trials);
    REQUIRE(delayed.positive >= 0.95 * trials);
    REQUIRE(median(null.errors) <= 0.1);
    REQUIRE(median(delayed.errors) <= 0.1);
    // The permutation test holds its 5% level (with 2.3 binomial SE of slack for 200 legs).
    REQUIRE(null.significant <= (0.05 + 2.3 * std::sqrt(0.05 * 0.95 / full_trials)) * full_trials);
    REQUIRE(delayed.significant == full_trials);
    // A delay there from the first FAIR sweep is found there.
    REQUIRE(delayed.onset_at_first >= 0.95 * full_trials);
    // The 95% interval covers the truth in 90-99% (percentile bootstrap, 10 sweeps per position).
    REQUIRE(delayed.covered >= 0.90 * full_trials);
    REQUIRE(delayed.covered <= 0.99 * full_trials);
}

TEST_CASE("a slowly building delay: the estimate tracks the applied delay from the onset on", "[fair]") {
    // tau 6 and 10 s: the FAIR phase (5-23 s after the marker) holds 56-98% and
    // 39-90% of D. The delay estimated is the level after the change point;
    // scored against the mean delay the simulator applied to those sweeps.
    const double jitter = jitter_for_total_sd(0.3);
    for (const double tau : {6.0, 10.0}) {
        std::vector<double> errors, all_fair_errors;
        for (int t = 0; t < 80; ++t) {
            const auto sim = simulated_course(3.0, tau, jitter, kMeasurementNoiseSdMs,
                                              static_cast<std::uint64_t>(20000 + t));
            const FairAnalysis a = analyze_fair(sim.course);
            double applied = 0.0, applied_all = 0.0;
            int n = 0, n_all = 0;
            for (std::size_t i = 0; i < a.time_course.size(); ++i) {
                const auto& s = a.time_course[i];
                const double d = sim.delay_applied_ms[s.sweep_index];
                if (s.role == FairSweepRole::fair) applied += d, ++n;
                if (s.role == FairSweepRole::fair || s.role == FairSweepRole::fair_developing) applied_all += d, ++n_all;
            }
            errors.push_back(std::abs(*a.estimate.delay_ms - applied / n));
            all_fair_errors.push_back(std::abs(*a.estimate.delay_ms - applied_all / n_all));
        }
        INFO("tau " << tau << ": median error vs applied after onset " << median(errors) << ", vs all FAIR "
                    << median(all_fair_errors));
        REQUIRE(median(errors) <= 0.15);
    }
}

TEST_CASE("the JSON form carries the verdict, the interval and the time course", "[fair]") {
    const auto course = protocol_course(10, 5.0, [](int p, double, int k) -> std::optional<double> {
        return (p == 1 ? 33.0 : 30.0) + kPattern[static_cast<std::size_t>(k)];
    });
    const auto j = to_json(analyze_fair(course));
    REQUIRE(j.at("delay_ms").get<double>() == Approx(3.0).margin(1e-12));
    REQUIRE(j.at("delay_ci95_ms").size() == 2);
    REQUIRE(j.at("positive").get<bool>());
    REQUIRE(j.at("significant").get<bool>());
    REQUIRE(j.at("criterion_ms").get<double>() == 1.86);
    REQUIRE(j.at("onset_after_fair_s").get<double>() == 5.0);
    REQUIRE(j.at("time_course").size() == 30);
    REQUIRE(j.at("time_course")[10].at("role") == "fair");
    REQUIRE(j.at("reason").is_null());
    FairTimeCourse empty;
    const auto k = to_json(analyze_fair(empty));
    REQUIRE(k.at("status") == "insufficient_data");
    REQUIRE(k.at("positive").is_null());
    REQUIRE(k.at("delay_ci95_ms").is_null());
}

TEST_CASE("a long series (2,000 sweeps): the delay and onset are the definition computed the obvious way", "[fair]") {
    // 667 sweeps per position at 0.5 Hz (22 min in FAIR), a 2 ms delay
    // building with tau 60 s, 0.3 ms sweep SD: the onset search has hundreds
    // of candidate splits and the shift nearly 900,000 pairwise differences.
    const auto leg = simulated_course(2.0, 60.0, jitter_for_total_sd(0.3), kMeasurementNoiseSdMs, 4242, "left", 667);
    FairOptions o;
    o.permutations = 99;  // the delay and onset do not depend on these; they keep the test quick
    o.bootstrap_resamples = 200;
    const FairAnalysis a = analyze_fair(leg.course, o);
    REQUIRE(a.estimate.status == FairStatus::ok);

    // The inputs as the estimator's definition states them: baseline =
    // anatomic sweeps outside the recovery window, FAIR by time in FAIR.
    std::vector<double> baseline;
    std::vector<std::pair<double, double>> by_time;  // (time in FAIR, latency)
    for (const auto& s : a.time_course) {
        if (s.role == FairSweepRole::anatomic) baseline.push_back(*s.h_latency_ms);
        if (s.role == FairSweepRole::fair || s.role == FairSweepRole::fair_developing)
            by_time.emplace_back(*s.time_in_position_s, *s.h_latency_ms);
    }
    std::stable_sort(by_time.begin(), by_time.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<double> fair;
    for (const auto& f : by_time) fair.push_back(f.second);
    REQUIRE(baseline.size() == static_cast<std::size_t>(a.estimate.n_anatomic));
    REQUIRE(fair.size() == 667);

    // Onset: every split costed from scratch (sorted parts, absolute deviations from their medians).
    auto cost = [](std::vector<double> v, double& med) {
        std::sort(v.begin(), v.end());
        const std::size_t n = v.size();
        med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        double c = 0.0;
        for (const double x : v) c += std::abs(x - med);
        return c;
    };
    const std::size_t min_plateau = static_cast<std::size_t>(o.min_sweeps_per_position);
    double pre_med = 0.0, post_med = 0.0;
    const double no_split = cost(baseline, pre_med) + cost(fair, post_med);
    double best = std::numeric_limits<double>::infinity(), best_pre = 0.0, best_post = 0.0;
    std::size_t best_k = 0;
    for (std::size_t k = 1; k + min_plateau <= fair.size(); ++k) {
        std::vector<double> pre(baseline);
        pre.insert(pre.end(), fair.begin(), fair.begin() + static_cast<std::ptrdiff_t>(k));
        const std::vector<double> post(fair.begin() + static_cast<std::ptrdiff_t>(k), fair.end());
        double pm = 0.0, qm = 0.0;
        const double c = cost(pre, pm) + cost(post, qm);
        if (c < best) best = c, best_k = k, best_pre = pm, best_post = qm;
    }
    std::vector<double> residuals;
    for (const double v : baseline) residuals.push_back(std::abs(v - best_pre));
    for (std::size_t i = 0; i < fair.size(); ++i) residuals.push_back(std::abs(fair[i] - (i < best_k ? best_pre : best_post)));
    const double sd = 1.4826 * median(residuals);
    const std::size_t onset = best_k > 0 && no_split - best > o.onset_penalty_sd * sd ? best_k : 0;
    // A 60 s build-up over 22 min in FAIR: the step fit finds a change point.
    REQUIRE(onset > 0);
    REQUIRE(a.estimate.n_plateau == static_cast<int>(fair.size() - onset));

    // Delay: the median of all pairwise differences, plateau minus baseline.
    std::vector<double> pairs;
    for (std::size_t i = onset; i < fair.size(); ++i) {
        for (const double b : baseline) pairs.push_back(fair[i] - b);
    }
    REQUIRE(pairs.size() > 800000);
    REQUIRE(*a.estimate.delay_ms == median(pairs));
    REQUIRE(*a.estimate.significant);
    REQUIRE(*a.estimate.onset_after_fair_s == by_time[onset].first);
    REQUIRE(*a.estimate.ci95_lo_ms <= *a.estimate.delay_ms);
    REQUIRE(*a.estimate.delay_ms <= *a.estimate.ci95_hi_ms);
}
