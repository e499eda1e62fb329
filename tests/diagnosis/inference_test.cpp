#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "diagnosis/synthetic_model.hpp"
#include "edx/diagnosis/beta_fit.hpp"
#include "edx/diagnosis/inference.hpp"

using namespace edx::diagnosis;
using nlohmann::json;

namespace {
const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";

ClinicalCase make_case(const json& extra) {
    json doc = json::parse(R"({"edx_case_version": 1, "patient": {"symptomatic_side": "left", "age_years": 45, "sex": "female"},
                               "referral": {"context": "all_sciatica"}})");
    doc.merge_patch(extra);
    return parse_case(doc, "case.json");
}

Diagnosis run(const ClinicalCase& c, const EdxFindings& edx = {}, int samples = 2000) {
    DiagnosisOptions o;
    o.samples = samples;
    return diagnose(EvidenceModel::bundled(), c, edx, o);
}

double point(const Diagnosis& d, const char* h) { return d.hypothesis(h).posterior.point; }

bool has_step(const Diagnosis& d, const char* id) {
    return std::any_of(d.next_steps.begin(), d.next_steps.end(), [&](const NextStep& s) { return s.id == id; });
}
}  // namespace

// Hand arithmetic with the published numbers: subtype priors piriformis 0.5790,
// gemelli-obturator 0.0233, ischiofemoral 0.0233, hamstring 0.0545, pudendal
// 0.0199, other sciatic 0.3000; seated piriformis stretch sensitivity 0.52,
// specificity 0.90 (Martin14); straight leg raise positive in 0.41 of
// piriformis (Hopay10), 0.15 of other sciatic entrapment (Martin14), 0.05 of
// pudendal (1 - 0.95), 0.92 of radiculopathy (Cochrane10), 0.385 of neither.
TEST_CASE("one test: the point posterior is Bayes' rule on the published numbers to 1e-9", "[diagnosis][inference]") {
    const auto d = run(make_case({{"examination", {{"seated_piriformis_stretch", "positive"}}}}));
    const double dgs = 0.0724 * (0.9801 * 0.52 + 0.0199 * 0.10);
    const double rest = (0.3348 + 0.3348 + 0.2580) * 0.10;
    REQUIRE(std::abs(point(d, "deep_gluteal_syndrome") - dgs / (dgs + rest)) <= 1e-9);
    REQUIRE(std::abs(point(d, "l5_radiculopathy") - 0.3348 * 0.10 / (dgs + rest)) <= 1e-9);
    REQUIRE(std::abs(point(d, "lumbosacral_radiculopathy") - 2.0 * 0.3348 * 0.10 / (dgs + rest)) <= 1e-9);
    REQUIRE(std::abs(point(d, "other") - 0.2580 * 0.10 / (dgs + rest)) <= 1e-9);
    REQUIRE(std::abs(d.subtype("piriformis").given_dgs.point - 0.5790 * 0.52 / (0.9801 * 0.52 + 0.0199 * 0.10)) <= 1e-9);
    REQUIRE(std::abs(d.subtype("pudendal_entrapment").given_dgs.point - 0.0199 * 0.10 / (0.9801 * 0.52 + 0.0199 * 0.10)) <= 1e-9);
    // The likelihood ratio reported for the finding, DGS (subtypes mixed by their priors) vs radiculopathy.
    REQUIRE(d.contributions.size() == 1);
    REQUIRE(std::abs(d.contributions[0].lr_dgs_vs_radiculopathy - (0.9801 * 0.52 + 0.0199 * 0.10) / 0.10) <= 1e-9);
    REQUIRE(d.contributions[0].favours == "deep_gluteal_syndrome");
}

