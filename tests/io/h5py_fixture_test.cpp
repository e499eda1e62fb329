// Reads the file h5py wrote (tools/fixtures/make_h5py_fixture.py) and checks
// every sample against the formula recorded in the expectation JSON beside it.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <numbers>
#include <set>

#include <nlohmann/json.hpp>

#include "edx/io/layout_reader.hpp"

using namespace edx;

namespace {

const std::filesystem::path kDir = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "fixtures";

nlohmann::json expectation() {
    std::ifstream in(kDir / "h5py_layout_v1.expected.json");
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

// The formula, in the recording's stored units (see "formulas" in the JSON).
double formula(const nlohmann::json& e, std::size_t row, std::size_t column) {
    const double rate = e.at("sample_rate_hz").get<double>();
    if (e.at("formula") == "sines") {
        const auto& c = e.at("channels_formula").at(column);
        const double t = static_cast<double>(row) / rate;
        return c.at("offset").get<double>() +
               c.at("amplitude").get<double>() *
                   std::sin(2.0 * std::numbers::pi * c.at("frequency_hz").get<double>() * t + c.at("phase_rad").get<double>());
    }
    const auto& p = e.at("sweeps_formula");
    const double t = static_cast<double>(column) / rate - e.at("pre_trigger_s").get<double>();
    const double z = (t - p.at("latency_s").get<double>()) / p.at("width_s").get<double>();
    return (p.at("amplitude_first").get<double>() + static_cast<double>(row) * p.at("amplitude_step").get<double>()) *
           std::exp(-0.5 * z * z);
}

}  // namespace

TEST_CASE("the h5py fixture reads with the values its formulas give", "[h5py_fixture]") {
    const nlohmann::json expected = expectation();
    const LayoutReader reader(kDir / "h5py_layout_v1.h5");
    const Study& study = reader.study_info();
    const auto& root = expected.at("root");
    REQUIRE(study.subject_id == root.at("subject_id").get<std::string>());
    REQUIRE(study.session_start == root.at("session_start").get<std::string>());
    REQUIRE(study.subject.height_cm == root.at("subject_height_cm").get<double>());
    REQUIRE(study.subject.age_years == root.at("subject_age_years").get<double>());
    REQUIRE(study.subject.leg_length_cm == root.at("leg_length_cm").get<double>());
    REQUIRE(study.clinical_findings_json);
    REQUIRE(nlohmann::json::parse(*study.clinical_findings_json) == root.at("clinical_findings"));

    REQUIRE(reader.recording_names().size() == expected.at("recordings").size());
    for (const auto& [name, e] : expected.at("recordings").items()) {
        DYNAMIC_SECTION(name) {
            const Recording r = reader.read(name);
            const RecordingHeader h = reader.header(name);
            const RecordingKind kind = *parse_recording_kind(e.at("kind").get<std::string>());
            REQUIRE(r.info.kind == kind);
            REQUIRE(r.info.units == canonical_units(kind));
            REQUIRE(r.info.sample_rate_hz == e.at("sample_rate_hz").get<double>());
            REQUIRE(r.info.muscle == e.value("muscle", ""));
            REQUIRE(r.info.nerve == e.value("nerve", ""));
            REQUIRE(r.info.side == e.value("side", ""));
            REQUIRE(r.info.stim_site == e.value("stim_site", ""));
            if (e.contains("distance_mm")) REQUIRE(r.info.distance_mm == e.at("distance_mm").get<double>());
            const bool sweeps = e.at("form") == "sweeps";
            REQUIRE(r.form == (sweeps ? SampleForm::sweeps : SampleForm::continuous));
            REQUIRE(r.frames == e.at("frames").get<std::size_t>());
            REQUIRE(r.channels == e.at("channels").get<std::size_t>());
            if (sweeps) {
                REQUIRE(r.sweep_count == e.at("sweep_count").get<std::size_t>());
                REQUIRE(r.pre_trigger_s == e.at("pre_trigger_s").get<double>());
            }

            const auto& storage = e.at("storage");
            REQUIRE(h.storage.type == storage.at("type").get<std::string>());
            REQUIRE(h.storage.big_endian == storage.at("big_endian").get<bool>());
            REQUIRE(h.storage.chunk == storage.at("chunk").get<std::vector<std::uint64_t>>());
            REQUIRE(h.storage.filters == storage.at("filters").get<std::vector<std::string>>());
            if (storage.contains("scale")) {
                REQUIRE(h.storage.scale == storage.at("scale").get<double>());
                REQUIRE(h.storage.offset == storage.at("offset").get<double>());
            }

            const auto times = e.at("stimuli").get<std::vector<double>>();
            const auto intensity = e.at("intensity_ma").get<std::vector<double>>();
            REQUIRE(r.stimuli.size() == times.size());
            for (std::size_t i = 0; i < times.size(); ++i) {
                REQUIRE(r.stimuli[i].time_s == times[i]);
                REQUIRE(r.stimuli[i].intensity_ma == intensity.at(i));
            }
            const auto& markers = e.at("markers");
            REQUIRE(r.markers.size() == markers.size());
            for (std::size_t i = 0; i < markers.size(); ++i) {
                REQUIRE(r.markers[i].time_s == markers[i][0].get<double>());
                REQUIRE(r.markers[i].label == markers[i][1].get<std::string>());
            }

            // Samples: formula in the stored unit, converted to the canonical one. Allowed error:
            // half a quantisation step (integer storage), plus float rounding of the result.
            const double factor = conversion_factor(*parse_units(e.at("units").get<std::string>()), r.info.units);
            const double half_step = 0.5 * e.at("quantization_step").get<double>() * std::fabs(factor);
            std::set<std::pair<std::size_t, std::size_t>> nan_at;
            for (const auto& p : e.at("nan_samples")) nan_at.insert({p[0].get<std::size_t>(), p[1].get<std::size_t>()});
            const std::size_t rows = sweeps ? r.sweep_count : r.frames;
            const std::size_t columns = sweeps ? r.frames : r.channels;
            double largest_error = 0.0;
            for (std::size_t row = 0; row < rows; ++row) {
                for (std::size_t col = 0; col < columns; ++col) {
                    const float got = r.samples[row * columns + col];
                    if (nan_at.count({row, col})) {
                        REQUIRE(std::isnan(got));
                        continue;
                    }
                    const double want = formula(e, row, col) * factor;
                    const double allowed = half_step + std::fabs(want) * 0x1p-23 + 1e-12;
                    const double error = std::fabs(static_cast<double>(got) - want);
                    largest_error = std::max(largest_error, error);
                    INFO("row " << row << " column " << col << ": read " << got << ", formula " << want);
                    REQUIRE(error <= allowed);
                }
            }
            INFO("largest error " << largest_error << " against half a step " << half_step);
            if (half_step > 0.0) REQUIRE(largest_error > 0.5 * half_step);  // integers really were quantised

            REQUIRE(r.non_finite.count == nan_at.size());
            const NonFiniteReport scanned = reader.scan_non_finite(name);
            REQUIRE(scanned.count == nan_at.size());
            REQUIRE(scanned.run_count == r.non_finite.run_count);
        }
    }
}
