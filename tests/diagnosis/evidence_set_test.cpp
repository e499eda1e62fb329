#include <catch2/catch.hpp>

#include <algorithm>

#include "diagnosis/synthetic_model.hpp"
#include "edx/diagnosis/evidence_set.hpp"
#include "edx/diagnosis/inference.hpp"
#include "edx/io/input_error.hpp"

using namespace edx::diagnosis;
using nlohmann::json;

namespace {
ClinicalCase make_case(const json& extra) {
    json doc = json::parse(R"({"edx_case_version": 1, "patient": {"symptomatic_side": "left", "age_years": 45},
                               "referral": {"context": "all_sciatica"}})");
    doc.merge_patch(extra);
    return parse_case(doc, "case.json");
}

EvidenceSet evidence_of(const ClinicalCase& c, const EdxFindings& edx = {}) {
    const auto& m = EvidenceModel::bundled();
    return collect_evidence(m, c, edx, m.leaf_prior(case_top_prior(m, c)));
}

const Observation* counted(const EvidenceSet& s, const char* finding) {
    const int f = EvidenceModel::bundled().finding_index(finding);
    const auto it = std::find_if(s.counted.begin(), s.counted.end(), [&](const Observation& o) { return o.finding == f; });
    return it == s.counted.end() ? nullptr : &*it;
}

const SetAside* set_aside(const EvidenceSet& s, const char* finding) {
    const auto it = std::find_if(s.set_aside.begin(), s.set_aside.end(), [&](const SetAside& a) { return a.finding == finding; });
    return it == s.set_aside.end() ? nullptr : &*it;
}
}  // namespace

TEST_CASE("within a group only the most informative finding counts", "[diagnosis][evidence]") {
    const auto m = EvidenceModel::from_json(test::synthetic_model_json(), "synthetic");
    const auto prior = m.leaf_prior({0.4, 0.6});
    EvidenceSet set;
    set.observed = {{m.finding_index("t3"), 1.0, "examination.t3", "positive"},
                    {m.finding_index("t1"), 1.0, "examination.t1", "positive"},
                    {m.finding_index("t2"), 0.0, "history.t2", "no"}};
    // t1 positive: likelihoods 0.5, 0.8, 0.1 -> spread ln 8; t3 positive: 0.8, 0.8, 0.5 -> ln 1.6.
    REQUIRE(informativeness(m, set.observed[1], prior, std::nullopt) == Approx(std::log(8.0)).epsilon(1e-12));
    REQUIRE(informativeness(m, set.observed[0], prior, std::nullopt) == Approx(std::log(1.6)).epsilon(1e-12));
    apply_dependence_rule(m, set, prior, std::nullopt);
    REQUIRE(set.counted.size() == 2);
    REQUIRE(set.counted[0].finding == m.finding_index("t1"));
    REQUIRE(set.counted[1].finding == m.finding_index("t2"));
    REQUIRE(set.set_aside.size() == 1);
    REQUIRE(set.set_aside[0].finding == "t3");
    REQUIRE_THAT(set.set_aside[0].reason, Catch::Contains("same group as 'test 1'"));
}

