#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "edx/signals/table.hpp"
#include "edx/sim/muap_parameters.hpp"
#include "edx/sim/spontaneous_activity.hpp"

#include "sim/test_label.hpp"

using namespace edx::sim;

namespace {

using edx::sim::test::label;

const nlohmann::json& physiology() { return edx::signals::table("physiology/needle_emg.json"); }

MuapParameters measure(const PotentialTemplate& t) {
    return measure_muap(t.samples_uv, t.fine_rate_hz(), MuapCriteria::from_table());
}

struct Isi {
    double mean = 0, cv = 0;
};
Isi isi_of(const std::vector<double>& t, double from, double to) {
    std::vector<double> d;
    for (std::size_t i = 1; i < t.size(); ++i) {
        if (t[i - 1] >= from && t[i] < to) d.push_back(t[i] - t[i - 1]);
    }
    double m = 0;
    for (double x : d) m += x / d.size();
    double ss = 0;
    for (double x : d) ss += (x - m) * (x - m);
    return {m, std::sqrt(ss / (d.size() - 1)) / m};
}

}  // namespace

TEST_CASE("fibrillation potentials: initially positive spikes of 1-5 ms at the asked amplitude", "[spontaneous]") {
    // SP-spont: bi/triphasic with initial positivity, 20-200 uV, 1-5 ms. The
    // duration is checked on potentials of 50 uV and more: smaller ones barely
    // leave the 10 uV baseline band of the duration criterion.
    const auto ranges = SpontaneousRanges::from_table();
    const auto& duration = physiology().at("fibrillation").at("duration_ms");
    for (int i = 0; i < 30; ++i) {
        Random r = Random::stream(1, label("fib", i));
        const auto spec = draw_train(SpontaneousClass::fibrillation, ranges, std::nullopt, 0.0, 5.0, r);
        REQUIRE(ranges.fib_amplitude_uv.contains(spec.amplitude_uv));
        const auto train = realise_train(spec, 10000.0, 4, r);
        const auto p = measure(train.shape);
        INFO("amplitude " << spec.amplitude_uv << ", duration " << p.duration_ms);
        REQUIRE(p.amplitude_uv == Approx(spec.amplitude_uv).epsilon(1e-9));
        REQUIRE(p.peak_uv < 0.0);
        if (spec.amplitude_uv >= 50.0) {
            REQUIRE(p.first_phase_positive);
            REQUIRE(p.duration_ms >= duration.at("min").get<double>());
            REQUIRE(p.duration_ms <= duration.at("max").get<double>());
        }
    }
}

TEST_CASE("larger fibrillations come from fibres nearer the needle", "[spontaneous]") {
    const auto ranges = SpontaneousRanges::from_table();
    double near_sum = 0, far_sum = 0;
    for (int i = 0; i < 10; ++i) {
        Random r = Random::stream(2, label("d", i));
        auto big = draw_train(SpontaneousClass::fibrillation, ranges, std::nullopt, 0.0, 1.0, r);
        auto small = big;
        big.amplitude_uv = 150.0;
        small.amplitude_uv = 30.0;
        near_sum += realise_train(big, 10000.0, 4, r).spec.distance_mm;
        far_sum += realise_train(small, 10000.0, 4, r).spec.distance_mm;
    }
    REQUIRE(near_sum < far_sum);
}

