#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "edx/io/layout_reader.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;
using nlohmann::json;

namespace {
const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";
std::string example(const char* name, const char* ext) { return shell_quoted((examples / (std::string(name) + ext)).string()); }
}  // namespace

TEST_CASE("edx analyze --out keeps recordings and results in one file that edx diagnose --results reads",
          "[cli][analyze]") {
    TempDir dir;
    const auto out = dir / "results.h5";
    const auto run = run_edx(dir.path(), "analyze " + example("dgs_piriformis_left", ".h5") + " --out " + shell_quoted(out.string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    // Every recording copied, the results document beside them.
    const edx::LayoutReader original(examples / "dgs_piriformis_left.h5");
    const edx::LayoutReader results(out);
    REQUIRE(results.recording_names() == original.recording_names());
    REQUIRE(results.study_info().results_json.has_value());
    const auto doc = json::parse(*results.study_info().results_json);
    for (const char* key : {"h_reflex", "h_side_to_side", "fair", "fair_legs", "nerve_conduction", "conduction_velocities",
                            "f_waves", "emg", "edx_findings", "not_analysed", "skipped_analyses"}) {
        INFO(key);
        REQUIRE(doc.contains(key));
    }
    // When it was analysed, as UTC ISO 8601 (YYYY-MM-DDTHH:MM:SSZ): the report's header shows it.
    const std::string at = doc.at("analysed_at_utc").get<std::string>();
    REQUIRE(at.size() == 20);
    REQUIRE(at[4] == '-');
    REQUIRE(at[10] == 'T');
    REQUIRE(at.back() == 'Z');
    REQUIRE(doc.at("edx_findings").at("left").at("fair_delay").at("positive") == true);
    REQUIRE(doc.at("edx_findings").at("right").at("fair_delay").at("positive") == false);

    // The diagnosis from the stored results equals the one edx analyze gives with the case.
    const auto via_results = run_edx(dir.path(), "diagnose " + example("dgs_piriformis_left", ".case.json") + " --results " +
                                                     shell_quoted(out.string()) + " --json");
    const auto via_analyze = run_edx(dir.path(), "analyze " + example("dgs_piriformis_left", ".h5") + " --clinical " +
                                                     example("dgs_piriformis_left", ".case.json") + " --json");
    INFO(via_results.err << via_analyze.err);
    REQUIRE(via_results.status == 0);
    REQUIRE(via_analyze.status == 0);
    const auto a = json::parse(via_results.out);
    const auto b = json::parse(via_analyze.out).at("diagnosis");
    REQUIRE(a.at("posterior") == b.at("posterior"));
    REQUIRE(a.at("leading") == "deep_gluteal_syndrome");
}

TEST_CASE("edx analyze --clinical gives the diagnosis contract for each bundled example", "[cli][analyze]") {
    TempDir dir;
    const std::pair<const char*, const char*> cases[] = {{"dgs_piriformis_left", "deep_gluteal_syndrome"},
                                                         {"l5_radiculopathy_right", "lumbosacral_radiculopathy"},
                                                         {"normal", "other"}};
    for (const auto& [name, expected] : cases) {
        INFO(name);
        const auto run = run_edx(dir.path(), "analyze " + example(name, ".h5") + " --clinical " + example(name, ".case.json") + " --json");
        INFO(run.err);
        REQUIRE(run.status == 0);
        const auto d = json::parse(run.out).at("diagnosis");
        for (const char* key : {"posterior", "subtypes", "contributions", "red_flags", "next_steps", "assumptions", "notice"}) {
            REQUIRE(d.contains(key));
        }
        for (const auto& [h, p] : d.at("posterior").items()) {
            INFO(h);
            REQUIRE(p.at("ci95").size() == 2);
            REQUIRE(p.at("ci95")[0].get<double>() <= p.at("mean").get<double>());
            REQUIRE(p.at("mean").get<double>() <= p.at("ci95")[1].get<double>());
        }
        REQUIRE(d.at("leading") == expected);
        const auto text = run_edx(dir.path(), "analyze " + example(name, ".h5") + " --clinical " + example(name, ".case.json"));
        REQUIRE(text.status == 0);
        REQUIRE(text.out.find("not a diagnosis") != std::string::npos);
        REQUIRE(text.out.find("electrodiagnostic markers") != std::string::npos);
        REQUIRE(text.out.find("posterior probability") != std::string::npos);
    }
}

TEST_CASE("edx analyze refuses a bad case file naming the field, and writes nothing", "[cli][analyze]") {
    TempDir dir;
    const auto bad = dir / "bad.case.json";
    {
        std::ifstream in(examples / "dgs_piriformis_left.case.json");
        json c = json::parse(in);
        c["examination"]["seated_piriformis_stretch"] = "maybe";
        std::ofstream(bad) << c.dump();
    }
    const auto out = dir / "results.h5";
    const auto run = run_edx(dir.path(), "analyze " + example("dgs_piriformis_left", ".h5") + " --clinical " +
                                             shell_quoted(bad.string()) + " --out " + shell_quoted(out.string()));
    REQUIRE(run.status == 2);
    REQUIRE(run.err.find("examination.seated_piriformis_stretch") != std::string::npos);
    REQUIRE_FALSE(std::filesystem::exists(out));
}