TEST_CASE("two tests in different groups multiply, to 1e-9", "[diagnosis][inference]") {
    const json exam = {{"examination", {{"seated_piriformis_stretch", "positive"}, {"straight_leg_raise", "negative"}}}};
    const auto d = run(make_case(exam));
    const double dgs = 0.0724 * (0.5790 * 0.52 * 0.59 + (0.0233 + 0.0233 + 0.0545 + 0.3000) * 0.52 * 0.85 + 0.0199 * 0.10 * 0.95);
    const double l5 = 0.3348 * 0.10 * 0.08, s1 = 0.3348 * 0.10 * 0.08, other = 0.2580 * 0.10 * 0.615;
    const double z = dgs + l5 + s1 + other;
    REQUIRE(std::abs(point(d, "deep_gluteal_syndrome") - dgs / z) <= 1e-9);
    REQUIRE(std::abs(point(d, "s1_radiculopathy") - s1 / z) <= 1e-9);
    REQUIRE(std::abs(point(d, "other") - other / z) <= 1e-9);

    SECTION("a change of prior (chronic low back pain: 0.1915, 0.15, 0.15, 0.5085) changes only the prior terms") {
        json chronic = exam;
        chronic["referral"] = {{"context", "chronic_low_back_pain"}};
        const auto c = run(make_case(chronic));
        const double cd = dgs / 0.0724 * 0.1915, cl5 = 0.15 * 0.10 * 0.08, cs1 = cl5, co = 0.5085 * 0.10 * 0.615;
        const double cz = cd + cl5 + cs1 + co;
        REQUIRE(std::abs(point(c, "deep_gluteal_syndrome") - cd / cz) <= 1e-9);
        REQUIRE(std::abs(point(c, "l5_radiculopathy") - cl5 / cz) <= 1e-9);
        REQUIRE(std::abs(point(c, "other") - co / cz) <= 1e-9);
    }
}

TEST_CASE("the leaf posterior is Bayes' rule on a hand-built model", "[diagnosis][inference]") {
    const auto m = EvidenceModel::from_json(test::synthetic_model_json(), "synthetic");
    const auto prior = m.leaf_prior({0.4, 0.6});  // a1 0.1, a2 0.3, b 0.6
    const std::vector<Observation> one = {{m.finding_index("t1"), 1.0, "t1", "positive"}};
    auto p = leaf_posterior(m, prior, one, m.point_values(), std::nullopt);
    REQUIRE(std::abs(p[0] - 0.05 / 0.35) <= 1e-12);
    REQUIRE(std::abs(p[1] - 0.24 / 0.35) <= 1e-12);
    REQUIRE(std::abs(p[2] - 0.06 / 0.35) <= 1e-12);
    const std::vector<Observation> two = {{m.finding_index("t1"), 1.0, "t1", "positive"}, {m.finding_index("t2"), 0.0, "t2", "no"}};
    p = leaf_posterior(m, prior, two, m.point_values(), std::nullopt);
    REQUIRE(std::abs(p[0] - 0.035 / 0.227) <= 1e-12);
    REQUIRE(std::abs(p[1] - 0.168 / 0.227) <= 1e-12);
    REQUIRE(std::abs(p[2] - 0.024 / 0.227) <= 1e-12);
    // A zero prior stays zero, whatever the evidence.
    p = leaf_posterior(m, {0.0, 0.4, 0.6}, two, m.point_values(), std::nullopt);
    REQUIRE(p[0] == 0.0);
    REQUIRE(std::abs(p[1] - 0.4 * 0.8 * 0.7 / (0.4 * 0.8 * 0.7 + 0.6 * 0.1 * 0.4)) <= 1e-12);
}

