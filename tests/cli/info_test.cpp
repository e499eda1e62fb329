#include <catch2/catch.hpp>


#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "io/hdf5_test_file.hpp"
#include "io/invalid_layouts.hpp"

using namespace edx::test;

namespace {

EdxRun run_edx(const TempDir& dir, const std::string& args) { return edx::test::run_edx(dir.path(), args); }
std::string quoted(const std::string& text) { return shell_quoted(text); }

}  // namespace

TEST_CASE("edx info exits 2 with the file, object and rule on stderr for every invalid layout", "[cli][info]") {
    TempDir dir;
    std::size_t index = 0;
    for (const auto& c : invalid_layouts()) {
        const auto file = dir / ("case" + std::to_string(index++) + ".h5");
        DYNAMIC_SECTION(c.name) {
            write_invalid_layout(c, file);
            const EdxRun run = run_edx(dir, "info " + quoted(file.string()));
            INFO(run.err);
            CHECK(run.status == 2);
            CHECK(run.out.empty());
            CHECK_THAT(run.err, Catch::StartsWith("edx info: " + file.string() + ": "));
            CHECK_THAT(run.err, Catch::Contains(c.object.empty() ? file.string() : file.string() + ": " + c.object + ": "));
            CHECK_THAT(run.err, Catch::Contains(c.rule));
            CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);  // one line
        }
    }
}

TEST_CASE("edx info describes a valid file in text and exits 0", "[cli][info]") {
    TempDir dir;
    const auto file = dir / "valid.h5";
    {
        Hdf5TestFile f(file);
        write_valid_layout(f);
    }
    const EdxRun run = run_edx(dir, "info " + quoted(file.string()));
    INFO(run.out << run.err);
    REQUIRE(run.status == 0);
    REQUIRE(run.err.empty());
    CHECK_THAT(run.out, Catch::Contains("recordings  2"));
    CHECK_THAT(run.out, Catch::Contains("\ncont\n  kind        needle_emg, continuous"));
    CHECK_THAT(run.out, Catch::Contains("10000 Hz, 2 channels, 1000 frames, duration 0.100 s"));
    CHECK_THAT(run.out, Catch::Contains("stimuli     3, 0.010 to 0.050 s, intensity 1 to 3 mA"));
    CHECK_THAT(run.out, Catch::Contains("markers     2: contraction=rest at 0.000 s, contraction=minimal at 0.050 s"));
    CHECK_THAT(run.out, Catch::Contains("chunks 100 x 2, filters shuffle, deflate(4)"));
    CHECK_THAT(run.out, Catch::Contains("\nswp\n  kind        h_reflex, sweeps"));
    CHECK_THAT(run.out, Catch::Contains("4 sweeps of 200 samples (20.00 ms), pre-trigger 5.00 ms"));
    CHECK_THAT(run.out, Catch::Contains("stored in mV as int16, scale 0.001, offset 0"));
}

TEST_CASE("edx info --json gives one document with the recordings and their non-finite samples", "[cli][info]") {
    TempDir dir;
    const auto fixture = std::filesystem::path(EDX_SOURCE_DIR) / "signals/fixtures/h5py_layout_v1.h5";
    const EdxRun run = run_edx(dir, "info --json " + quoted(fixture.string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    const auto doc = nlohmann::json::parse(run.out);
    REQUIRE(doc.at("format_version") == 1);
    REQUIRE(doc.at("subject").at("height_cm") == 168.5);
    REQUIRE(doc.at("recordings").size() == 3);
    nlohmann::json needle;
    nlohmann::json sweeps;
    for (const auto& r : doc.at("recordings")) {
        if (r.at("name") == "gluteus_needle_f64") needle = r;
        if (r.at("name") == "soleus_h_sweeps_i32be") sweeps = r;
    }
    REQUIRE(needle.at("units") == "uV");
    REQUIRE(needle.at("duration_s") == Approx(0.2));
    REQUIRE(needle.at("non_finite").at("count") == 4);
    REQUIRE(needle.at("non_finite").at("run_count") == 2);
    const auto& first = needle.at("non_finite").at("runs_listed").at(0);
    REQUIRE(first.at("first_sample") == 100);
    REQUIRE(first.at("length") == 3);
    REQUIRE(first.at("first_time_s") == Approx(0.01));
    REQUIRE(needle.at("markers").at("structured").at(1).at("value") == "minimal");
    REQUIRE(needle.at("markers").at("other").at(0).at("label") == "needle moved");
    REQUIRE(sweeps.at("sweep_count") == 20);
    REQUIRE(sweeps.at("pre_trigger_s") == 0.01);
    REQUIRE(sweeps.at("stimuli").at("intensity_min_ma") == 5.0);
    REQUIRE(sweeps.at("stimuli").at("intensity_max_ma") == 14.5);
    REQUIRE(sweeps.at("storage").at("byte_order") == "big");
    REQUIRE(sweeps.at("storage").at("type") == "int32");
}

TEST_CASE("edx info usage errors exit 2, --help exits 0", "[cli][info]") {
    TempDir dir;
    CHECK(run_edx(dir, "info").status == 2);
    const EdxRun missing = run_edx(dir, "info " + quoted((dir / "nope.h5").string()));
    CHECK(missing.status == 2);
    CHECK_THAT(missing.err, Catch::Contains("no such file"));
    const EdxRun help = run_edx(dir, "info --help");
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::Contains("--json"));
}