TEST_CASE("when both parts of a Table I combined row were done, the combined row replaces them", "[diagnosis][evidence]") {
    // Active piriformis OR seated stretch (sensitivity 0.91 / specificity 0.80).
    const auto both = evidence_of(make_case({{"examination", {{"active_piriformis", "positive"}, {"seated_piriformis_stretch", "negative"}}}}));
    const auto* row = counted(both, "active_piriformis_or_seated_stretch");
    REQUIRE(row != nullptr);
    REQUIRE(row->p_positive == 1.0);
    REQUIRE(row->origin == "examination.active_piriformis + examination.seated_piriformis_stretch");
    REQUIRE(counted(both, "active_piriformis") == nullptr);
    REQUIRE_THAT(set_aside(both, "seated_piriformis_stretch")->reason, Catch::Contains("replaced by the combined row"));

    const auto neither = evidence_of(make_case({{"examination", {{"active_piriformis", "negative"}, {"seated_piriformis_stretch", "negative"}}}}));
    REQUIRE(counted(neither, "active_piriformis_or_seated_stretch")->p_positive == 0.0);

    // Only one part done: that test counts by itself.
    const auto one = evidence_of(make_case({{"examination", {{"active_piriformis", "positive"}}}}));
    REQUIRE(counted(one, "active_piriformis") != nullptr);
    REQUIRE(counted(one, "active_piriformis_or_seated_stretch") == nullptr);

    // Ischiofemoral impingement AND long-stride walking: one negative makes the row negative.
    const auto ifi = evidence_of(make_case({{"examination", {{"ischiofemoral_impingement_test", "positive"}, {"long_stride_walking", "negative"}}}}));
    REQUIRE(counted(ifi, "ischiofemoral_and_long_stride")->p_positive == 0.0);
}

TEST_CASE("the location of tenderness is one observation and counts once", "[diagnosis][evidence]") {
    const auto s = evidence_of(make_case({{"examination", {{"tenderness_location", "medial_ischium"}}}}));
    REQUIRE(s.observed.size() == 3);
    REQUIRE(s.counted.size() == 1);
    // Medial positive (0.60 pudendal vs 0.04 elsewhere) is the most informative of the three states.
    REQUIRE(counted(s, "tenderness_medial_ischium") != nullptr);
    REQUIRE(counted(s, "tenderness_medial_ischium")->p_positive == 1.0);
}

TEST_CASE("findings not done are absent evidence", "[diagnosis][evidence]") {
    const auto empty = evidence_of(make_case(json::object()));
    REQUIRE(empty.observed.empty());
    REQUIRE(empty.counted.empty());
    const auto explicit_not_done = evidence_of(make_case(
        {{"examination", {{"straight_leg_raise", "not_done"}, {"tenderness_location", "not_done"}}},
         {"history", {{"pain_on_sitting", "unknown"}}},
         {"imaging", {{"lumbar_mri", "not_done"}}},
         {"electrodiagnosis", {{"fair_delay", "not_done"}, {"gluteal_involvement", "not_done"}}}}));
    REQUIRE(explicit_not_done.observed.empty());
}

TEST_CASE("a normal needle EMG before denervation can show is not counted", "[diagnosis][evidence]") {
    EdxFindings edx;
    edx.gluteal_involvement = false;
    edx.peroneal_division_denervation_pattern = true;
    const auto early = evidence_of(make_case({{"history", {{"symptom_duration_weeks", 2}}}}), edx);
    REQUIRE_THAT(set_aside(early, "gluteal_involvement")->reason, Catch::Contains("denervation shows only from about 3 weeks"));
    REQUIRE(counted(early, "peroneal_division_denervation") != nullptr);  // a positive counts at any time
    const auto late = evidence_of(make_case({{"history", {{"symptom_duration_weeks", 6}}}}), edx);
    const auto* late_gluteal = set_aside(late, "gluteal_involvement");
    REQUIRE((late_gluteal == nullptr || late_gluteal->reason.find("weeks") == std::string::npos));
    // Paraspinal denervation shows from about 1 week: a negative at 2 weeks counts.
    EdxFindings paraspinal;
    paraspinal.paraspinal_spontaneous_activity = false;
    REQUIRE(counted(evidence_of(make_case({{"history", {{"symptom_duration_weeks", 2}}}}), paraspinal), "paraspinal_spontaneous_activity") != nullptr);
    // Unknown duration: counted, and said so.
    const auto unknown = evidence_of(make_case(json::object()), edx);
    REQUIRE(std::any_of(unknown.notes.begin(), unknown.notes.end(),
                        [](const std::string& n) { return n.find("Symptom duration not given") != std::string::npos; }));
}

