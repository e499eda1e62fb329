#include <catch2/catch.hpp>

#include "edx/diagnosis/edx_findings.hpp"

using namespace edx::diagnosis;
using nlohmann::json;

namespace {
// A results document as edx analyze is expected to write it: the left leg with
// a FAIR analysis in the shape of edx::evoked::to_json(FairAnalysis) (with keys
// the diagnosis does not read), the right leg with a FAIR analysis short of data.
json results_document() {
    return json::parse(R"({
      "file": "study.h5",
      "edx_findings": {
        "version": 1,
        "left": {
          "fair_delay": {"name": "soleus_h_left", "side": "left", "status": "ok", "shortfall": "none",
                         "delay_ms": 2.91, "delay_ci95_ms": [2.40, 3.35], "positive": true, "significant": true,
                         "p_value": 0.0002, "criterion_ms": 1.86, "counts": {"sweeps": 30}},
          "peroneal_division_denervation_pattern": true,
          "paraspinal_spontaneous_activity": false,
          "gluteal_involvement": false,
          "sural_snap_reduced": null,
          "superficial_peroneal_snap_reduced": true,
          "h_side_to_side_abnormal": false
        },
        "right": {
          "fair_delay": {"side": "right", "status": "insufficient_data", "positive": null, "delay_ms": null},
          "paraspinal_spontaneous_activity": false
        }
      }
    })");
}
}  // namespace

TEST_CASE("the markers of the symptomatic leg are read from a results document", "[diagnosis][edx]") {
    const auto left = edx_findings_from_results(results_document(), "left");
    REQUIRE(left.fair_delay.has_value());
    REQUIRE(left.fair_delay->positive);
    REQUIRE(left.fair_delay->delay_ms == 2.91);
    REQUIRE(left.fair_delay->ci95_lo_ms == 2.40);
    REQUIRE(left.fair_delay->ci95_hi_ms == 3.35);
    REQUIRE(left.fair_delay->significant == true);
    REQUIRE(left.peroneal_division_denervation_pattern == true);
    REQUIRE(left.paraspinal_spontaneous_activity == false);
    REQUIRE(left.gluteal_involvement == false);
    REQUIRE_FALSE(left.sural_snap_reduced.has_value());  // null: not done
    REQUIRE(left.superficial_peroneal_snap_reduced == true);
    REQUIRE(left.h_side_to_side_abnormal == false);
    REQUIRE(left.known_count() == 6);

    // A FAIR analysis short of data is not a verdict: not done.
    const auto right = edx_findings_from_results(results_document(), "right");
    REQUIRE_FALSE(right.fair_delay.has_value());
    REQUIRE(right.paraspinal_spontaneous_activity == false);
    REQUIRE(right.known_count() == 1);

    // No edx_findings (an older results file): nothing known, no error.
    REQUIRE(edx_findings_from_results(json{{"file", "x.h5"}}, "left").empty());
}

TEST_CASE("a results document that breaks the expected shape is refused with the key path", "[diagnosis][edx]") {
    const auto refuse = [](const std::function<void(json&)>& edit, const std::string& expected) {
        json doc = results_document();
        edit(doc);
        INFO(expected);
        REQUIRE_THROWS_WITH(edx_findings_from_results(doc, "left"), Catch::Contains(expected));
    };
    refuse([](json& d) { d["edx_findings"]["left"]["gluteal_involvement"] = "yes"; },
           "edx_findings.left.gluteal_involvement: must be true, false or null");
    refuse([](json& d) { d["edx_findings"]["left"]["glutael_involvement"] = true; },
           "edx_findings.left.glutael_involvement: is not a known marker");
    refuse([](json& d) { d["edx_findings"]["version"] = 2; }, "edx_findings.version: must be 1");
    refuse([](json& d) { d["edx_findings"]["both"] = json::object(); }, "edx_findings.both: is not a known key");
    refuse([](json& d) { d["edx_findings"]["left"]["fair_delay"]["delay_ci95_ms"] = {3.0, 2.0}; },
           "edx_findings.left.fair_delay.delay_ci95_ms");
    refuse([](json& d) { d["edx_findings"]["left"]["fair_delay"]["side"] = "right"; },
           "edx_findings.left.fair_delay.side: is 'right', not left");
    refuse([](json& d) { d["edx_findings"]["left"]["fair_delay"]["status"] = "done"; },
           "edx_findings.left.fair_delay.status");
    REQUIRE_THROWS_AS(edx_findings_from_results(results_document(), "both"), std::invalid_argument);
}

TEST_CASE("findings written in the results shape read back unchanged", "[diagnosis][edx]") {
    EdxFindings f;
    f.fair_delay = FairDelayFinding{false, 0.8, 0.3, 1.2, true, "right"};
    f.gluteal_involvement = true;
    f.h_side_to_side_abnormal = false;
    json doc;
    doc["edx_findings"]["right"] = to_results_json(f);
    const auto back = edx_findings_from_results(doc, "right");
    REQUIRE(back.fair_delay->positive == false);
    REQUIRE(back.fair_delay->delay_ms == 0.8);
    REQUIRE(back.fair_delay->ci95_lo_ms == 0.3);
    REQUIRE(back.fair_delay->ci95_hi_ms == 1.2);
    REQUIRE(back.gluteal_involvement == true);
    REQUIRE(back.h_side_to_side_abnormal == false);
    REQUIRE_FALSE(back.paraspinal_spontaneous_activity.has_value());
}

TEST_CASE("the clinician's entries win over the analysis, and each disagreement is named", "[diagnosis][edx]") {
    EdxFindings analysis;
    analysis.gluteal_involvement = true;
    analysis.sural_snap_reduced = false;
    analysis.fair_delay = FairDelayFinding{true, 2.5, std::nullopt, std::nullopt, std::nullopt, "left"};
    EdxFindings clinician;
    clinician.gluteal_involvement = false;  // disagrees
    clinician.sural_snap_reduced = false;   // agrees
    clinician.paraspinal_spontaneous_activity = true;  // only the clinician
    const auto merged = merge_edx_findings(clinician, analysis);
    REQUIRE(merged.findings.gluteal_involvement == false);
    REQUIRE(merged.findings.sural_snap_reduced == false);
    REQUIRE(merged.findings.paraspinal_spontaneous_activity == true);
    REQUIRE(merged.findings.fair_delay->positive);  // only the analysis
    REQUIRE(merged.overridden.size() == 1);
    REQUIRE(merged.overridden[0] == "gluteal_involvement: case file says negative, analysis positive");
}
