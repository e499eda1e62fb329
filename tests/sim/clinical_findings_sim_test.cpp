#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "edx/sim/clinical_findings_sim.hpp"

using namespace edx::sim;

namespace {
struct Rates {
    int n = 0;
    std::map<std::string, int> positive;  // "examination.x" -> count positive among done
    std::map<std::string, int> done;
    int either_martin = 0, both_ifi = 0;
    std::map<std::string, int> tenderness;
};

Rates draw(ClinicalCondition condition, int n, const std::string& sex = "female") {
    Rates r;
    r.n = n;
    for (int i = 0; i < n; ++i) {
        ClinicalCaseSpec spec;
        spec.condition = condition;
        spec.sex = sex;
        spec.pelvic_mri_done_probability = 1.0;
        const auto c = simulate_clinical_case(spec, 1000 + static_cast<std::uint64_t>(i));
        for (const char* section : {"examination", "history", "imaging"}) {
            for (const auto& [name, v] : c.document.at(section).items()) {
                const std::string key = std::string(section) + "." + name;
                if (name == "tenderness_location") {
                    r.tenderness[v.get<std::string>()] += 1;
                    continue;
                }
                if (name == "symptom_duration_weeks") continue;
                r.done[key] += 1;
                r.positive[key] += (v == "positive" || v == "yes" || v == "compressive_lesion") ? 1 : 0;
            }
        }
        const auto& e = c.document.at("examination");
        r.either_martin += (e.at("active_piriformis") == "positive" || e.at("seated_piriformis_stretch") == "positive") ? 1 : 0;
        r.both_ifi += (e.at("ischiofemoral_impingement_test") == "positive" && e.at("long_stride_walking") == "positive") ? 1 : 0;
    }
    return r;
}

// |observed share - p| within 4 binomial SD.
void require_rate(int count, int n, double p, const std::string& what) {
    const double sd = std::sqrt(p * (1.0 - p) / n);
    INFO(what << ": " << count << " of " << n << ", expected " << p);
    REQUIRE(std::abs(static_cast<double>(count) / n - p) <= 4.0 * sd + 1e-12);
}
}  // namespace

TEST_CASE("simulated examination results follow the published accuracies", "[sim][clinical]") {
    const int n = 3000;
    auto piri = draw(ClinicalCondition::piriformis, n);
    require_rate(piri.positive["examination.straight_leg_raise"], n, 0.41, "Lasegue in piriformis (Hopay10)");
    require_rate(piri.positive["examination.active_piriformis"], n, 0.78, "active piriformis (Martin14)");
    require_rate(piri.positive["examination.seated_piriformis_stretch"], n, 0.52, "seated stretch (Martin14)");
    require_rate(piri.either_martin, n, 0.91, "either positive (Martin14 combined row)");
    require_rate(piri.positive["history.pain_on_sitting"], n, 0.883, "sitting pain (Park16)");
    require_rate(piri.positive["history.buttock_pain_predominant"], n, 0.775, "buttock pain, uniform 0.60-0.95");

    auto l5 = draw(ClinicalCondition::l5_radiculopathy, n);
    require_rate(l5.positive["examination.straight_leg_raise"], n, 0.92, "SLR in radiculopathy (Cochrane10)");
    require_rate(l5.positive["examination.crossed_straight_leg_raise"], n, 0.28, "crossed SLR (Cochrane10)");
    require_rate(l5.positive["examination.dermatomal_sensory_deficit"], n, 0.61, "sensory deficit (Tawa17)");
    require_rate(l5.positive["imaging.lumbar_mri"], n, 0.684, "lumbar lesion (el Barzouhi)");
    require_rate(l5.positive["examination.active_piriformis"], n, 0.20, "active piriformis false positives (Martin14)");
    require_rate(l5.positive["examination.seated_piriformis_stretch"], n, 0.10, "seated stretch false positives");
    require_rate(l5.either_martin, n, 0.20, "either positive without entrapment (1 - 0.80)");

    auto ifi = draw(ClinicalCondition::ischiofemoral_impingement, n);
    require_rate(ifi.positive["examination.ischiofemoral_impingement_test"], n, 0.82, "IFI test");
    require_rate(ifi.positive["examination.long_stride_walking"], n, 0.94, "long-stride walking");
    require_rate(ifi.both_ifi, n, 0.76, "both positive (combined row)");
    require_rate(ifi.positive["examination.active_piriformis"], n, 0.78, "active piriformis, any sciatic entrapment");

    auto pud = draw(ClinicalCondition::pudendal_entrapment, n);
    require_rate(pud.tenderness["medial_ischium"], n, 0.50, "medial tenderness in pudendal entrapment, uniform 0.30-0.70");
    require_rate(pud.positive["examination.active_piriformis"], n, 0.20, "active piriformis in pudendal entrapment");
}

