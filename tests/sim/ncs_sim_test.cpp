#include <catch2/catch.hpp>

#include <cmath>

#include "edx/sim/ncs_sim.hpp"
#include "sim/evoked_test_support.hpp"

using namespace edx;
using namespace edx::sim;
using namespace edx::sim::test;

namespace {
MotorNcsConfig clean_motor(std::string nerve, double fs) {
    MotorNcsConfig c;
    c.nerve = nerve;
    c.name = nerve + "_motor";
    c.sample_rate_hz = fs;
    c.leg_length_cm = 38.0;
    c.age_years = 35.0;
    c.background = EvokedBackground::none();
    c.artefact = ArtefactSettings::none();
    return c;
}
}  // namespace

TEST_CASE("the CV from two motor sites' onsets, seen in the signal, is the configured CV", "[ncs]") {
    for (const std::string nerve : {"peroneal", "tibial"}) {
        for (double fs : {10000.0, 20000.0}) {
            auto c = clean_motor(nerve, fs);
            c.cv_m_per_s = 48.0;
            const auto sims = simulate_motor_ncs(c, 6);
            REQUIRE(sims.size() == 2);
            const double dt = 1000.0 / fs;
            double onset[2];
            for (int k = 0; k < 2; ++k) {
                const auto& r = sims[k].recording;
                const auto& t = sims[k].truth;
                REQUIRE(r.info.kind == RecordingKind::motor_ncs);
                REQUIRE(r.info.stim_site == t["stim_site"].get<std::string>());
                REQUIRE(*r.info.distance_mm == t["distance_mm"].get<double>());
                REQUIRE(r.info.name == c.name + "_" + r.info.stim_site);
                for (std::size_t i = 0; i < r.sweep_count; ++i) {
                    const auto seen = first_nonzero_ms(r, i, 0.0, 1e9);
                    REQUIRE(seen);
                    REQUIRE(*seen > t["onset_latency_ms"].get<double>());
                    REQUIRE(*seen - t["onset_latency_ms"].get<double>() <= dt + 1e-9);
                    const auto e = minimum(r, i, 0.0, 1e9);
                    REQUIRE(std::abs(e.t_ms - t["peak_latency_ms"].get<double>()) < dt);
                    REQUIRE(-e.value == Approx(t["sweeps"][i]["amplitude_mv"].get<double>()).epsilon(0.005));
                }
                onset[k] = *first_nonzero_ms(r, 0, 0.0, 1e9);
            }
            const double segment =
                sims[1].truth["distance_mm"].get<double>() - sims[0].truth["distance_mm"].get<double>();
            INFO(nerve << " fs " << fs);
            // Exact in the truth; from the sampled onsets within the one-sample uncertainty of each.
            REQUIRE(sims[1].truth["segment_cv_m_per_s"].get<double>() == Approx(48.0).epsilon(1e-12));
            REQUIRE(segment / (sims[1].truth["onset_latency_ms"].get<double>() -
                               sims[0].truth["onset_latency_ms"].get<double>()) ==
                    Approx(48.0).epsilon(1e-9));
            const double latency = onset[1] - onset[0];
            REQUIRE(segment / latency == Approx(48.0).margin(48.0 * dt / (latency - dt)));
            // Proximal CMAP: broader, smaller, same area (temporal dispersion without block).
            REQUIRE(sims[1].truth["duration_ms"].get<double>() > sims[0].truth["duration_ms"].get<double>());
            REQUIRE(sims[1].truth["amplitude_mv"].get<double>() < sims[0].truth["amplitude_mv"].get<double>());
            REQUIRE(sims[1].truth["amplitude_mv"].get<double>() > 0.75 * sims[0].truth["amplitude_mv"].get<double>());
            REQUIRE(sims[1].truth["negative_phase_area_mv_ms"].get<double>() ==
                    Approx(sims[0].truth["negative_phase_area_mv_ms"].get<double>()).epsilon(1e-9));
        }
    }
}

TEST_CASE("motor lesion knobs: axon loss, slowing, focal block, absent response", "[ncs][lesion]") {
    auto c = clean_motor("peroneal", 10000.0);
    const auto normal = simulate_motor_ncs(c, 2);
    auto axonal = c;
    axonal.lesion.amplitude_factor = 0.3;
    const auto a = simulate_motor_ncs(axonal, 2);
    REQUIRE(a[0].truth["amplitude_mv"].get<double>() == Approx(0.3 * normal[0].truth["amplitude_mv"].get<double>()));
    REQUIRE(a[0].truth["onset_latency_ms"] == normal[0].truth["onset_latency_ms"]);
    auto demyelinated = c;
    demyelinated.lesion.velocity_factor = 0.6;
    const auto d = simulate_motor_ncs(demyelinated, 2);
    REQUIRE(d[1].truth["segment_cv_m_per_s"].get<double>() ==
            Approx(0.6 * normal[1].truth["segment_cv_m_per_s"].get<double>()));
    REQUIRE(d[0].truth["onset_latency_ms"].get<double>() ==
            Approx(normal[0].truth["onset_latency_ms"].get<double>() / 0.6));
    auto focal = c;
    focal.sites = {NcsSite{"ankle", 80.0, 1.0, 1.0}, NcsSite{"fibular_head", 330.0, 1.0, 1.0},
                   NcsSite{"popliteal_fossa", 430.0, 0.5, 0.4}};
    const auto f = simulate_motor_ncs(focal, 2);
    REQUIRE(f.size() == 3);
    REQUIRE(f[2].truth["segment_cv_m_per_s"].get<double>() ==
            Approx(0.5 * f[1].truth["segment_cv_m_per_s"].get<double>()));
    // A 60% block across the knee segment: area drops to 40%.
    REQUIRE(f[2].truth["negative_phase_area_mv_ms"].get<double>() ==
            Approx(0.4 * f[1].truth["negative_phase_area_mv_ms"].get<double>()).epsilon(1e-9));
    auto absent = c;
    absent.lesion.absent = true;
    absent.background.noise_rms_mv = 0.005;
    const auto n = simulate_motor_ncs(absent, 2);
    REQUIRE(n[0].truth["present"] == false);
    REQUIRE(n[0].truth["onset_latency_ms"].is_null());
    REQUIRE(rms(n[0].recording.sweep(0)) == Approx(0.005).epsilon(1e-5));
    absent.background = EvokedBackground{};
    absent.background.snr_db = 20.0;
    REQUIRE_THROWS_WITH(simulate_motor_ncs(absent, 2), Catch::Contains("background.snr_db"));
}

