#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "diagnosis/synthetic_model.hpp"
#include "edx/diagnosis/evidence_model.hpp"

using namespace edx::diagnosis;
using nlohmann::json;

namespace {
double p_positive(const EvidenceModel& m, const char* finding, const char* leaf, std::optional<double> age = std::nullopt) {
    return m.probability_positive(m.finding_index(finding), m.leaf_index(leaf), m.point_values(), age);
}
}  // namespace

TEST_CASE("a leaf takes its own key, then its smallest class, then 'otherwise'", "[diagnosis][model]") {
    const auto m = EvidenceModel::from_json(test::synthetic_model_json(), "synthetic");
    REQUIRE(p_positive(m, "t1", "a1") == 0.5);        // own key
    REQUIRE(p_positive(m, "t1", "a2") == 0.8);        // class aa
    REQUIRE(p_positive(m, "t1", "b") == Approx(0.1).epsilon(1e-15));  // otherwise, complement of 0.9
    REQUIRE(m.findings[m.finding_index("t1")].positive_given[m.leaf_index("b")].key == "otherwise");
    const auto prior = m.leaf_prior({0.4, 0.6});
    REQUIRE(prior[m.leaf_index("a1")] == Approx(0.1).epsilon(1e-15));
    REQUIRE(prior[m.leaf_index("a2")] == Approx(0.3).epsilon(1e-15));
    REQUIRE(prior[m.leaf_index("b")] == Approx(0.6).epsilon(1e-15));
}

TEST_CASE("a malformed evidence model is refused with the JSON path of the fault", "[diagnosis][model]") {
    const auto refuse = [](const std::function<void(json&)>& edit, const std::string& expected) {
        json t = test::synthetic_model_json();
        edit(t);
        INFO(expected);
        REQUIRE_THROWS_WITH(EvidenceModel::from_json(t, "m.json"), Catch::Contains(expected));
    };
    refuse([](json& t) { t["findings"]["t2"]["positive_given"].erase("b"); },
           "m.json: /findings/t2/positive_given: gives no probability for 'b'");
    refuse([](json& t) { t["findings"]["t2"]["positive_given"]["zz"] = "p_low"; },
           "/findings/t2/positive_given/zz: is not a leaf or class any leaf takes");
    refuse([](json& t) { t["findings"]["t2"]["positive_given"]["b"] = "p_none"; }, "names no parameter 'p_none'");
    refuse([](json& t) { t["priors"]["ctx"]["b"]["value"] = 0.5; }, "/priors/ctx: the priors sum to 0.9");
    refuse([](json& t) { t["subtype_priors"]["a1"]["value"] = 0.5; }, "the subtypes of 'a' sum to 1.25");
    refuse([](json& t) { t["parameters"]["p_mid"]["source"] = "Nobody"; }, "/parameters/p_mid/source: 'Nobody' is not in /sources");
    refuse([](json& t) { t["parameters"]["p_mid"]["status"] = "likely"; }, "/parameters/p_mid/status");
    refuse([](json& t) { t["parameters"]["p_mid"]["ci95"] = json::array({0.6, 0.7}); }, "/parameters/p_mid: ");
    refuse([](json& t) { t["findings"]["t1"]["group"] = "g9"; }, "'g9' is not in /groups");
    refuse([](json& t) {
        t["groups"]["g1"]["exclusive"] = true;  // t1 and t3 sum to 1.6 for a2
    }, "/groups/g1: its exclusive states sum to");
    refuse([](json& t) { t["priors"]["custom"] = t["priors"]["ctx"]; }, "'custom' is reserved");
}

