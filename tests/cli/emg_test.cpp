#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;

namespace {

nlohmann::json emg_json(const TempDir& dir, const std::string& example, const std::string& extra = "") {
    const auto file = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples" / (example + ".h5");
    const auto run = run_edx(dir.path(), "emg --json " + shell_quoted(file.string()) + extra);
    INFO(run.err);
    REQUIRE(run.status == 0);
    return nlohmann::json::parse(run.out);
}

}  // namespace

TEST_CASE("edx emg localises the bundled examples to their lesions", "[cli][emg]") {
    TempDir dir;
    // Deep gluteal syndrome: peroneal division with BFSH, gluteals and paraspinals spared.
    const auto dgs = emg_json(dir, "dgs_piriformis_left");
    REQUIRE(dgs.at("localisation").size() == 1);
    REQUIRE(dgs.at("localisation")[0].at("side") == "left");
    REQUIRE(dgs.at("localisation")[0].at("ranked")[0].at("site") == "sciatic_deep_gluteal");
    REQUIRE(dgs.at("recordings").size() == 9);
    // L5 radiculopathy.
    const auto l5 = emg_json(dir, "l5_radiculopathy_right");
    REQUIRE(l5.at("localisation")[0].at("ranked")[0].at("site") == "L5_root");
    // Normal: no lesion, every muscle without denervation.
    const auto normal = emg_json(dir, "normal");
    REQUIRE(normal.at("localisation")[0].at("ranked")[0].at("site") == "none");
    for (const auto& r : normal.at("recordings")) {
        REQUIRE(r.at("spontaneous").at("grade") == 0);
        REQUIRE(r.at("call") != "neuropathic");
    }
}

TEST_CASE("edx emg takes SNAP findings and the needle type, and prints text", "[cli][emg]") {
    TempDir dir;
    const auto file = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples" / "dgs_piriformis_left.h5";
    const auto with_snaps = emg_json(dir, "dgs_piriformis_left", " --snap sural:left:0.4 --snap superficial_peroneal:left:reduced");
    REQUIRE(with_snaps.at("snaps").size() == 2);
    REQUIRE(with_snaps.at("localisation")[0].at("ranked")[0].at("site") == "sciatic_deep_gluteal");
    const auto mono = emg_json(dir, "normal", " --needle monopolar");
    REQUIRE(mono.at("recordings")[0].at("needle").at("type") == "monopolar");
    REQUIRE(mono.at("recordings")[0].at("needle").at("assumed") == false);

    const auto text = run_edx(dir.path(), "emg " + shell_quoted(file.string()));
    REQUIRE(text.status == 0);
    REQUIRE(text.out.find("sciatic nerve in the deep gluteal space") != std::string::npos);
    REQUIRE(text.out.find("call: neuropathic") != std::string::npos);

    REQUIRE(run_edx(dir.path(), "emg " + shell_quoted(file.string()) + " --snap sural:up:0.4").status == 2);
    REQUIRE(run_edx(dir.path(), "emg " + shell_quoted(file.string()) + " --needle bipolar").status == 2);
    REQUIRE(run_edx(dir.path(), "emg " + shell_quoted((dir / "missing.h5").string())).status == 2);
}

TEST_CASE("edx analyze includes the needle-EMG results", "[cli][emg]") {
    TempDir dir;
    const auto file = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples" / "dgs_piriformis_left.h5";
    const auto run = run_edx(dir.path(), "analyze --json " + shell_quoted(file.string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    const auto doc = nlohmann::json::parse(run.out);
    REQUIRE(doc.contains("emg"));
    REQUIRE(doc.at("emg").at("localisation")[0].at("ranked")[0].at("site") == "sciatic_deep_gluteal");
    const auto text = run_edx(dir.path(), "analyze " + shell_quoted(file.string()));
    REQUIRE(text.status == 0);
    REQUIRE(text.out.find("needle EMG") != std::string::npos);
}
