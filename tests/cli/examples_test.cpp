#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;

TEST_CASE("every bundled example opens with edx info and has a truth file naming its recordings", "[cli][examples]") {
    const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";
    TempDir dir;
    std::set<std::string> cases;
    for (const auto& entry : std::filesystem::directory_iterator(examples)) {
        if (entry.path().extension() != ".h5") continue;
        const auto file = entry.path();
        cases.insert(file.stem().string());
        DYNAMIC_SECTION(file.filename().string()) {
            const auto info = run_edx(dir.path(), "info --json " + shell_quoted(file.string()));
            INFO(info.err);
            REQUIRE(info.status == 0);
            const auto doc = nlohmann::json::parse(info.out);

            std::ifstream in(examples / (file.stem().string() + ".truth.json"));
            REQUIRE(in.good());
            const auto truth = nlohmann::json::parse(in);
            std::set<std::string> in_file, in_truth;
            for (const auto& r : doc.at("recordings")) {
                in_file.insert(r.at("name").get<std::string>());
                REQUIRE(r.at("non_finite").at("count") == 0);
            }
            for (const auto& [name, t] : truth.at("recordings").items()) in_truth.insert(name);
            REQUIRE(in_file == in_truth);
        }
    }
    // The README's cases: a deep gluteal syndrome, an L5 radiculopathy and a normal study.
    REQUIRE(cases.count("dgs_piriformis_left") == 1);
    REQUIRE(cases.count("l5_radiculopathy_right") == 1);
    REQUIRE(cases.count("normal") == 1);
}