TEST_CASE("a simulated case file has the case schema's shape", "[sim][clinical]") {
    ClinicalCaseSpec spec;
    spec.condition = ClinicalCondition::other_sciatic_entrapment;
    spec.side = "right";
    spec.case_id = "SIM-1";
    spec.sex = "male";
    spec.referral_context = "chronic_low_back_pain";
    const auto c = simulate_clinical_case(spec, 5);
    const auto& d = c.document;
    REQUIRE(d.at("edx_case_version") == 1);
    REQUIRE(d.at("case_id") == "SIM-1");
    REQUIRE(d.at("patient").at("symptomatic_side") == "right");
    REQUIRE(d.at("patient").at("sex") == "male");
    REQUIRE(d.at("referral").at("context") == "chronic_low_back_pain");
    REQUIRE_FALSE(d.at("history").contains("cyclical_symptoms"));  // asked of women only
    REQUIRE(d.at("examination").size() == 16);                     // 15 tests + tenderness location
    const std::string lumbar = d.at("imaging").at("lumbar_mri");
    REQUIRE((lumbar == "compressive_lesion" || lumbar == "no_compressive_lesion"));
    REQUIRE_FALSE(d.at("imaging").contains("pelvic_mri_hamstring_origin"));  // pelvic MRI not done by default
    REQUIRE_FALSE(d.contains("electrodiagnosis"));
    REQUIRE(c.truth.at("condition") == "other_sciatic_entrapment");
    REQUIRE(c.truth.at("probabilities").at("examination.active_piriformis") == 0.78);

    spec.examination_done_probability = 0.0;
    spec.history_known_probability = 0.0;
    spec.lumbar_mri_done_probability = 0.0;
    const auto none = simulate_clinical_case(spec, 5);
    REQUIRE(none.document.at("examination").empty());
    REQUIRE(none.document.at("imaging").empty());
    REQUIRE(none.document.at("history").size() == 1);  // the symptom duration only
}

TEST_CASE("a simulated case is reproducible from its seed", "[sim][clinical]") {
    ClinicalCaseSpec spec;
    spec.condition = ClinicalCondition::s1_radiculopathy;
    REQUIRE(simulate_clinical_case(spec, 42).document == simulate_clinical_case(spec, 42).document);
    bool differs = false;
    for (std::uint64_t s = 43; s < 60 && !differs; ++s) {
        differs = simulate_clinical_case(spec, s).document != simulate_clinical_case(spec, 42).document;
    }
    REQUIRE(differs);
}

TEST_CASE("conditions, lesions and the spec's checks", "[sim][clinical]") {
    for (auto c : all_clinical_conditions()) REQUIRE(parse_clinical_condition(to_string(c)) == c);
    REQUIRE_FALSE(parse_clinical_condition("sciatica").has_value());
    REQUIRE(lesion_site_of(ClinicalCondition::proximal_hamstring) == LesionSite::sciatic_deep_gluteal);
    REQUIRE(lesion_site_of(ClinicalCondition::pudendal_entrapment) == LesionSite::none);
    REQUIRE(lesion_site_of(ClinicalCondition::s1_radiculopathy) == LesionSite::S1_root);
    ClinicalCaseSpec bad;
    bad.side = "both";
    REQUIRE_THROWS_WITH(bad.validate(), Catch::Contains("ClinicalCaseSpec.side"));
    bad = {};
    bad.pelvic_mri_done_probability = 1.5;
    REQUIRE_THROWS_WITH(bad.validate(), Catch::Contains("ClinicalCaseSpec.pelvic_mri_done_probability"));
}
