#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "edx/io/layout_reader.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;

namespace {
std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

TEST_CASE("edx simulate writes a valid study and a truth file that describes every recording", "[cli][simulate]") {
    TempDir dir;
    const auto file = dir / "l5.h5";
    const auto run = run_edx(dir.path(), "simulate --out " + shell_quoted(file.string()) +
                                             " --lesion L5_root --side right --seed 7 --storage int16 --rest-s 4 --minimal-s 4");
    INFO(run.err);
    REQUIRE(run.status == 0);
    REQUIRE(run.out.find("l5.truth.json") != std::string::npos);

    const edx::LayoutReader reader(file);
    const auto truth = nlohmann::json::parse(slurp(dir / "l5.truth.json"));
    REQUIRE(truth.at("spec").at("lesion") == "L5_root");
    REQUIRE(truth.at("recordings").size() == reader.recording_names().size());
    for (const auto& name : reader.recording_names()) {
        INFO(name);
        REQUIRE(truth.at("recordings").contains(name));
        const auto header = reader.header(name);
        REQUIRE(header.storage.type == "int16");
        REQUIRE(reader.scan_non_finite(name).count == 0);
    }
    REQUIRE(reader.header("tibialis_anterior_right").info.side == "right");
    // An L5 lesion leaves the S1 paraspinals and medial gastrocnemius without fibrillations.
    REQUIRE(truth.at("recordings").at("medial_gastrocnemius_right").at("spontaneous").at("grade") == 0);
    REQUIRE(truth.at("recordings").at("tibialis_posterior_right").at("spontaneous").at("grade").get<int>() > 0);

    const auto info = run_edx(dir.path(), "info " + shell_quoted(file.string()));
    REQUIRE(info.status == 0);
}

TEST_CASE("edx simulate gives the same files for the same seed", "[cli][simulate]") {
    TempDir dir;
    for (const char* name : {"a", "b"}) {
        const auto run = run_edx(dir.path(), "simulate --only h_reflex --seed 4 --out " +
                                                 shell_quoted((dir / (std::string(name) + ".h5")).string()));
        REQUIRE(run.status == 0);
    }
    REQUIRE(slurp(dir / "a.truth.json") == slurp(dir / "b.truth.json"));
    const auto a = edx::LayoutReader(dir / "a.h5").read_study();
    const auto b = edx::LayoutReader(dir / "b.h5").read_study();
    REQUIRE(a.recordings.size() == 2);
    for (std::size_t i = 0; i < a.recordings.size(); ++i) REQUIRE(a.recordings[i].samples == b.recordings[i].samples);
}

TEST_CASE("edx simulate refuses bad options with exit status 2 and writes nothing", "[cli][simulate]") {
    TempDir dir;
    const auto out = shell_quoted((dir / "x.h5").string());
    for (const std::string& args : {"--lesion disc --out " + out, "--axon-loss 2 --out " + out, "--side up --out " + out,
                                   "--storage int8 --out " + out, "--only emg --out " + out, std::string("--seed 3")}) {
        INFO(args);
        const auto run = run_edx(dir.path(), "simulate " + args);
        REQUIRE(run.status == 2);
        REQUIRE(run.err.find("edx simulate: ") == 0);
        REQUIRE_FALSE(std::filesystem::exists(dir / "x.h5"));
    }
}