TEST_CASE("adding a finding whose likelihood ratio exceeds 1 for a hypothesis never lowers its posterior", "[diagnosis][inference]") {
    // For a hypothesis H (a leaf, or DGS / radiculopathy / neither), the
    // likelihood ratio of a new finding is P(f | H) / P(f | not H), each side
    // mixing its leaves by their current posterior. Random cases on the bundled
    // model: one observation from each of a random set of groups, then a finding
    // from a group not yet used.
    const auto& m = EvidenceModel::bundled();
    const auto values = m.point_values();
    std::mt19937 rng(20240611);
    const std::vector<std::vector<int>> sets = [&] {
        std::vector<std::vector<int>> s;
        for (std::size_t l = 0; l < m.leaves.size(); ++l) s.push_back({static_cast<int>(l)});
        for (const char* top : {"deep_gluteal_syndrome", "other"}) {
            std::vector<int> v;
            for (std::size_t l = 0; l < m.leaves.size(); ++l) {
                if (m.leaves[l].parent == m.top_index(top)) v.push_back(static_cast<int>(l));
            }
            s.push_back(v);
        }
        s.push_back(m.classes.at("radiculopathy"));
        return s;
    }();
    int checked_up = 0, checked_down = 0;
    for (int trial = 0; trial < 400; ++trial) {
        std::vector<double> tp;
        for (const auto& v : m.referral_priors[rng() % m.referral_priors.size()].top) tp.push_back(v.value);
        const auto prior = m.leaf_prior(tp);
        std::vector<int> groups(m.groups.size());
        for (std::size_t g = 0; g < groups.size(); ++g) groups[g] = static_cast<int>(g);
        std::shuffle(groups.begin(), groups.end(), rng);
        const std::size_t used = rng() % 7;
        std::vector<Observation> obs;
        for (std::size_t i = 0; i <= used; ++i) {
            const auto& g = m.groups[groups[i]];
            obs.push_back({g.findings[rng() % g.findings.size()], static_cast<double>(rng() % 2), "random", "random"});
        }
        const double age = 30.0 + static_cast<double>(rng() % 50);
        const Observation added = obs.back();
        obs.pop_back();
        const auto before = leaf_posterior(m, prior, obs, values, age);
        obs.push_back(added);
        const auto after = leaf_posterior(m, prior, obs, values, age);
        for (const auto& h : sets) {
            double in_w = 0.0, in_l = 0.0, out_w = 0.0, out_l = 0.0, p_before = 0.0, p_after = 0.0;
            for (std::size_t l = 0; l < m.leaves.size(); ++l) {
                const bool in = std::find(h.begin(), h.end(), static_cast<int>(l)) != h.end();
                const double lk = observation_likelihood(m, added, static_cast<int>(l), values, age);
                (in ? in_w : out_w) += before[l];
                (in ? in_l : out_l) += before[l] * lk;
                if (in) {
                    p_before += before[l];
                    p_after += after[l];
                }
            }
            if (!(in_w > 1e-12) || !(out_w > 1e-12)) continue;
            const double lr = (in_l / in_w) / (out_l / out_w);
            INFO("trial " << trial << ", finding " << m.findings[added.finding].id << ", LR " << lr);
            if (lr > 1.0 + 1e-9) {
                REQUIRE(p_after >= p_before - 1e-12);
                ++checked_up;
            } else if (lr < 1.0 - 1e-9) {
                REQUIRE(p_after <= p_before + 1e-12);
                ++checked_down;
            }
        }
    }
    REQUIRE(checked_up > 500);
    REQUIRE(checked_down > 500);
}

TEST_CASE("without findings the posterior is the prior, in the point and in every Monte Carlo draw", "[diagnosis][inference]") {
    const auto d = run(make_case(json::object()));
    const std::pair<const char*, double> priors[] = {
        {"deep_gluteal_syndrome", 0.0724}, {"l5_radiculopathy", 0.3348}, {"s1_radiculopathy", 0.3348}, {"other", 0.2580}};
    for (const auto& [h, p] : priors) {
        const auto& s = d.hypothesis(h).posterior;
        REQUIRE(std::abs(s.point - p) <= 1e-12);
        REQUIRE(std::abs(s.mean - p) <= 1e-12);
        REQUIRE(std::abs(s.ci95_lo - p) <= 1e-12);
        REQUIRE(std::abs(s.ci95_hi - p) <= 1e-12);
        REQUIRE(d.hypothesis(h).prior == Approx(p).epsilon(1e-12));
    }
    REQUIRE(d.contributions.empty());
}