TEST_CASE("the bundled model expresses the stated mappings of published accuracies", "[diagnosis][model]") {
    const auto& m = EvidenceModel::bundled();
    // Straight leg raise: Hopayian's share for piriformis, Martin14 for other
    // sciatic entrapment, Cochrane for radiculopathy, the bracketing assumption for neither.
    REQUIRE(p_positive(m, "straight_leg_raise", "piriformis") == 0.41);
    REQUIRE(p_positive(m, "straight_leg_raise", "ischiofemoral_impingement") == 0.15);
    REQUIRE(p_positive(m, "straight_leg_raise", "l5_radiculopathy") == 0.92);
    REQUIRE(p_positive(m, "straight_leg_raise", "s1_radiculopathy") == 0.92);
    REQUIRE(p_positive(m, "straight_leg_raise", "pudendal_entrapment") == Approx(0.05).epsilon(1e-12));
    REQUIRE(p_positive(m, "straight_leg_raise", "other") == 0.385);
    // Martin14 tests: sensitivity for every sciatic entrapment, 1 - specificity elsewhere.
    for (const char* leaf : {"piriformis", "gemelli_obturator_internus", "proximal_hamstring", "other_sciatic_entrapment"}) {
        REQUIRE(p_positive(m, "active_piriformis", leaf) == 0.78);
        REQUIRE(p_positive(m, "seated_piriformis_stretch", leaf) == 0.52);
        REQUIRE(p_positive(m, "active_piriformis_or_seated_stretch", leaf) == 0.91);
    }
    for (const char* leaf : {"pudendal_entrapment", "l5_radiculopathy", "s1_radiculopathy", "other"}) {
        REQUIRE(p_positive(m, "active_piriformis", leaf) == Approx(0.20).epsilon(1e-12));
        REQUIRE(p_positive(m, "seated_piriformis_stretch", leaf) == Approx(0.10).epsilon(1e-12));
    }
    // FAIR: Fishman's accuracy.
    REQUIRE(p_positive(m, "fair_h_delay", "piriformis") == 0.881);
    REQUIRE(m.findings[m.finding_index("fair_h_delay")].positive_given[m.leaf_index("piriformis")].mapping.status == "verified");
    REQUIRE(m.findings[m.finding_index("fair_h_delay")].positive_given[m.leaf_index("proximal_hamstring")].mapping.status == "assumption");
    REQUIRE(p_positive(m, "fair_h_delay", "l5_radiculopathy") == Approx(0.168).epsilon(1e-12));
    // Subtype tests update their own subtype only.
    REQUIRE(p_positive(m, "ischiofemoral_impingement_test", "ischiofemoral_impingement") == 0.82);
    REQUIRE(p_positive(m, "ischiofemoral_impingement_test", "piriformis") == Approx(0.15).epsilon(1e-12));
    REQUIRE(p_positive(m, "active_hamstring", "proximal_hamstring") == 0.84);
    REQUIRE(p_positive(m, "active_hamstring", "l5_radiculopathy") == Approx(0.03).epsilon(1e-12));
}

TEST_CASE("over 60 a reduced superficial peroneal SNAP is as common as in healthy people of that age", "[diagnosis][model]") {
    const auto& m = EvidenceModel::bundled();
    // Ho04: 1.6% at 60 or less, 27.3% over 60. A leaf with only the background gets exactly 0.273.
    REQUIRE(p_positive(m, "superficial_peroneal_snap_reduced", "other", 45.0) == Approx(0.016).epsilon(1e-12));
    REQUIRE(p_positive(m, "superficial_peroneal_snap_reduced", "other", 70.0) == Approx(0.273).epsilon(1e-12));
    const double excess = (0.273 - 0.016) / (1.0 - 0.016);
    REQUIRE(p_positive(m, "superficial_peroneal_snap_reduced", "l5_radiculopathy", 70.0) ==
            Approx(1.0 - (1.0 - 0.121) * (1.0 - excess)).epsilon(1e-12));
    REQUIRE(p_positive(m, "superficial_peroneal_snap_reduced", "l5_radiculopathy") == 0.121);  // age unknown
}

TEST_CASE("the bundled model is complete: priors, groups, red flags and next steps", "[diagnosis][model]") {
    const auto& m = EvidenceModel::bundled();
    REQUIRE(m.top.size() == 4);
    REQUIRE(m.leaves.size() == 9);
    for (const char* ctx : {"sciatica_no_lumbar_lesion", "chronic_low_back_pain", "all_sciatica"}) {
        double sum = 0.0;
        for (const auto& v : m.referral_prior(ctx).top) {
            REQUIRE(!v.provenance.sources.empty());
            sum += v.value;
        }
        REQUIRE(sum == Approx(1.0).epsilon(1e-9));
        double leaves = 0.0;
        std::vector<double> tp;
        for (const auto& v : m.referral_prior(ctx).top) tp.push_back(v.value);
        for (double p : m.leaf_prior(tp)) leaves += p;
        REQUIRE(leaves == Approx(1.0).epsilon(1e-9));
    }
    // Every mapping has a provenance with a known status and a source the table lists.
    for (const auto& f : m.findings) {
        for (const auto& lk : f.positive_given) {
            INFO(f.id << " / " << lk.key);
            REQUIRE(!lk.mapping.sources.empty());
            for (const auto& s : lk.mapping.sources) REQUIRE(m.sources.count(s) == 1);
        }
    }
    // The Table I combined rows replace their parts.
    const auto& piri = m.groups[m.group_index("piriformis_provocation")];
    REQUIRE(piri.combined.size() == 1);
    REQUIRE(piri.combined[0].any);
    const auto& ifi = m.groups[m.group_index("ischiofemoral_tests")];
    REQUIRE(ifi.combined.size() == 1);
    REQUIRE_FALSE(ifi.combined[0].any);
    for (const char* flag : {"mass_lesion", "progressive_motor_deficit", "saddle_anaesthesia", "bladder_dysfunction"}) {
        REQUIRE(m.red_flag(flag).urgent);
    }
    REQUIRE_FALSE(m.red_flag("cancer_history").urgent);
    for (const auto& s : m.next_steps) REQUIRE(!s.provenance.sources.empty());
    REQUIRE(m.timing_weeks.at("limb_denervation_weeks") == 3.0);
}
