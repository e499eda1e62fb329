#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "edx/emg/potential_shape.hpp"
#include "edx/signals/table.hpp"
#include "edx/sim/spontaneous_activity.hpp"

using namespace edx;

namespace {

constexpr double fs = 40000.0;

// Consecutive half-sine lobes (amplitude, ms) with 10 ms of baseline on both sides; the main lobe is `main`.
std::vector<double> lobes(const std::vector<std::pair<double, double>>& spec, std::size_t& reference) {
    std::vector<double> v(400, 0.0);
    double best = 0.0;
    for (const auto& [a, d] : spec) {
        const auto n = static_cast<std::size_t>(std::lround(d * fs / 1000.0));
        for (std::size_t i = 0; i < n; ++i) {
            v.push_back(a * std::sin(std::numbers::pi * (i + 0.5) / n));
            if (std::abs(v.back()) > best) {
                best = std::abs(v.back());
                reference = v.size() - 1;
            }
        }
    }
    v.resize(v.size() + 400, 0.0);
    return v;
}

std::vector<double> negated(std::vector<double> v) {
    for (auto& x : v) x = -x;
    return v;
}

}  // namespace

TEST_CASE("shape criteria come from the spontaneous-activity table", "[emg][potential_shape]") {
    const auto c = emg::ShapeCriteria::from_table();
    REQUIRE(c.fibrillation_max_duration_ms == signals::constant("norms/spontaneous_activity_criteria.json", "/shape/fibrillation_max_duration_ms"));
    REQUIRE(c.fibrillation_max_duration_ms == 5.0);  // SP-spont: 1-5 ms
}

TEST_CASE("a brief spike is a fibrillation, a sharp phase with a long smaller one a positive sharp wave, "
          "whatever the polarity", "[emg][potential_shape]") {
    const auto c = emg::ShapeCriteria::from_table();
    std::size_t ref = 0;
    const auto fib = lobes({{20, 0.5}, {-100, 0.8}, {30, 1.2}}, ref);
    const auto psw = lobes({{100, 2.0}, {-35, 14.0}}, ref);
    std::size_t psw_ref = ref;
    lobes({{20, 0.5}, {-100, 0.8}, {30, 1.2}}, ref);
    const std::size_t fib_ref = ref;
    std::size_t muap_ref = 0;
    const auto muap = lobes({{80, 2.0}, {-600, 1.5}, {250, 3.0}, {-60, 4.0}}, muap_ref);
    for (bool invert : {false, true}) {
        INFO("inverted " << invert);
        const auto f = emg::classify_shape(invert ? negated(fib) : fib, fs, fib_ref, 1.0, c);
        REQUIRE(f.shape == emg::ShapeClass::fibrillation_like);
        REQUIRE(f.phases.size() == 3);
        const auto p = emg::classify_shape(invert ? negated(psw) : psw, fs, psw_ref, 1.0, c);
        REQUIRE(p.shape == emg::ShapeClass::positive_sharp_wave_like);
        REQUIRE(p.main_phase == 0);
        const auto m = emg::classify_shape(invert ? negated(muap) : muap, fs, muap_ref, 1.0, c);
        REQUIRE(m.shape == emg::ShapeClass::complex);
    }
}

TEST_CASE("the simulator's fibrillations and positive sharp waves are classified by their shape", "[emg][potential_shape]") {
    const auto c = emg::ShapeCriteria::from_table();
    const auto ranges = sim::SpontaneousRanges::from_table();
    sim::Random random(5);
    int fib_ok = 0, psw_ok = 0;
    for (int k = 0; k < 20; ++k) {
        for (auto kind : {sim::SpontaneousClass::fibrillation, sim::SpontaneousClass::positive_sharp_wave}) {
            auto spec = sim::draw_train(kind, ranges, std::nullopt, 0.0, 1.0, random);
            const auto train = sim::realise_train(spec, 10000.0, 4, random);
            const auto s = emg::classify_shape(train.shape.samples_uv, train.shape.fine_rate_hz(), train.shape.reference_index, 0.0, c);
            if (kind == sim::SpontaneousClass::fibrillation) fib_ok += s.shape == emg::ShapeClass::fibrillation_like;
            else psw_ok += s.shape == emg::ShapeClass::positive_sharp_wave_like;
        }
    }
    REQUIRE(fib_ok == 20);
    REQUIRE(psw_ok == 20);
}
