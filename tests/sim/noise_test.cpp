#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "edx/sim/noise.hpp"

using namespace edx::sim;

namespace {
double rms(const std::vector<float>& x) {
    double acc = 0;
    for (float v : x) acc += double(v) * v;
    return std::sqrt(acc / x.size());
}
// Power of x at frequency f by a single-bin DFT, normalised to amplitude.
double amplitude_at(const std::vector<float>& x, double fs, double f) {
    std::complex<double> acc = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        acc += double(x[i]) * std::polar(1.0, -2 * std::numbers::pi * f * i / fs);
    }
    return 2.0 * std::abs(acc) / x.size();
}
}  // namespace

TEST_CASE("noise has exactly the requested RMS and reports it", "[noise]") {
    Random r(5);
    std::vector<float> x(20000, 0.0f);
    NoiseSpec spec;
    spec.rms = 0.01;
    const auto realised = add_noise(x, 20000.0, 0.0, spec, r);
    REQUIRE(realised.rms == Approx(0.01).epsilon(1e-9));
    REQUIRE(rms(x) == Approx(0.01).epsilon(1e-5));
}

TEST_CASE("pink noise puts more power at low frequencies than white", "[noise]") {
    Random r(9);
    const double fs = 10000.0;
    std::vector<float> white(1 << 16, 0.0f), pink(1 << 16, 0.0f);
    NoiseSpec w;
    w.rms = 1.0;
    w.pink_fraction = 0.0;
    NoiseSpec p = w;
    p.pink_fraction = 1.0;
    add_noise(white, fs, 0.0, w, r);
    add_noise(pink, fs, 0.0, p, r);
    // Mean power in 10-40 Hz against 2-4 kHz: flat for white, about 1/f for pink.
    auto band = [&](const std::vector<float>& x, double lo, double hi) {
        double acc = 0;
        int n = 0;
        for (double f = lo; f < hi; f += (hi - lo) / 16) {
            const double a = amplitude_at(x, fs, f);
            acc += a * a;
            ++n;
        }
        return acc / n;
    };
    const double white_ratio = band(white, 10, 40) / band(white, 2000, 4000);
    const double pink_ratio = band(pink, 10, 40) / band(pink, 2000, 4000);
    REQUIRE(white_ratio < 3.0);
    REQUIRE(pink_ratio > 30.0);  // 1/f predicts about 120
}

TEST_CASE("mains hum has the amplitude and harmonics asked for", "[noise]") {
    Random r(11);
    const double fs = 10000.0;
    std::vector<float> x(10000, 0.0f);
    NoiseSpec spec;
    spec.mains_hz = 60.0;
    spec.mains_amplitude = 0.02;
    spec.mains_harmonics = 2;
    spec.harmonic_ratio = 0.5;
    add_noise(x, fs, 0.0, spec, r);
    REQUIRE(amplitude_at(x, fs, 60.0) == Approx(0.02).epsilon(1e-3));
    REQUIRE(amplitude_at(x, fs, 180.0) == Approx(0.01).epsilon(1e-3));
    REQUIRE(amplitude_at(x, fs, 300.0) == Approx(0.005).epsilon(1e-3));
    REQUIRE(amplitude_at(x, fs, 120.0) < 1e-5);
}
