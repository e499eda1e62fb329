#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "edx/evoked/alignment.hpp"
#include "measure_test_support.hpp"

using namespace edx;
using namespace edx::evoked;

namespace {

// Prepared sweeps holding a windowed sine (onset 30 ms + shift_i, 10 ms long)
// and white noise, at fs, without going through the pipeline.
PreparedSweeps shifted_copies(double fs, const std::vector<double>& shifts_ms, const std::vector<double>& amps,
                              double noise, std::uint64_t seed) {
    PreparedSweeps p;
    p.sample_rate_hz = fs;
    p.frames = static_cast<std::size_t>(100.0 * fs / 1000.0);
    p.stimulus_index = static_cast<std::size_t>(10.0 * fs / 1000.0);
    p.noise_end_index = p.stimulus_index - 2;
    p.blank_end_index = p.stimulus_index + 10;
    p.sweeps_total = shifts_ms.size();
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    const double norm = test::windowed_sine_peak(3);
    for (std::size_t i = 0; i < shifts_ms.size(); ++i) {
        p.source.push_back(i);
        p.noise_sd.push_back(noise);
        for (std::size_t t = 0; t < p.frames; ++t) {
            const double ms = p.ms_at(static_cast<double>(t));
            p.samples.push_back(static_cast<float>(
                amps[i] * test::windowed_sine_mv(ms, 30.0 + shifts_ms[i], 10.0, 3, 1.0 / norm) + noise * normal(rng)));
        }
    }
    return p;
}

}  // namespace

TEST_CASE("Woody alignment recovers fractional shifts and amplitudes", "[evoked][alignment]") {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> jitter(0.0, 1.0);
    for (double fs : {10000.0, 20000.0}) {
        std::vector<double> shifts, amps;
        for (int i = 0; i < 24; ++i) {
            shifts.push_back(i < 12 ? 0.3 * jitter(rng) : 3.0 + 0.3 * jitter(rng));  // two positions, 3 ms apart
            amps.push_back(1.0 + 0.1 * jitter(rng));
        }
        for (double noise : {0.0, 0.05}) {
            const PreparedSweeps p = shifted_copies(fs, shifts, amps, noise, 9);
            std::vector<std::size_t> rows(p.rows());
            std::iota(rows.begin(), rows.end(), 0);
            const auto w0 = static_cast<std::size_t>(p.index_at(22.0)), w1 = static_cast<std::size_t>(p.index_at(48.0));
            const Alignment a = align_rows(p, rows, w0, w1, AlignmentConfig::for_h_wave());
            // Shifts are relative to the template: compare after removing the mean offset.
            double offset = 0.0;
            for (std::size_t i = 0; i < rows.size(); ++i) {
                offset += (a.shift_samples[i] * 1000.0 / fs - shifts[i]) / static_cast<double>(rows.size());
            }
            std::vector<double> err;
            for (std::size_t i = 0; i < rows.size(); ++i) err.push_back(a.shift_samples[i] * 1000.0 / fs - shifts[i] - offset);
            INFO("fs " << fs << " noise " << noise << " median |error| " << test::abs_quantile(err, 0.5));
            if (noise == 0.0) {
                // Noiseless: the parabola on a response sampled 10+ times its bandwidth.
                REQUIRE(test::abs_quantile(err, 1.0) <= 0.05 * 1000.0 / fs);
            } else {
                // 5% noise (26 dB): well under a sample.
                REQUIRE(test::abs_quantile(err, 0.95) <= 0.5 * 1000.0 / fs);
            }
            double ratio = 0.0;
            for (std::size_t i = 0; i < rows.size(); ++i) ratio += a.amplitude[i] / amps[i] / static_cast<double>(rows.size());
            for (std::size_t i = 0; i < rows.size(); ++i) {
                REQUIRE(a.amplitude[i] / amps[i] == Approx(ratio).epsilon(noise == 0.0 ? 0.01 : 0.1));
                REQUIRE(a.z[i] > 5.0);
            }
        }
    }
}