TEST_CASE("the Monte Carlo reproduces the posterior's distribution over the Beta uncertainty of the accuracies",
          "[diagnosis][inference]") {
    // One finding (seated stretch positive): P(DGS | +) is a function of the
    // sensitivity s ~ Beta and the specificity t ~ Beta. Its mean and 2.5%
    // quantile by quadrature on a 400 x 400 grid of quantiles, against the Monte Carlo.
    const auto& m = EvidenceModel::bundled();
    const auto& sens = m.parameters[m.findings[m.finding_index("seated_piriformis_stretch")].positive_given[0].parameter];
    const auto& spec = m.parameters[m.findings[m.finding_index("seated_piriformis_stretch")].positive_given[m.leaf_index("other")].parameter];
    REQUIRE(sens.id == "martin14_seated_stretch_sensitivity");
    REQUIRE(spec.id == "martin14_seated_stretch_specificity");
    const int n = 400;
    std::vector<double> qs(n), qt(n);
    for (int i = 0; i < n; ++i) {
        qs[i] = beta_quantile(sens.fit.beta, (i + 0.5) / n);
        qt[i] = beta_quantile(spec.fit.beta, (i + 0.5) / n);
    }
    std::vector<double> f;
    f.reserve(n * n);
    double mean = 0.0;
    for (double s : qs) {
        for (double t : qt) {
            const double dgs = 0.0724 * (0.9801 * s + 0.0199 * (1.0 - t));
            const double v = dgs / (dgs + 0.9276 * (1.0 - t));
            f.push_back(v);
            mean += v;
        }
    }
    mean /= static_cast<double>(f.size());
    std::sort(f.begin(), f.end());
    const double q025 = f[static_cast<std::size_t>(0.025 * f.size())];
    const double q975 = f[static_cast<std::size_t>(0.975 * f.size())];

    const auto d = run(make_case({{"examination", {{"seated_piriformis_stretch", "positive"}}}}), {}, 20000);
    const auto& mc = d.hypothesis("deep_gluteal_syndrome").posterior;
    INFO("quadrature mean " << mean << " [" << q025 << ", " << q975 << "], Monte Carlo " << mc.mean << " [" << mc.ci95_lo
                            << ", " << mc.ci95_hi << "]");
    // Monte Carlo SE of the mean: sd(f) / sqrt(20000) < 0.0015 here; tolerance 0.005.
    REQUIRE(std::abs(mc.mean - mean) < 0.005);
    REQUIRE(std::abs(mc.ci95_lo - q025) < 0.01);
    REQUIRE(std::abs(mc.ci95_hi - q975) < 0.02);
    REQUIRE(mc.ci95_lo < mc.point);
    REQUIRE(mc.point < mc.ci95_hi);
}

TEST_CASE("the Monte Carlo is seeded: the same case gives the same intervals", "[diagnosis][inference]") {
    const auto c = read_case_file(examples / "dgs_piriformis_left.case.json");
    const auto a = run(c), b = run(c);
    DiagnosisOptions other_seed;
    other_seed.samples = 2000;
    other_seed.seed = 12345;
    const auto e = diagnose(EvidenceModel::bundled(), c, {}, other_seed);
    for (const char* h : {"deep_gluteal_syndrome", "lumbosacral_radiculopathy", "other"}) {
        REQUIRE(a.hypothesis(h).posterior.mean == b.hypothesis(h).posterior.mean);
        REQUIRE(a.hypothesis(h).posterior.ci95_lo == b.hypothesis(h).posterior.ci95_lo);
        REQUIRE(std::abs(a.hypothesis(h).posterior.mean - e.hypothesis(h).posterior.mean) < 0.02);
    }
    REQUIRE_THROWS_AS(run(c, {}, 10), std::invalid_argument);
}

TEST_CASE("the bundled examples are called as built from their clinical findings", "[diagnosis][inference]") {
    const auto dgs = run(read_case_file(examples / "dgs_piriformis_left.case.json"));
    REQUIRE(dgs.leading == "deep_gluteal_syndrome");
    REQUIRE(dgs.hypothesis("deep_gluteal_syndrome").posterior.mean > 0.8);
    REQUIRE(dgs.subtypes.front().id == "piriformis");
    const auto l5 = run(read_case_file(examples / "l5_radiculopathy_right.case.json"));
    REQUIRE(l5.leading == "lumbosacral_radiculopathy");
    REQUIRE(l5.hypothesis("l5_radiculopathy").posterior.mean > l5.hypothesis("s1_radiculopathy").posterior.mean);
    const auto normal = run(read_case_file(examples / "normal.case.json"));
    REQUIRE(normal.leading == "other");
    REQUIRE(normal.hypothesis("other").posterior.mean > 0.8);
    for (const auto* d : {&dgs, &l5, &normal}) {
        REQUIRE(d->probabilities_apply);
        REQUIRE_THAT(d->notice, Catch::Contains("not a diagnosis"));
        for (std::size_t i = 1; i < d->contributions.size(); ++i) {
            REQUIRE(d->contributions[i - 1].weight_log10 >= d->contributions[i].weight_log10);
        }
    }
}