TEST_CASE("positive sharp waves: a sharp positivity, then a long negative phase", "[spontaneous]") {
    const auto ranges = SpontaneousRanges::from_table();
    const auto& duration = physiology().at("positive_sharp_wave").at("duration_ms");
    for (int i = 0; i < 20; ++i) {
        Random r = Random::stream(3, label("psw", i));
        auto spec = draw_train(SpontaneousClass::positive_sharp_wave, ranges, std::nullopt, 0.0, 5.0, r);
        spec.amplitude_uv = std::max(spec.amplitude_uv, 100.0);  // a negative phase well beyond the 10 uV band
        REQUIRE(spec.psw_duration_ms >= duration.at("min").get<double>());
        REQUIRE(spec.psw_duration_ms <= duration.at("max").get<double>());
        const auto train = realise_train(spec, 10000.0, 4, r);
        const auto p = measure(train.shape);
        INFO("duration drawn " << spec.psw_duration_ms << ", measured " << p.duration_ms);
        REQUIRE(p.amplitude_uv == Approx(spec.amplitude_uv).epsilon(1e-9));
        REQUIRE(p.first_phase_positive);
        REQUIRE(p.peak_uv > 0.0);
        REQUIRE(p.phases == 2);
        REQUIRE(p.duration_ms >= duration.at("min").get<double>() * 0.5);
        REQUIRE(p.duration_ms <= spec.psw_duration_ms);
        // Most of the waveform is the negative phase.
        const auto& v = train.shape.samples_uv;
        const auto negative = std::count_if(v.begin(), v.end(), [](double x) { return x < 0.0; });
        REQUIRE(double(negative) / double(v.size()) > 0.5);
    }
}

TEST_CASE("a fibrillation train fires regularly and slows as asked", "[spontaneous]") {
    SpontaneousTrainSpec s;
    s.amplitude_uv = 80.0;
    s.rate_hz = 10.0;
    s.final_rate_ratio = 0.7;
    s.isi_cv = 0.03;
    s.start_s = 0.0;
    s.stop_s = 60.0;
    Random r(9);
    const auto t = realise_train(s, 10000.0, 4, r).times_s;
    REQUIRE(t.front() >= 0.0);
    REQUIRE(t.back() < 60.0);
    // Rate falls linearly from 10 Hz to 7 Hz: 9.75 Hz over the first 5 s, 7.25 Hz over the last.
    // About 50 intervals per window at CV 0.03: the mean's sampling error is 0.4%.
    const auto first = isi_of(t, 0.0, 5.0), last = isi_of(t, 55.0, 60.0);
    REQUIRE(1.0 / first.mean == Approx(9.75).epsilon(0.02));
    REQUIRE(1.0 / last.mean == Approx(7.25).epsilon(0.02));
    // Within a 5 s window the trend adds under 0.01 to the CV.
    REQUIRE(first.cv == Approx(0.03).margin(0.012));
}

TEST_CASE("a complex repetitive discharge is time-locked, starts and stops abruptly", "[spontaneous]") {
    const auto ranges = SpontaneousRanges::from_table();
    Random r = Random::stream(4, "crd");
    auto s = draw_train(SpontaneousClass::complex_repetitive_discharge, ranges, std::nullopt, 0.0, 20.0, r);
    REQUIRE(ranges.crd_rate_hz.contains(s.rate_hz));
    REQUIRE(s.stop_s - s.start_s >= ranges.crd_burst_s.min - 1e-9);
    REQUIRE(s.crd_span_ms < 1000.0 / s.rate_hz);
    const auto train = realise_train(s, 10000.0, 4, r);
    const auto& t = train.times_s;
    REQUIRE(t.front() == Approx(s.start_s).margin(1.0 / 40000.0));
    REQUIRE(t.back() < s.stop_s);
    REQUIRE(s.stop_s - t.back() <= 1.2 / s.rate_hz);
    const auto isi = isi_of(t, 0.0, 20.0);
    REQUIRE(1.0 / isi.mean == Approx(s.rate_hz).epsilon(0.005));
    REQUIRE(isi.cv < 0.02);
    REQUIRE(measure(train.shape).amplitude_uv == Approx(s.amplitude_uv).epsilon(1e-9));
}

