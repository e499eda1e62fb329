#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "edx/signals/table.hpp"
#include "edx/sim/muap_firing.hpp"

#include "sim/test_label.hpp"

using namespace edx::sim;

namespace {

using edx::sim::test::label;

struct IsiStats {
    double mean_rate_hz = 0, cv = 0;
    std::size_t n = 0;
};
IsiStats isi_stats(const std::vector<double>& t, double from, double to) {
    std::vector<double> isi;
    for (std::size_t i = 1; i < t.size(); ++i) {
        if (t[i - 1] >= from && t[i] < to) isi.push_back(t[i] - t[i - 1]);
    }
    double m = 0;
    for (double d : isi) m += d / isi.size();
    double ss = 0;
    for (double d : isi) ss += (d - m) * (d - m);
    return {1.0 / m, std::sqrt(ss / (isi.size() - 1)) / m, isi.size()};
}

Excitation constant_excitation(double value, double from, double to) { return {{{from, value}, {to, value}}}; }

}  // namespace

TEST_CASE("at constant excitation a unit fires at its rate with its ISI CV", "[muap_firing]") {
    UnitDrive u;
    u.threshold_hz = 2.0;
    u.onset_rate_hz = 7.0;
    u.max_rate_hz = 30.0;
    u.isi_cv = 0.15;
    Random r(17);
    const auto t = discharge_times(u, constant_excitation(7.0, 0.0, 120.0), 0.0, 120.0, r);
    const auto s = isi_stats(t, 0.0, 120.0);
    REQUIRE(u.rate_hz(7.0) == Approx(12.0));
    REQUIRE(s.n > 1300);
    // Sampling error of the mean ISI is cv / sqrt(n) (0.4%), of the CV about
    // cv / sqrt(2n) (2% relative): tolerances are 5 times those.
    REQUIRE(s.mean_rate_hz == Approx(12.0).epsilon(0.02));
    REQUIRE(s.cv == Approx(0.15).epsilon(0.10));
}

TEST_CASE("a unit fires only while the excitation is above its threshold", "[muap_firing]") {
    UnitDrive u;
    u.threshold_hz = 3.0;
    Excitation e{{{1.0, 0.0}, {2.0, 6.0}, {5.0, 6.0}, {6.0, 0.0}}};
    Random r(3);
    const auto t = discharge_times(u, e, 0.0, 10.0, r);
    REQUIRE_FALSE(t.empty());
    // Threshold is crossed at 1.5 s on the way up and 5.5 s on the way down.
    REQUIRE(t.front() >= 1.5);
    REQUIRE(t.front() < 1.5 + 1.0 / u.onset_rate_hz + 0.002);
    for (double x : t) REQUIRE(x < 5.5 + 1.0 / u.onset_rate_hz);
    for (std::size_t i = 1; i < t.size(); ++i) REQUIRE(t[i] > t[i - 1]);
}

TEST_CASE("units are recruited in order, the second at the recruitment frequency", "[muap_firing]") {
    for (int seed = 0; seed < 5; ++seed) {
        Random pr = Random::stream(seed, "pool");
        const auto pool = draw_motor_pool(RecruitmentModel::from_table(RecruitmentPattern::normal), pr);
        // A slow ramp: 1 Hz of excitation per second.
        const Excitation ramp{{{0.0, 0.0}, {30.0, 30.0}}};
        std::vector<std::vector<double>> times;
        for (std::size_t k = 0; k < 4; ++k) {
            Random r = Random::stream(seed, label("unit", k));
            times.push_back(discharge_times(pool.units[k], ramp, 0.0, 30.0, r));
        }
        for (std::size_t k = 1; k < 4; ++k) REQUIRE(times[k].front() > times[k - 1].front());
        // Unit 1 starts when the excitation reaches its threshold, i.e. when unit
        // 0 fires at the recruitment frequency; unit 0's rate around that time
        // (about 16 intervals, rate rising 1 Hz/s; sampling error of the mean about
        // 4%) is within 15% of it.
        const double t1 = times[1].front();
        REQUIRE(t1 == Approx(pool.units[1].threshold_hz).margin(1.0 / pool.units[1].onset_rate_hz + 0.002));
        const auto s = isi_stats(times[0], t1 - 0.8, t1 + 0.8);
        INFO("seed " << seed << ": rate " << s.mean_rate_hz << " vs " << pool.recruitment_frequency_hz);
        REQUIRE(s.mean_rate_hz == Approx(pool.recruitment_frequency_hz).epsilon(0.15));
    }
}