TEST_CASE("an urgent red flag overrides the probabilities and leads the next steps", "[diagnosis][inference]") {
    const auto d = run(make_case({{"history", {{"progressive_motor_deficit", "yes"}}}, {"imaging", {{"mass_lesion", "positive"}}}}));
    REQUIRE_FALSE(d.probabilities_apply);
    REQUIRE(d.red_flags.size() == 2);
    REQUIRE(d.red_flags[0].urgent);
    REQUIRE(d.next_steps.at(0).id == "urgent_referral");
    REQUIRE(has_step(d, "surgery_for_mass"));
    REQUIRE_FALSE(has_step(d, "conservative_first"));

    // Age over 50 is a review flag: considered, the probabilities still apply.
    const auto older = run(make_case({{"patient", {{"age_years", 55}}}}));
    REQUIRE(older.probabilities_apply);
    REQUIRE(older.red_flags.size() == 1);
    REQUIRE(older.red_flags[0].id == "age_over_50_or_under_20");
    REQUIRE(has_step(older, "review_red_flags"));
}

TEST_CASE("the next steps follow the review for the situation", "[diagnosis][inference]") {
    const auto dgs = run(read_case_file(examples / "dgs_piriformis_left.case.json"));
    REQUIRE(has_step(dgs, "pelvic_mri"));          // spinal lesion excluded, no pelvic MRI
    REQUIRE(has_step(dgs, "conservative_first"));  // stepwise, conservative first
    REQUIRE(has_step(dgs, "surgery_if_persistent"));
    REQUIRE(has_step(dgs, "electrodiagnosis"));    // no EDX markers given
    REQUIRE_FALSE(has_step(dgs, "lumbar_mri_first"));
    REQUIRE(has_step(run(read_case_file(examples / "l5_radiculopathy_right.case.json")), "radiculopathy_workup"));
    REQUIRE(has_step(run(read_case_file(examples / "normal.case.json")), "other_causes"));

    const auto fresh = run(make_case({{"history", {{"symptom_duration_weeks", 2}, {"cyclical_symptoms", "yes"}}},
                                      {"examination", {{"seated_piriformis_stretch", "positive"}}}}));
    REQUIRE(has_step(fresh, "emg_timing"));
    REQUIRE(has_step(fresh, "gynaecological_causes"));
    REQUIRE(has_step(fresh, "lumbar_mri_first"));  // no lumbar MRI yet
    REQUIRE(has_step(fresh, "piriformis_tests"));  // active piriformis test not done
    for (const auto& s : fresh.next_steps) REQUIRE_FALSE(s.sources.empty());
}

TEST_CASE("the answer names its assumptions and the findings it did not count", "[diagnosis][inference]") {
    EdxFindings analysis;
    analysis.gluteal_involvement = true;
    const auto d = run(make_case({{"examination", {{"seated_piriformis_stretch", "positive"}, {"active_piriformis", "positive"}}},
                                  {"electrodiagnosis", {{"gluteal_involvement", "negative"}}}}),
                       analysis);
    const auto has = [](const auto& list, const std::string& text) {
        return std::any_of(list.begin(), list.end(), [&](const auto& a) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::string>) {
                return a.find(text) != std::string::npos;
            } else {
                return a.text.find(text) != std::string::npos;
            }
        });
    };
    REQUIRE(has(d.assumptions, "conditionally independent given the hypothesis"));
    REQUIRE(has(d.assumptions, "active piriformis test or seated piriformis stretch (Table I combined row, positive when "
                               "either is): P(positive | otherwise) = 0.2 (1 - martin14_either_specificity) is an assumption"));
    REQUIRE(has(d.notes, "The case file's entry overrides the analysis: gluteal_involvement"));
    REQUIRE(d.not_counted.size() == 2);  // the two parts of the combined row
    REQUIRE(d.prior_sensitivity.size() == 3);
}