TEST_CASE("fasciculations fire irregularly and rarely", "[spontaneous]") {
    SpontaneousTrainSpec s;
    s.kind = SpontaneousClass::fasciculation;
    s.amplitude_uv = 0.0;
    s.rate_hz = 0.5;
    s.fasciculation_min_interval_ms = 100.0;
    s.start_s = 0.0;
    s.stop_s = 2000.0;
    Random r(12);
    const auto train = realise_train(s, 10000.0, 2, r);
    const auto& t = train.times_s;
    // Poisson at 0.5 Hz: ~1000 events, count within 4 SD (4 sqrt(1000) = 126).
    REQUIRE(std::abs(double(t.size()) - 1000.0) < 126.0);
    const auto isi = isi_of(t, 0.0, 2000.0);
    // Exponential intervals after a 0.1 s dead time: CV = (2 - 0.1) / 2 = 0.95.
    REQUIRE(isi.cv == Approx(0.95).margin(0.08));
    for (std::size_t i = 1; i < t.size(); ++i) REQUIRE(t[i] - t[i - 1] >= 0.1 - 1e-9);
    // A whole motor unit's potential: a MUAP, not a single fibre's.
    REQUIRE(measure(train.shape).amplitude_uv > 100.0);
}

TEST_CASE("the grade is the number of denervation trains", "[spontaneous]") {
    const auto& grades = spontaneous_grades();
    REQUIRE(grades.size() == 5);
    REQUIRE(grades[1].label == "1+");
    REQUIRE(grades[4].label == "4+");
    for (const auto& g : grades) {
        for (int n = g.trains_min; n <= g.trains_max; ++n) REQUIRE(grade_for_trains(n) == g.grade);
    }
    REQUIRE(grade_for_trains(100) == 4);
    REQUIRE(grade_persistence_s() == 3.0);

    const auto ranges = SpontaneousRanges::from_table();
    for (int grade = 0; grade <= 4; ++grade) {
        for (int seed = 0; seed < 10; ++seed) {
            SpontaneousSpec spec;
            spec.grade = grade;
            Random r = Random::stream(seed, "grade");
            const auto trains = draw_spontaneous_trains(spec, ranges, 0.0, 10.0, r);
            const auto n = std::count_if(trains.begin(), trains.end(),
                                         [](const auto& t) { return is_denervation_potential(t.kind); });
            REQUIRE(n >= grades[grade].trains_min);
            REQUIRE(n <= grades[grade].trains_max);
            REQUIRE(grade_for_trains(int(n)) == grade);
            for (const auto& t : trains) {
                REQUIRE(t.start_s == 0.0);
                REQUIRE(t.stop_s == 10.0);
            }
        }
    }
}

TEST_CASE("fibrillation amplitude falls with lesion age as Kraft found", "[spontaneous]") {
    const auto ranges = SpontaneousRanges::from_table();
    REQUIRE(ranges.max_amplitude_uv_at(1.0) == 612.0);
    REQUIRE(ranges.max_amplitude_uv_at(4.5) == Approx((512.0 + 320.0) / 2));
    REQUIRE(ranges.max_amplitude_uv_at(24.0) == 100.0);
    // After a year none exceeds 100 uV.
    for (int i = 0; i < 50; ++i) {
        Random r = Random::stream(i, "old");
        const auto s = draw_train(SpontaneousClass::fibrillation, ranges, 18.0, 0.0, 1.0, r);
        REQUIRE(s.amplitude_uv <= 100.0);
        REQUIRE(s.amplitude_uv >= ranges.fib_amplitude_uv.min);
    }
}

TEST_CASE("bad trains and specs are refused with the field named", "[spontaneous]") {
    SpontaneousTrainSpec s;
    s.rate_hz = 0.0;
    REQUIRE_THROWS_WITH(s.validate(), Catch::Contains("rate_hz"));
    s.rate_hz = 5.0;
    s.stop_s = -1.0;
    REQUIRE_THROWS_WITH(s.validate(), Catch::Contains("start_s"));
    SpontaneousSpec spec;
    spec.grade = 5;
    REQUIRE_THROWS_WITH(spec.validate(), Catch::Contains("grade"));
    REQUIRE(parse_spontaneous_class("positive_sharp_wave") == SpontaneousClass::positive_sharp_wave);
    REQUIRE_FALSE(parse_spontaneous_class("myotonic"));
}
