#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/edx_runner.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;

namespace {
const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";
std::string example(const char* name, const char* ext) { return shell_quoted((examples / (std::string(name) + ext)).string()); }
std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("edx report writes the case's HTML page from the file edx analyze --out wrote", "[cli][report]") {
    TempDir dir;
    const auto results = dir / "results.h5";
    const auto page = dir / "case.html";
    auto run = run_edx(dir.path(), "analyze " + example("dgs_piriformis_left", ".h5") + " --clinical " +
                                       example("dgs_piriformis_left", ".case.json") + " --out " + shell_quoted(results.string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    run = run_edx(dir.path(), "report " + shell_quoted(results.string()) + " --html " + shell_quoted(page.string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    REQUIRE(run.out.find("report written to " + page.string()) != std::string::npos);
    const std::string html = read(page);
    REQUIRE(html.find("Decision support for a clinical neurophysiologist, not a diagnosis.") != std::string::npos);
    REQUIRE(html.find("EX-DGS-01") != std::string::npos);
    REQUIRE(html.find("data-plot=\"fair-time-course\"") != std::string::npos);
}

TEST_CASE("edx report refuses a study without a results document and a missing --html, with exit status 2", "[cli][report]") {
    TempDir dir;
    auto run = run_edx(dir.path(), "report " + example("dgs_piriformis_left", ".h5") + " --html " + shell_quoted((dir / "x.html").string()));
    REQUIRE(run.status == 2);
    REQUIRE(run.err.find("no results document") != std::string::npos);
    REQUIRE_FALSE(std::filesystem::exists(dir / "x.html"));
    run = run_edx(dir.path(), "report " + example("dgs_piriformis_left", ".h5"));
    REQUIRE(run.status == 2);
    REQUIRE(run.err.find("--html") != std::string::npos);
}