TEST_CASE("sensory NCS: onset latency is distance over CV, amplitude falls with distance, noise averages down",
          "[ncs]") {
    SensoryNcsConfig c;
    c.cv_m_per_s = 45.0;
    c.amplitude_mv = 0.02;
    c.artefact = ArtefactSettings::none();
    c.background = EvokedBackground::none();
    c.sites = {NcsSite{"calf", 140.0, 1.0, 1.0}, NcsSite{"mid_calf", 200.0, 1.0, 1.0}};
    c.amplitude_distance_exponent = 1.5;
    const auto s = simulate_sensory_ncs(c, 9);
    REQUIRE(s.size() == 2);
    const double dt = 1000.0 / c.sample_rate_hz;
    REQUIRE(s[0].truth["onset_latency_ms"].get<double>() == Approx(140.0 / 45.0).epsilon(1e-12));
    REQUIRE(s[0].truth["cv_m_per_s"].get<double>() == Approx(45.0).epsilon(1e-12));
    const auto seen = first_nonzero_ms(s[0].recording, 0, 0.0, 1e9);
    REQUIRE(*seen - 140.0 / 45.0 <= dt + 1e-9);
    REQUIRE(s[0].recording.info.muscle.empty());
    REQUIRE(s[0].recording.info.kind == RecordingKind::sensory_ncs);
    REQUIRE(s[0].truth["amplitude_mv"].get<double>() == Approx(0.02));
    REQUIRE(s[1].truth["amplitude_mv"].get<double>() == Approx(0.02 * std::pow(140.0 / 200.0, 1.5)).epsilon(1e-9));
    REQUIRE(s[1].truth["segment_cv_m_per_s"].get<double>() == Approx(45.0));

    // Default sural with noise at 3 dB per sweep: averaging the sweeps leaves noise RMS / sqrt(n).
    SensoryNcsConfig noisy;
    noisy.sweeps_per_site = 40;
    noisy.artefact = ArtefactSettings::none();
    noisy.background.snr_db = 3.0;
    noisy.background.mains_amplitude_mv = 0.0;
    noisy.background.wander_amplitude_mv = 0.0;
    noisy.background.pink_fraction = 0.0;
    auto quiet = noisy;
    quiet.background = EvokedBackground::none();
    const auto a = simulate_sensory_ncs(noisy, 4), b = simulate_sensory_ncs(quiet, 4);
    const auto& ra = a[0].recording;
    REQUIRE(a[0].truth["distance_mm"] == 140.0);
    std::vector<float> mean_noise(ra.frames, 0.0f);
    for (std::size_t i = 0; i < ra.sweep_count; ++i) {
        for (std::size_t j = 0; j < ra.frames; ++j)
            mean_noise[j] += (ra.sweep(i)[j] - b[0].recording.sweep(i)[j]) / ra.sweep_count;
    }
    const double per_sweep = a[0].truth["noise"]["noise_rms_mv"].get<double>();
    REQUIRE(rms(mean_noise) == Approx(per_sweep / std::sqrt(40.0)).epsilon(0.1));
    REQUIRE(20 * std::log10(a[0].truth["amplitude_mv"].get<double>() / per_sweep) == Approx(3.0).margin(1e-9));
}

TEST_CASE("NCS studies are deterministic and validated", "[ncs]") {
    MotorNcsConfig c;
    const auto a = simulate_motor_ncs(c, 5), b = simulate_motor_ncs(c, 5), d = simulate_motor_ncs(c, 6);
    REQUIRE(a[1].recording.samples == b[1].recording.samples);
    REQUIRE(a[1].truth == b[1].truth);
    REQUIRE(a[1].recording.samples != d[1].recording.samples);
    c.sites = {NcsSite{"ankle", 80.0, 1.0, 1.0}, NcsSite{"thigh", {}, 1.0, 1.0}};
    REQUIRE_THROWS_WITH(simulate_motor_ncs(c, 1), Catch::Contains("sites[1].distance_mm"));
    c.sites = {NcsSite{"ankle", 300.0, 1.0, 1.0}, NcsSite{"fibular_head", 80.0, 1.0, 1.0}};
    REQUIRE_THROWS_WITH(simulate_motor_ncs(c, 1), Catch::Contains("distance_mm"));
    MotorNcsConfig bad;
    bad.nerve = "sural";
    REQUIRE_THROWS_WITH(simulate_motor_ncs(bad, 1), Catch::Contains("nerve"));
}
