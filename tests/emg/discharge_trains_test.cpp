#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "edx/emg/discharge_trains.hpp"
#include "edx/sim/random.hpp"

using namespace edx;

namespace {

std::vector<double> regular(double start, double period, double stop, double cv, sim::Random& random) {
    std::vector<double> t;
    for (double x = start; x < stop; x += random.normal(period, cv * period)) t.push_back(x);
    return t;
}

}  // namespace

TEST_CASE("CV2 and the median rate of known trains", "[emg][discharge_trains]") {
    const std::vector<double> even = {0.0, 0.1, 0.2, 0.3, 0.4};
    REQUIRE(emg::interval_cv2(even, {}) == Approx(0.0).margin(1e-12));
    REQUIRE(emg::median_rate_hz(even) == Approx(10.0));
    // Alternating 0.1 and 0.2 s: each pair gives 2 * 0.1 / 0.3.
    const std::vector<double> alt = {0.0, 0.1, 0.3, 0.4, 0.6};
    REQUIRE(emg::interval_cv2(alt, {}) == Approx(2.0 / 3.0));
    // The same train with a missed discharge, its intervals divided by their steps.
    const std::vector<double> missed = {0.0, 0.1, 0.3, 0.4};
    REQUIRE(emg::interval_cv2(missed, std::vector<int>{1, 2, 1}) == Approx(0.0).margin(1e-12));
}

TEST_CASE("interleaved regular trains are separated from each other and from irregular discharges",
          "[emg][discharge_trains]") {
    sim::Random random(11);
    const auto a = regular(0.013, 1.0 / 7.3, 10.0, 0.02, random);
    auto b = regular(0.05, 1.0 / 3.1, 10.0, 0.02, random);
    std::vector<double> poisson;
    for (double x = random.exponential(0.5); x < 10.0; x += random.exponential(0.5)) poisson.push_back(x);
    // 20% of a's discharges missed.
    std::vector<double> a_seen;
    for (double t : a) {
        if (random.uniform() > 0.2) a_seen.push_back(t);
    }
    std::vector<double> all;
    for (const std::vector<double>* v : {&a_seen, &b, &poisson}) all.insert(all.end(), v->begin(), v->end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end(), [](double x, double y) { return y - x < 1e-4; }), all.end());

    emg::TrainSearch s;
    s.min_period_s = 1.0 / 150.0;
    s.max_period_s = 2.0;
    s.max_missed = 5;
    const auto chains = emg::find_chains(all, s);
    // The two trains come out as the two longest chains, regular, at their rates.
    REQUIRE(chains.size() >= 2);
    std::vector<double> rates = {1.0 / chains[0].period_s, 1.0 / chains[1].period_s};
    std::sort(rates.begin(), rates.end());
    REQUIRE(rates[0] == Approx(3.1).epsilon(0.03));
    REQUIRE(rates[1] == Approx(7.3).epsilon(0.03));
    // Here all discharges share one pool (no waveform to tell them apart), so
    // the chance-limited tolerance costs some of each train.
    for (int k = 0; k < 2; ++k) {
        REQUIRE(chains[static_cast<std::size_t>(k)].cv2 < 0.08);
        REQUIRE(chains[static_cast<std::size_t>(k)].members.size() >= 0.8 * std::min(a_seen.size(), b.size()));
    }
    // Whatever else was chained is a piece of the two trains, or short, or irregular.
    for (std::size_t k = 2; k < chains.size(); ++k) {
        std::size_t of_trains = 0;
        for (auto m : chains[k].members) {
            const double t = all[m];
            of_trains += (std::count(a_seen.begin(), a_seen.end(), t) + std::count(b.begin(), b.end(), t)) > 0 ? 1 : 0;
        }
        REQUIRE((of_trains >= 0.9 * chains[k].members.size() || chains[k].members.size() < 8 || chains[k].cv2 > 0.08));
    }
}

TEST_CASE("two sparse pieces of one train share its lattice, two trains do not", "[emg][discharge_trains]") {
    // One train at 10 Hz seen every 3rd and every 4th period in two stretches.
    std::vector<double> p1, p2;
    for (int k = 0; k < 30; k += 3) p1.push_back(0.1 * k);
    for (int k = 32; k < 80; k += 4) p2.push_back(0.1 * k + 0.0002);
    REQUIRE(emg::same_lattice(p1, 0.3, p2, 0.4, 0.12));
    // A train at an unrelated period and phase.
    std::vector<double> q;
    for (int k = 0; k < 12; ++k) q.push_back(0.037 + 0.2713 * k);
    REQUIRE_FALSE(emg::same_lattice(p1, 0.3, q, 0.2713, 0.12));
    const auto c = emg::describe_chain(p1);
    REQUIRE(1.0 / c.period_s == Approx(10.0 / 3.0).epsilon(1e-6));
    REQUIRE(c.cv2 == Approx(0.0).margin(1e-9));
    emg::TrainSearch bad;
    bad.min_discharges = 2;
    REQUIRE_THROWS_AS(emg::find_chains(p1, bad), std::invalid_argument);
}
