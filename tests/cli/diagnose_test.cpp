#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/io/layout_writer.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;
using nlohmann::json;

namespace {
const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";

std::string example_case(const char* name) { return shell_quoted((examples / (std::string(name) + ".case.json")).string()); }

// The bundled study with a results document beside its recordings, as edx analyze writes it.
std::filesystem::path results_file(const TempDir& dir, const json& document) {
    edx::Study study = edx::LayoutReader(examples / "dgs_piriformis_left.h5").read_study();
    study.results_json = document.dump();
    const auto file = dir / "results.h5";
    edx::write_study(study, file);
    return file;
}

json dgs_markers() {
    return json::parse(R"({"edx_findings": {"version": 1, "left": {
        "fair_delay": {"status": "ok", "side": "left", "positive": true, "delay_ms": 2.9, "delay_ci95_ms": [2.4, 3.4], "significant": true},
        "peroneal_division_denervation_pattern": true, "paraspinal_spontaneous_activity": false, "gluteal_involvement": false,
        "sural_snap_reduced": true, "superficial_peroneal_snap_reduced": true, "h_side_to_side_abnormal": false}}})");
}
}  // namespace

TEST_CASE("edx diagnose calls the bundled examples as built", "[cli][diagnose]") {
    TempDir dir;
    const std::pair<const char*, const char*> cases[] = {
        {"dgs_piriformis_left", "deep_gluteal_syndrome"},
        {"l5_radiculopathy_right", "lumbosacral_radiculopathy"},
        {"normal", "other"},
    };
    for (const auto& [name, leading] : cases) {
        INFO(name);
        const auto run = run_edx(dir.path(), "diagnose --json --samples 2000 " + example_case(name));
        INFO(run.err);
        REQUIRE(run.status == 0);
        const auto doc = json::parse(run.out);
        REQUIRE(doc.at("leading") == leading);
        REQUIRE_THAT(doc.at("notice").get<std::string>(), Catch::Contains("not a diagnosis"));
        for (const char* key : {"posterior", "subtypes", "contributions", "red_flags", "next_steps", "assumptions"}) {
            REQUIRE(doc.contains(key));
        }
        const auto& p = doc.at("posterior").at(leading);
        REQUIRE(p.at("mean").get<double>() > 0.5);
        REQUIRE(p.at("ci95").size() == 2);
    }
    const auto text = run_edx(dir.path(), "diagnose " + example_case("dgs_piriformis_left"));
    REQUIRE(text.status == 0);
    REQUIRE(text.out.rfind("Decision support for a clinical neurophysiologist, not a diagnosis", 0) == 0);
    REQUIRE_THAT(text.out, Catch::Contains("most probable: deep gluteal syndrome"));
}

TEST_CASE("edx diagnose reads the EDX markers of the symptomatic leg from a results file", "[cli][diagnose]") {
    TempDir dir;
    const auto file = results_file(dir, dgs_markers());
    const auto with = run_edx(dir.path(), "diagnose --json --samples 2000 " + example_case("dgs_piriformis_left") +
                                              " --results " + shell_quoted(file.string()));
    INFO(with.err);
    REQUIRE(with.status == 0);
    const auto doc = json::parse(with.out);
    bool fair = false, emg = false;
    for (const auto& c : doc.at("contributions")) {
        fair = fair || c.at("finding") == "fair_h_delay";
        emg = emg || c.at("origin").get<std::string>().rfind("electrodiagnosis.", 0) == 0;
    }
    REQUIRE(fair);
    REQUIRE(emg);
    const auto without = json::parse(run_edx(dir.path(), "diagnose --json --samples 2000 " + example_case("dgs_piriformis_left")).out);
    REQUIRE(doc.at("posterior").at("deep_gluteal_syndrome").at("point").get<double>() >
            without.at("posterior").at("deep_gluteal_syndrome").at("point").get<double>());
}

TEST_CASE("edx diagnose refuses bad input with exit status 2 and names what is wrong", "[cli][diagnose]") {
    TempDir dir;
    SECTION("an invalid case file names the field") {
        std::ifstream in(examples / "normal.case.json");
        json c = json::parse(in);
        c["examination"]["seated_piriformis_stretch"] = "maybe";
        const auto file = dir / "bad.case.json";
        std::ofstream(file) << c.dump();
        const auto run = run_edx(dir.path(), "diagnose " + shell_quoted(file.string()));
        REQUIRE(run.status == 2);
        REQUIRE_THAT(run.err, Catch::Contains("bad.case.json: examination.seated_piriformis_stretch: must be positive, "
                                              "negative or not_done (not 'maybe')"));
        REQUIRE(run.out.empty());
    }
    SECTION("a case file that does not exist") {
        const auto run = run_edx(dir.path(), "diagnose " + shell_quoted((dir / "none.json").string()));
        REQUIRE(run.status == 2);
        REQUIRE_THAT(run.err, Catch::Contains("none.json: cannot be opened"));
    }
    SECTION("a results file without a results document") {
        const auto run = run_edx(dir.path(), "diagnose " + example_case("dgs_piriformis_left") + " --results " +
                                                 shell_quoted((examples / "dgs_piriformis_left.h5").string()));
        REQUIRE(run.status == 2);
        REQUIRE_THAT(run.err, Catch::Contains("/results/document: holds no results document"));
    }
    SECTION("a results document with a malformed marker") {
        json doc = dgs_markers();
        doc["edx_findings"]["left"]["gluteal_involvement"] = "yes";
        const auto file = results_file(dir, doc);
        const auto run = run_edx(dir.path(), "diagnose " + example_case("dgs_piriformis_left") + " --results " + shell_quoted(file.string()));
        REQUIRE(run.status == 2);
        REQUIRE_THAT(run.err, Catch::Contains("edx_findings.left.gluteal_involvement: must be true, false or null"));
    }
    SECTION("usage errors") {
        REQUIRE(run_edx(dir.path(), "diagnose").status == 2);
        const auto context = run_edx(dir.path(), "diagnose " + example_case("normal") + " --context sciatica");
        REQUIRE(context.status == 2);
        REQUIRE_THAT(context.err, Catch::Contains("--context must be one of"));
        REQUIRE(run_edx(dir.path(), "diagnose " + example_case("normal") + " --samples 5").status == 2);
    }
}

TEST_CASE("edx diagnose --context changes the prior the user chose", "[cli][diagnose]") {
    TempDir dir;
    const auto base = json::parse(run_edx(dir.path(), "diagnose --json --samples 500 " + example_case("normal")).out);
    const auto chronic = json::parse(
        run_edx(dir.path(), "diagnose --json --samples 500 --context chronic_low_back_pain " + example_case("normal")).out);
    REQUIRE(base.at("referral_context").at("id") == "all_sciatica");
    REQUIRE(chronic.at("referral_context").at("id") == "chronic_low_back_pain");
    REQUIRE(chronic.at("posterior").at("deep_gluteal_syndrome").at("prior").get<double>() == Approx(0.1915));
    REQUIRE(run_edx(dir.path(), "diagnose --help").status == 0);
}
