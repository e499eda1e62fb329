// `edx ncs`: motor and sensory NCS, conduction velocities and F-waves of the
// bundled examples against their truth files. Tolerances are those the
// measurement reaches on these recordings (the accuracy itself is tested in
// tests/evoked on many simulated recordings).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;

namespace {

const std::filesystem::path kExamples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";

nlohmann::json truth_of(const std::string& example) {
    std::ifstream in(kExamples / (example + ".truth.json"));
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("edx ncs --json on the bundled examples: NCS, velocities and F-waves near the truth", "[cli][ncs]") {
    TempDir dir;
    for (const char* example : {"normal", "dgs_piriformis_left", "l5_radiculopathy_right"}) {
        DYNAMIC_SECTION(example) {
            const auto run =
                run_edx(dir.path(), "ncs --json " + shell_quoted((kExamples / (std::string(example) + ".h5")).string()));
            INFO(run.err);
            REQUIRE(run.status == 0);
            const auto doc = nlohmann::json::parse(run.out);
            const auto truth = truth_of(example).at("recordings");

            std::map<std::string, double> onset;  // measured onset by recording
            REQUIRE(doc.at("nerve_conduction").size() >= 6);
            for (const auto& r : doc.at("nerve_conduction")) {
                const std::string name = r.at("recording").get<std::string>();
                const auto& t = truth.at(name);
                INFO(name << ": " << r.dump());
                for (const char* key : {"onset_latency_ms", "peak_latency_ms", "amplitude_mv", "peak_to_peak_mv",
                                        "negative_duration_ms", "negative_area_mv_ms", "distance_mm", "sweeps_used",
                                        "sweeps_excluded", "filter"}) {
                    REQUIRE(r.contains(key));
                }
                REQUIRE(r.at("present") == true);
                REQUIRE(r.at("onset_latency_ms").is_number());
                onset[name] = r.at("onset_latency_ms").get<double>();
                const double amp = t.at("mean_sweep_amplitude_mv").get<double>();
                if (r.at("kind") == "motor_ncs") {
                    CHECK(std::abs(onset[name] - t.at("onset_latency_ms").get<double>()) < 0.1);
                    CHECK(std::abs(r.at("peak_latency_ms").get<double>() - t.at("peak_latency_ms").get<double>()) < 0.1);
                    CHECK(std::abs(r.at("amplitude_mv").get<double>() - amp) < 0.05 * amp);
                    CHECK(std::abs(r.at("negative_duration_ms").get<double>() -
                                   t.at("negative_phase_duration_ms").get<double>()) < 0.3);
                } else {
                    // SNAPs of 5-30 uV under locked mains hum (up to 40% of the SNAP)
                    // that a 20 ms sweep, one mains period, cannot separate.
                    CHECK(std::abs(onset[name] - t.at("onset_latency_ms").get<double>()) < 0.4);
                    CHECK(std::abs(r.at("peak_latency_ms").get<double>() - t.at("peak_latency_ms").get<double>()) < 0.15);
                    CHECK(std::abs(r.at("amplitude_mv").get<double>() - amp) < 0.25 * amp);
                }
            }

            // Motor velocities from the two sites, against the truth's onsets.
            std::size_t motor_cv = 0;
            for (const auto& v : doc.at("conduction_velocities")) {
                INFO(v.dump());
                REQUIRE(v.at("cv_m_per_s").get<double>() > 20.0);
                REQUIRE(v.at("cv_m_per_s").get<double>() < 80.0);
                if (v.at("kind") != "motor_ncs") continue;
                ++motor_cv;
                const std::string base = v.at("nerve").get<std::string>() + "_motor_" + v.at("side").get<std::string>() + "_";
                const auto& distal = truth.at(base + v.at("from_site").get<std::string>());
                const auto& proximal = truth.at(base + v.at("to_site").get<std::string>());
                const double cv_truth = (proximal.at("distance_mm").get<double>() - distal.at("distance_mm").get<double>()) /
                                        (proximal.at("onset_latency_ms").get<double>() - distal.at("onset_latency_ms").get<double>());
                CHECK(std::abs(v.at("cv_m_per_s").get<double>() - cv_truth) < 0.03 * cv_truth);
            }
            REQUIRE(motor_cv == 2);

            REQUIRE(doc.at("f_waves").size() == 2);
            for (const auto& f : doc.at("f_waves")) {
                const auto& t = truth.at(f.at("recording").get<std::string>()).at("f_waves");
                INFO(f.dump());
                for (const char* key : {"f_min_latency_ms", "f_mean_latency_ms", "persistence", "chronodispersion_ms",
                                        "f_latency_ms_per_sweep"}) {
                    REQUIRE(f.contains(key));
                }
                CHECK(std::abs(f.at("persistence").get<double>() - t.at("persistence").get<double>()) <= 0.1 + 1e-9);
                CHECK(std::abs(f.at("f_mean_latency_ms").get<double>() - t.at("mean_latency_ms").get<double>()) < 1.0);
                CHECK(std::abs(f.at("f_min_latency_ms").get<double>() - t.at("min_latency_ms").get<double>()) < 1.5);
                // A sweep without an F-wave has a null latency.
                std::size_t with = 0;
                for (const auto& l : f.at("f_latency_ms_per_sweep")) with += l.is_null() ? 0 : 1;
                REQUIRE(with == f.at("f_count").get<std::size_t>());
            }
        }
    }
}

TEST_CASE("edx ncs text output and its errors", "[cli][ncs]") {
    TempDir dir;
    const auto run = run_edx(dir.path(), "ncs " + shell_quoted((kExamples / "normal.h5").string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    REQUIRE(run.out.find("peroneal_motor_left_ankle") != std::string::npos);
    REQUIRE(run.out.find("CV peroneal left ankle -> fibular_head") != std::string::npos);
    REQUIRE(run.out.find("chronodispersion") != std::string::npos);
    const auto missing = run_edx(dir.path(), "ncs " + shell_quoted((dir / "missing.h5").string()));
    REQUIRE(missing.status == 2);
}
