#include <catch2/catch.hpp>

#include <filesystem>

#include "edx/diagnosis/diagnosis_report.hpp"

using namespace edx::diagnosis;
using nlohmann::json;

namespace {
const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";

Diagnosis example(const char* name, const json& extra = json::object()) {
    auto doc = to_json(read_case_file(examples / (std::string(name) + ".case.json")));
    json d = doc;
    d.merge_patch(extra);
    DiagnosisOptions o;
    o.samples = 1000;
    return diagnose(EvidenceModel::bundled(), parse_case(d, name), {}, o);
}
}  // namespace

TEST_CASE("the JSON answer carries the output contract", "[diagnosis][report]") {
    const auto d = example("dgs_piriformis_left");
    const json j = json::parse(to_json(d).dump());
    REQUIRE_THAT(j.at("notice").get<std::string>(), Catch::Contains("not a diagnosis"));
    REQUIRE(j.at("probabilities_apply") == true);
    REQUIRE(j.at("leading") == "deep_gluteal_syndrome");
    for (const char* h : {"deep_gluteal_syndrome", "lumbosacral_radiculopathy", "l5_radiculopathy", "s1_radiculopathy", "other"}) {
        const auto& p = j.at("posterior").at(h);
        REQUIRE(p.at("ci95").size() == 2);
        REQUIRE(p.at("ci95")[0].get<double>() <= p.at("mean").get<double>());
        REQUIRE(p.at("mean").get<double>() <= p.at("ci95")[1].get<double>());
        REQUIRE(p.contains("point"));
        REQUIRE(p.contains("prior"));
    }
    REQUIRE(j.at("posterior").at("deep_gluteal_syndrome").at("mean").get<double>() ==
            d.hypothesis("deep_gluteal_syndrome").posterior.mean);
    REQUIRE(j.at("subtypes").size() == 6);
    REQUIRE(j.at("subtypes").at("piriformis").at("given_dgs").contains("ci95"));
    REQUIRE(!j.at("contributions").empty());
    for (const auto& c : j.at("contributions")) {
        REQUIRE(c.contains("finding"));
        REQUIRE(c.contains("favours"));
        REQUIRE(c.at("likelihood_ratios").contains("dgs_vs_radiculopathy"));
    }
    REQUIRE(!j.at("next_steps").empty());
    for (const auto& s : j.at("next_steps")) {
        for (const auto& key : s.at("sources")) REQUIRE(j.at("sources").contains(key.get<std::string>()));
    }
    REQUIRE(!j.at("assumptions").empty());
    REQUIRE(j.at("monte_carlo").at("samples") == 1000);
    REQUIRE(j.at("referral_context").at("id") == "sciatica_no_lumbar_lesion");
}

TEST_CASE("the text report opens with the notice and puts an urgent red flag first", "[diagnosis][report]") {
    const auto text = to_text(example("l5_radiculopathy_right", {{"history", {{"saddle_anaesthesia", "yes"}}}}));
    REQUIRE(text.rfind("Decision support for a clinical neurophysiologist, not a diagnosis", 0) == 0);
    const auto flags = text.find("RED FLAGS");
    REQUIRE(flags != std::string::npos);
    REQUIRE(text.find("URGENT  saddle anaesthesia") != std::string::npos);
    REQUIRE(text.find("THE PROBABILITIES BELOW DO NOT APPLY") != std::string::npos);
    REQUIRE(flags < text.find("posterior probability"));

    const auto plain = to_text(example("normal"));
    REQUIRE(plain.find("RED FLAGS") == std::string::npos);
    REQUIRE(plain.find("most probable: neither") != std::string::npos);
    REQUIRE(plain.find("assumptions") != std::string::npos);
}
