#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "edx/io/layout_writer.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;

namespace {

const std::filesystem::path kExamples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";

nlohmann::json truth_of(const std::string& example) {
    std::ifstream in(kExamples / (example + ".truth.json"));
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

const nlohmann::json& recording(const nlohmann::json& doc, const std::string& name) {
    for (const auto& r : doc.at("recordings")) {
        if (r.at("name") == name) return r;
    }
    FAIL("no recording " << name << " in the output");
    return doc;
}

// The truth the delay is scored against: the mean delay the simulator applied
// to the FAIR sweeps the analysis used (from its onset on).
double applied_delay(const nlohmann::json& truth_recording, const nlohmann::json& result) {
    double sum = 0.0;
    int n = 0;
    for (const auto& s : result.at("time_course")) {
        if (s.at("role") != "fair") continue;
        sum += truth_recording.at("sweeps").at(s.at("sweep_index").get<std::size_t>()).at("delay_applied_ms").get<double>();
        ++n;
    }
    REQUIRE(n > 0);
    return sum / n;
}

}  // namespace

TEST_CASE("edx fair on the bundled examples: the DGS leg is positive, the others are not", "[cli][fair]") {
    TempDir dir;
    struct Case {
        std::string example;
        bool left_positive, right_positive;
    };
    for (const Case& c : {Case{"dgs_piriformis_left", true, false}, Case{"l5_radiculopathy_right", false, false},
                          Case{"normal", false, false}}) {
        DYNAMIC_SECTION(c.example) {
            const auto run =
                run_edx(dir.path(), "fair --json " + shell_quoted((kExamples / (c.example + ".h5")).string()));
            INFO(run.err);
            REQUIRE(run.status == 0);
            const auto doc = nlohmann::json::parse(run.out);
            const auto truth = truth_of(c.example);
            REQUIRE(doc.at("criterion_ms").get<double>() == 1.86);
            for (const char* side : {"left", "right"}) {
                const std::string name = std::string("soleus_h_") + side;
                const auto& r = recording(doc, name);
                const auto& t = truth.at("recordings").at(name);
                INFO(name << ": " << r.dump());
                // Every field the issue lists.
                for (const char* key : {"name", "side", "anatomic_latency_ms", "fair_latency_ms", "delay_ms",
                                        "delay_ci95_ms", "onset_after_fair_s", "n_anatomic", "n_fair",
                                        "criterion_ms", "positive", "significant", "time_course"}) {
                    REQUIRE(r.contains(key));
                }
                REQUIRE(r.at("side") == side);
                REQUIRE(r.at("status") == "ok");
                REQUIRE(r.at("n_anatomic").get<int>() >= 5);
                REQUIRE(r.at("n_fair").get<int>() >= 5);
                REQUIRE(r.at("time_course").size() == t.at("sweeps").size());
                const bool expected = std::string(side) == "left" ? c.left_positive : c.right_positive;
                REQUIRE(r.at("positive").get<bool>() == expected);
                // The delay against the simulator's truth: within 0.35 ms (about 2.5 SD of the
                // estimate with 10 sweeps per position), and inside the 95% interval give or take
                // 0.1 ms (an onset detector's own bias is not in the interval).
                const double truth_delay = applied_delay(t, r);
                const double delay = r.at("delay_ms").get<double>();
                REQUIRE(std::abs(delay - truth_delay) < 0.35);
                REQUIRE(r.at("delay_ci95_ms")[0].get<double>() - 0.1 <= truth_delay);
                REQUIRE(r.at("delay_ci95_ms")[1].get<double>() + 0.1 >= truth_delay);
                // Onset reported exactly when significant.
                REQUIRE(r.at("onset_after_fair_s").is_null() == !r.at("significant").get<bool>());
            }
            REQUIRE(doc.at("legs").at("first").at("side") == "left");
            REQUIRE(doc.at("legs").at("delay_difference_ci95_ms").size() == 2);
        }
    }
}

TEST_CASE("edx fair: the DGS leg's delay is significant and appears after the FAIR marker", "[cli][fair]") {
    TempDir dir;
    const auto run =
        run_edx(dir.path(), "fair --json " + shell_quoted((kExamples / "dgs_piriformis_left.h5").string()));
    REQUIRE(run.status == 0);
    const auto doc = nlohmann::json::parse(run.out);
    const auto& left = recording(doc, "soleus_h_left");
    REQUIRE(left.at("significant").get<bool>());
    // The first FAIR sweep is 5 s after the marker; tau 4 s gives 71% of the delay by then.
    REQUIRE(left.at("onset_after_fair_s").get<double>() >= 5.0);
    REQUIRE(left.at("onset_after_fair_s").get<double>() <= 11.0);
    // The left leg is delayed, the right not: the difference interval excludes 0.
    REQUIRE(doc.at("legs").at("delay_difference_significant").get<bool>());
    REQUIRE(doc.at("legs").at("delay_difference_ms").get<double>() > 1.86);
}

TEST_CASE("edx fair --criterion-ms changes the verdict, not the delay", "[cli][fair]") {
    TempDir dir;
    const std::string file = shell_quoted((kExamples / "l5_radiculopathy_right.h5").string());
    const auto standard = nlohmann::json::parse(run_edx(dir.path(), "fair --json " + file).out);
    const auto run = run_edx(dir.path(), "fair --json --criterion-ms 0.3 " + file);
    REQUIRE(run.status == 0);
    const auto low = nlohmann::json::parse(run.out);
    REQUIRE(low.at("criterion_ms").get<double>() == 0.3);
    const auto& a = recording(standard, "soleus_h_right");
    const auto& b = recording(low, "soleus_h_right");
    REQUIRE(a.at("delay_ms") == b.at("delay_ms"));
    REQUIRE(b.at("criterion_ms").get<double>() == 0.3);
    REQUIRE(b.at("positive").get<bool>() == (b.at("delay_ms").get<double>() >= 0.3));
    REQUIRE_FALSE(a.at("positive").get<bool>());
}

TEST_CASE("edx fair prints a readable report, and refuses what it cannot analyse", "[cli][fair]") {
    TempDir dir;
    const auto text = run_edx(dir.path(), "fair " + shell_quoted((kExamples / "dgs_piriformis_left.h5").string()));
    REQUIRE(text.status == 0);
    REQUIRE_THAT(text.out, Catch::Contains("soleus_h_left (left)") && Catch::Contains("POSITIVE") &&
                               Catch::Contains("95% CI") && Catch::Contains("legs: left minus right"));

    const auto bad = run_edx(dir.path(), "fair --criterion-ms -1 " +
                                             shell_quoted((kExamples / "normal.h5").string()));
    REQUIRE(bad.status == 2);
    REQUIRE_THAT(bad.err, Catch::Contains("--criterion-ms"));
    REQUIRE(run_edx(dir.path(), "fair").status == 2);

    // A study whose H-reflex has no FAIR marker.
    edx::Study study;
    edx::Recording h;
    h.info.name = "soleus_h_left";
    h.info.kind = edx::RecordingKind::h_reflex;
    h.info.sample_rate_hz = 10000.0;
    h.info.units = edx::Units::mV;
    h.info.muscle = "soleus";
    h.info.side = "left";
    h.form = edx::SampleForm::sweeps;
    h.frames = 1000;
    h.sweep_count = 2;
    h.pre_trigger_s = 0.01;
    h.samples.assign(2000, 0.0f);
    h.stimuli = {{1.0, 10.0}, {3.0, 10.0}};
    h.markers = {{0.5, "position=anatomic"}};
    study.recordings.push_back(h);
    const auto file = dir / "no_fair.h5";
    edx::write_study(study, file);
    const auto none = run_edx(dir.path(), "fair " + shell_quoted(file.string()));
    REQUIRE(none.status == 2);
    REQUIRE_THAT(none.err, Catch::Contains("position=fair"));
}
