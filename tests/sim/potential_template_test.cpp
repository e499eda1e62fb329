#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "edx/sim/potential_template.hpp"

using namespace edx::sim;

namespace {
// A template whose every sample holds its own time relative to the reference
// (s), so a placed copy shows, sample by sample, where its reference landed.
PotentialTemplate clock_template(double fs, int os, std::size_t n, std::size_t ref) {
    PotentialTemplate t;
    t.sample_rate_hz = fs;
    t.oversampling = os;
    t.reference_index = ref;
    for (std::size_t k = 0; k < n; ++k) t.samples_uv.push_back((double(k) - double(ref)) / (fs * os));
    return t;
}
}  // namespace

TEST_CASE("make_template trims the silent ends and marks the largest magnitude", "[potential_template]") {
    const auto t = make_template({0.0, 0.0, 0.5, -3.0, 2.0, 1e-6, 0.0}, 1000.0, 2);
    REQUIRE(t.samples_uv == std::vector<double>{0.5, -3.0, 2.0});
    REQUIRE(t.reference_index == 1);
    REQUIRE(t.peak_uv() == -3.0);
    REQUIRE(t.peak_to_peak_uv() == 5.0);
    REQUIRE(t.fine_rate_hz() == 2000.0);
    REQUIRE(t.first_ms() == Approx(-0.5));
    REQUIRE(t.last_ms() == Approx(0.5));
    REQUIRE_THROWS(make_template({0.0, 0.0}, 1000.0, 2));
}

TEST_CASE("a discharge lands at its time to a quarter of a sample", "[potential_template]") {
    const double fs = 1000.0;
    const int os = 4;
    const auto t = clock_template(fs, os, 201, 100);
    for (double time_s : {0.05, 0.05012, 0.0503, 0.05061, 0.12345}) {
        std::vector<float> signal(300, 0.0f);
        t.add_to(signal, time_s);
        const double placed = t.quantise(time_s);
        REQUIRE(std::abs(placed - time_s) <= 0.5 / (fs * os) + 1e-12);
        int touched = 0;
        for (std::size_t n = 0; n < signal.size(); ++n) {
            const double rel = double(n) / fs - placed;  // this sample's time from the discharge
            if (rel < t.first_ms() / 1000.0 - 1e-12 || rel > t.last_ms() / 1000.0 + 1e-12) {
                REQUIRE(signal[n] == 0.0f);
            } else {
                REQUIRE(signal[n] == Approx(rel).margin(1e-9));
                ++touched;
            }
        }
        REQUIRE(touched >= 49);
    }
}

TEST_CASE("discharges at the edges of a recording are cut, not misplaced", "[potential_template]") {
    const auto t = clock_template(1000.0, 4, 201, 100);
    std::vector<float> signal(30, 0.0f);
    t.add_to(signal, 0.002);   // template starts 25 ms before the recording
    t.add_to(signal, 0.05);    // reference 21 ms after its end: only the start shows
    for (std::size_t n = 0; n < signal.size(); ++n) {
        const double rel = double(n) / 1000.0 - 0.002;
        const double rel2 = double(n) / 1000.0 - 0.05;
        const double expected = (rel <= 0.025 + 1e-12 ? rel : 0.0) + (rel2 >= -0.025 - 1e-12 ? rel2 : 0.0);
        REQUIRE(signal[n] == Approx(expected).margin(1e-9));
    }
}

TEST_CASE("decimation picks every oversampling-th sample from a phase", "[potential_template]") {
    const auto t = make_template({1, 2, 3, 4, 5, 6, 7}, 1000.0, 3);
    REQUIRE(t.decimated(0) == std::vector<double>{1, 4, 7});
    REQUIRE(t.decimated(2) == std::vector<double>{3, 6});
}