TEST_CASE("minimal effort shows the clinical recruitment patterns", "[muap_firing]") {
    // Recruit24: the fastest unit's rate has a ULN of 12-15 Hz; above 15 Hz
    // suggests reduced recruitment. Early recruitment: many units at low rates.
    const auto uln = edx::signals::table("norms/muap_norms.json").at("recruitment").at("fastest_rate_uln_hz");
    const double uln_low = uln.at("min").get<double>(), uln_high = uln.at("max").get<double>();
    for (int seed = 0; seed < 20; ++seed) {
        for (auto pattern : {RecruitmentPattern::normal, RecruitmentPattern::reduced, RecruitmentPattern::early}) {
            const auto model = RecruitmentModel::from_table(pattern);
            Random r = Random::stream(seed, std::string(to_string(pattern)));
            const auto pool = draw_motor_pool(model, r);
            const double e = pool.excitation_for_first_rate(model.minimal_fastest_rate_hz.draw(r));
            const double fastest = pool.units.front().rate_hz(e);
            const int active = pool.active_units(e);
            INFO(to_string(pattern) << " seed " << seed << ": fastest " << fastest << " Hz, " << active << " units");
            switch (pattern) {
                case RecruitmentPattern::normal:
                    REQUIRE(fastest <= uln_low);
                    REQUIRE(active >= 1);
                    break;
                case RecruitmentPattern::reduced:
                    REQUIRE(fastest > uln_high);
                    REQUIRE(active <= 3);
                    break;
                case RecruitmentPattern::early:
                    REQUIRE(fastest < uln_low);
                    REQUIRE(active >= 3);
                    break;
            }
        }
    }
}

TEST_CASE("a reduced pool has fewer units and higher thresholds", "[muap_firing]") {
    const auto normal = RecruitmentModel::from_table(RecruitmentPattern::normal);
    const auto reduced = RecruitmentModel::from_table(RecruitmentPattern::reduced);
    Random a(1), b(1);
    const auto pn = draw_motor_pool(normal, a);
    const auto pr = draw_motor_pool(reduced, b);
    REQUIRE(pn.units.size() == std::size_t(normal.pool_units));
    REQUIRE(pr.units.size() <= std::size_t(std::lround(normal.pool_units * reduced.surviving_unit_fraction.max)));
    REQUIRE(pn.units.front().threshold_hz == 0.0);
    for (std::size_t k = 1; k < pn.units.size(); ++k) REQUIRE(pn.units[k].threshold_hz > pn.units[k - 1].threshold_hz);
}

TEST_CASE("normal firing looks like a real normal recording's", "[muap_firing]") {
    // EMGlab R00108: normal biceps, 10% MVC, expert decomposition. Per unit, the
    // rate and ISI CV of its steady firing (intervals under 300 ms; one unit
    // fires intermittently). The simulator's normal ranges must hold the
    // typical (median) real unit.
    const std::filesystem::path file = std::filesystem::path(EDX_SHARED_DIR) / "data/real/emglab_R00108/R00108_firings.csv";
    if (!std::filesystem::exists(file)) {
        WARN("skipped: " << file << " not found");
        return;
    }
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // time_s,unit,chan
    std::map<int, std::vector<double>> firings;
    while (std::getline(in, line)) {
        std::stringstream row(line);
        std::string time, unit;
        std::getline(row, time, ',');
        std::getline(row, unit, ',');
        firings[std::stoi(unit)].push_back(std::stod(time));
    }
    REQUIRE(firings.size() == 8);
    std::vector<double> rates, cvs;
    for (auto& [unit, t] : firings) {
        std::sort(t.begin(), t.end());
        std::vector<double> isi;
        for (std::size_t i = 1; i < t.size(); ++i) {
            if (t[i] - t[i - 1] < 0.3) isi.push_back(t[i] - t[i - 1]);
        }
        double m = 0, ss = 0;
        for (double d : isi) m += d / isi.size();
        for (double d : isi) ss += (d - m) * (d - m);
        rates.push_back(1.0 / m);
        cvs.push_back(std::sqrt(ss / (isi.size() - 1)) / m);
    }
    auto median = [](std::vector<double> x) {
        std::sort(x.begin(), x.end());
        return 0.5 * (x[(x.size() - 1) / 2] + x[x.size() / 2]);
    };
    const auto model = RecruitmentModel::from_table(RecruitmentPattern::normal);
    INFO("real median rate " << median(rates) << " Hz, median CV " << median(cvs));
    REQUIRE(model.isi_cv.contains(median(cvs)));
    REQUIRE(median(rates) >= model.onset_rate_hz.min);
    REQUIRE(median(rates) <= model.minimal_fastest_rate_hz.max);
}

TEST_CASE("excitation is linear between its points and zero outside", "[muap_firing]") {
    const Excitation e{{{1.0, 0.0}, {3.0, 4.0}, {5.0, 4.0}}};
    REQUIRE(e.at(0.5) == 0.0);
    REQUIRE(e.at(2.0) == Approx(2.0));
    REQUIRE(e.at(4.0) == Approx(4.0));
    REQUIRE(e.at(5.0) == Approx(4.0));
    REQUIRE(e.at(5.5) == 0.0);
}

TEST_CASE("pattern names round-trip and bad models are refused", "[muap_firing]") {
    for (auto p : {RecruitmentPattern::normal, RecruitmentPattern::reduced, RecruitmentPattern::early}) {
        REQUIRE(parse_recruitment_pattern(to_string(p)) == p);
    }
    auto m = RecruitmentModel::from_table(RecruitmentPattern::normal);
    m.isi_cv = {0.1, 0.9};
    REQUIRE_THROWS_WITH(m.validate(), Catch::Contains("isi_cv"));
}