TEST_CASE("a row without the response gets an amplitude within its standard error of zero", "[evoked][alignment]") {
    std::vector<double> shifts(20, 0.0), amps(20, 1.0);
    for (int i = 15; i < 20; ++i) amps[static_cast<std::size_t>(i)] = 0.0;
    const PreparedSweeps p = shifted_copies(10000.0, shifts, amps, 0.05, 4);
    std::vector<std::size_t> rows(p.rows());
    std::iota(rows.begin(), rows.end(), 0);
    const Alignment a = align_rows(p, rows, static_cast<std::size_t>(p.index_at(22.0)),
                                   static_cast<std::size_t>(p.index_at(48.0)), AlignmentConfig::for_h_wave());
    for (int i = 0; i < 15; ++i) REQUIRE(a.z[static_cast<std::size_t>(i)] > 10.0);
    // The search over +-5 ms picks the best noise correlation: below the per-sweep threshold.
    for (int i = 15; i < 20; ++i) REQUIRE(a.z[static_cast<std::size_t>(i)] < 4.0);
}

TEST_CASE("correlating with the band-limited template cuts the shifts' noise in noisy sweeps", "[evoked][alignment]") {
    // 30 sweeps of the windowed-sine family (not the simulator's shapes) with
    // 0.2 ms jitter and white noise at half the peak (6 dB): the template's
    // own noise, above the response's band, adds to every shift unless the
    // template is low-passed. Paired on the same sweeps, over 8 recordings.
    for (double fs : {10000.0, 20000.0}) {
        double plain2 = 0.0, limited2 = 0.0;
        for (std::uint64_t seed = 0; seed < 8; ++seed) {
            std::mt19937_64 rng(40 + seed);
            std::normal_distribution<double> jitter(0.0, 0.2);
            std::vector<double> shifts(30), amps(30, 1.0);
            for (double& v : shifts) v = jitter(rng);
            const PreparedSweeps p = shifted_copies(fs, shifts, amps, 0.5, 60 + seed);
            std::vector<std::size_t> rows(p.rows());
            std::iota(rows.begin(), rows.end(), 0);
            const auto w0 = static_cast<std::size_t>(p.index_at(22.0)), w1 = static_cast<std::size_t>(p.index_at(48.0));
            for (double lowpass : {0.0, 500.0}) {
                AlignmentConfig c = AlignmentConfig::for_h_wave();
                c.template_lowpass_hz = lowpass;
                const Alignment a = align_rows(p, rows, w0, w1, c);
                std::vector<double> err;
                double offset = 0.0;
                for (std::size_t i = 0; i < rows.size(); ++i) err.push_back(a.shift_samples[i] * 1000.0 / fs - shifts[i]);
                for (double e : err) offset += e / static_cast<double>(err.size());
                double ss = 0.0;
                for (double e : err) ss += (e - offset) * (e - offset);
                (lowpass > 0.0 ? limited2 : plain2) += ss;
            }
        }
        const double ratio = std::sqrt(limited2 / plain2);
        INFO("fs " << fs << ": RMS shift error band-limited / plain " << ratio);
        REQUIRE(ratio < 0.9);
    }
}

TEST_CASE("alignment refuses an empty or outside window", "[evoked][alignment]") {
    const PreparedSweeps p = shifted_copies(10000.0, {0.0, 0.0}, {1.0, 1.0}, 0.0, 1);
    const std::vector<std::size_t> rows = {0, 1};
    REQUIRE_THROWS_AS(align_rows(p, rows, 500, 400, AlignmentConfig::for_h_wave()), std::invalid_argument);
    REQUIRE_THROWS_AS(align_rows(p, {}, 100, 400, AlignmentConfig::for_h_wave()), std::invalid_argument);
    AlignmentConfig bad;
    bad.iterations = 0;
    REQUIRE_THROWS_WITH(bad.validate(), Catch::Contains("iterations"));
    bad = AlignmentConfig{};
    bad.template_lowpass_hz = -1.0;
    REQUIRE_THROWS_WITH(bad.validate(), Catch::Contains("template_lowpass_hz"));
}