TEST_CASE("a finding already in the referral context's prior is not counted twice, and a contradiction is refused",
          "[diagnosis][evidence]") {
    const json no_lesion_context = {{"referral", {{"context", "sciatica_no_lumbar_lesion"}}}};
    json negative = no_lesion_context;
    negative["imaging"] = {{"lumbar_mri", "no_compressive_lesion"}};
    const auto s = evidence_of(make_case(negative));
    REQUIRE(s.counted.empty());
    REQUIRE_THAT(set_aside(s, "lumbar_mri_compressive_lesion")->reason, Catch::Contains("already part of the referral context's prior"));

    json positive = no_lesion_context;
    positive["imaging"] = {{"lumbar_mri", "compressive_lesion"}};
    try {
        evidence_of(make_case(positive));
        FAIL("a compressive lesion was accepted in the no-lumbar-lesion context");
    } catch (const edx::InputError& e) {
        REQUIRE(e.object() == "imaging.lumbar_mri");
        REQUIRE_THAT(e.rule(), Catch::Contains("contradicts referral.context sciatica_no_lumbar_lesion"));
    }
}

TEST_CASE("a FAIR delay whose interval straddles the criterion counts in proportion", "[diagnosis][evidence]") {
    // Delay 2.0 ms, 95% CI 1.5-2.5 ms, criterion 1.86 ms: SD 0.25510672846232696,
    // q = Phi(0.14 / SD) = 0.708425184199855 (scipy.stats.norm.cdf).
    EdxFindings edx;
    edx.fair_delay = FairDelayFinding{true, 2.0, 1.5, 2.5, true, "left"};
    const auto s = evidence_of(make_case(json::object()), edx);
    const auto* fair = counted(s, "fair_h_delay");
    REQUIRE(fair != nullptr);
    REQUIRE(fair->p_positive == Approx(0.708425184199855).epsilon(1e-12));
    const auto& m = EvidenceModel::bundled();
    const auto values = m.point_values();
    REQUIRE(observation_likelihood(m, *fair, m.leaf_index("piriformis"), values, 45.0) ==
            Approx(0.6588199903602896).epsilon(1e-12));
    REQUIRE(observation_likelihood(m, *fair, m.leaf_index("l5_radiculopathy"), values, 45.0) ==
            Approx(0.36160567769129626).epsilon(1e-12));
    // Without an interval the verdict counts as it is.
    edx.fair_delay = FairDelayFinding{true, 2.0, std::nullopt, std::nullopt, std::nullopt, "left"};
    REQUIRE(counted(evidence_of(make_case(json::object()), edx), "fair_h_delay")->p_positive == 1.0);
}

TEST_CASE("the straddling note appears only when the interval holds the criterion", "[diagnosis][evidence]") {
    auto notes_for = [](double lo, double hi) {
        EdxFindings edx;
        edx.fair_delay = FairDelayFinding{true, (lo + hi) / 2.0, lo, hi, true, "left"};
        std::size_t n = 0;
        for (const auto& note : evidence_of(make_case(json::object()), edx).notes) {
            n += note.find("straddles") != std::string::npos ? 1 : 0;
        }
        return n;
    };
    REQUIRE(notes_for(1.5, 2.5) == 1);
    // Well beyond the 1.86 ms criterion: q is below 1 only by rounding, and no note.
    REQUIRE(notes_for(2.47, 2.91) == 0);
    REQUIRE(notes_for(0.1, 0.6) == 0);
}

TEST_CASE("cyclical symptoms count for women and are set aside for men", "[diagnosis][evidence]") {
    REQUIRE(counted(evidence_of(make_case({{"patient", {{"sex", "female"}}}, {"history", {{"cyclical_symptoms", "yes"}}}})),
                    "cyclical_symptoms") != nullptr);
    const auto male = evidence_of(make_case({{"patient", {{"sex", "male"}}}, {"history", {{"cyclical_symptoms", "no"}}}}));
    REQUIRE(counted(male, "cyclical_symptoms") == nullptr);
    REQUIRE(set_aside(male, "cyclical_symptoms")->reason == "asked of women only");
}
