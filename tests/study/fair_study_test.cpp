#include <catch2/catch.hpp>

#include <cmath>

#include "edx/study/fair_study.hpp"

using namespace edx::study;

namespace {

struct Builder {
    FairManifest manifest;
    std::vector<RowMeasurement> measurements;

    Builder() { manifest.source = "m.csv"; }

    void add(const std::string& subject, bool positive, std::optional<double> delay, int session = 1,
             std::optional<double> months = std::nullopt, RowOutcome outcome = RowOutcome::measured) {
        ManifestRow r;
        r.line = manifest.data_rows + 2;
        ++manifest.data_rows;
        r.subject = subject;
        r.file = subject + ".h5";
        r.reference = positive ? "deep_gluteal_syndrome" : "lumbosacral_radiculopathy";
        r.reference_positive = positive;
        r.session = session;
        r.symptom_duration_months = months;
        manifest.rows.push_back(r);
        RowMeasurement m;
        m.outcome = outcome;
        m.recording = "soleus_h_left";
        m.side = "left";
        if (outcome == RowOutcome::measured) {
            m.estimate.status = edx::evoked::FairStatus::ok;
            m.estimate.delay_ms = delay;
            m.estimate.ci95_lo_ms = *delay - 0.3;
            m.estimate.ci95_hi_ms = *delay + 0.3;
            m.estimate.p_value = 0.01;
            m.estimate.significant = true;
        } else {
            m.reason = outcome == RowOutcome::rejected ? "file not found: x" : "too few FAIR sweeps";
        }
        measurements.push_back(m);
    }
    void reject_in_manifest(std::size_t line, const std::string& reason) {
        ++manifest.data_rows;
        manifest.rejected.push_back({line, "", reason});
    }
};

// Subject codes; built with += because GCC 12 warns falsely (-Wrestrict) on "P" + std::to_string(i).
std::string id(char prefix, int i) {
    std::string s(1, prefix);
    s += std::to_string(i);
    return s;
}

FairStudyOptions fast_options() {
    FairStudyOptions o;
    o.youden.resamples = 200;
    return o;
}

}  // namespace

TEST_CASE("fair study: the statistics are those of the subjects' primary delays", "[study][fair_study]") {
    Builder b;
    const double pos[] = {2.9, 2.4, 3.3, 1.7, 2.6, 2.1};
    const double neg[] = {0.2, 0.6, 1.9, 0.0, 0.4, 0.8, 0.3};
    const double months[] = {3, 7, 12, 2, 9, 5};
    for (int i = 0; i < 6; ++i) b.add(id('P', i), true, pos[i], 1, months[i]);
    for (int i = 0; i < 7; ++i) b.add(id('N', i), false, neg[i], 1, 4.0 + i);
    // A retest of P0 and N0 (not primary: the statistics above must not see them).
    b.add("P0", true, 2.7, 2, 4.0);
    b.add("N0", false, 0.5, 2, 5.0);
    const FairStudyResult r = summarise_fair_study(b.manifest, b.measurements, fast_options());

    const std::vector<double> p(std::begin(pos), std::end(pos)), n(std::begin(neg), std::end(neg));
    REQUIRE(r.counts.subjects == 13);
    REQUIRE(r.counts.subjects_with_delay == 13);
    REQUIRE(r.counts.reference_positive == 6);
    REQUIRE(r.counts.reference_negative == 7);
    REQUIRE(r.counts.measured == 15);
    REQUIRE(r.counts.retest_pairs == 2);
    const auto acc = diagnostic_accuracy(p, n, 1.86);
    REQUIRE(r.accuracy->true_positives == acc.true_positives);
    REQUIRE(r.accuracy->false_positives == acc.false_positives);
    REQUIRE(r.accuracy->true_positives == 5);   // 1.7 is below 1.86
    REQUIRE(r.accuracy->false_positives == 1);  // 1.9 is above
    REQUIRE(r.roc->auc == roc_curve(p, n).auc);
    REQUIRE(r.youden->cutoff == youden_cutoff(p, n).cutoff);
    const std::vector<double> m(std::begin(months), std::end(months));
    REQUIRE(r.duration_correlation_positive->rho == spearman_correlation(m, p).rho);
    REQUIRE(r.duration_correlation_all->n == 13);
    REQUIRE(r.retest_icc->subjects == 2);
    REQUIRE(r.retest_bland_altman->bias == Approx(((2.7 - 2.9) + (0.5 - 0.2)) / 2).margin(1e-12));
    // Prevalence from the study: 6 of 13.
    REQUIRE(r.prevalence_from == "study");
    REQUIRE(*r.prevalence == Approx(6.0 / 13.0));
    REQUIRE(r.sample_size->sensitivity == 0.881);
    REQUIRE(r.sample_size->specificity == 0.832);
    REQUIRE(r.sample_size->subjects ==
            buderer_sample_size(0.881, 0.832, 0.05, 6.0 / 13.0).subjects);
    REQUIRE(r.unavailable.empty());
}

TEST_CASE("fair study: a subject counts once, with its lowest accepted session, and an indeterminate primary is not "
          "replaced by a later session", "[study][fair_study]") {
    Builder b;
    b.add("A", true, 3.0, 2);                              // line 2: session 2
    b.add("A", true, 2.0, 1);                              // line 3: session 1 -> primary
    b.add("B", true, std::nullopt, 1, {}, RowOutcome::indeterminate);  // primary, no delay
    b.add("B", true, 2.5, 2);                              // not used for accuracy
    b.add("C", false, std::nullopt, 1, {}, RowOutcome::rejected);      // rejected: never counts
    b.add("C", false, 0.4, 2);                             // primary (lowest accepted)
    b.reject_in_manifest(9, "subject is empty");
    const FairStudyResult r = summarise_fair_study(b.manifest, b.measurements, fast_options());
    REQUIRE(r.counts.manifest_rows == 7);
    REQUIRE(r.counts.rejected == 2);
    REQUIRE(r.rejected[0].line == 6);
    REQUIRE(r.rejected[0].reason == "file not found: x");
    REQUIRE(r.rejected[1].line == 9);
    REQUIRE(r.counts.indeterminate == 1);
    REQUIRE(r.counts.subjects == 3);
    REQUIRE(r.counts.subjects_indeterminate == 1);
    REQUIRE(r.counts.subjects_with_delay == 2);
    for (const auto& row : r.rows) {
        const bool expect_primary = (row.subject == "A" && row.session == 1) ||
                                    (row.subject == "B" && row.session == 1) || (row.subject == "C");
        INFO(row.subject << " session " << row.session);
        REQUIRE(row.primary == expect_primary);
    }
    REQUIRE(r.accuracy->true_positives == 1);  // A's session 1 (2.0 ms)
    REQUIRE(r.accuracy->sensitivity.trials == 1);
    REQUIRE(r.accuracy->specificity.trials == 1);
    // A has two measured sessions: one pair; B's first session has no delay.
    REQUIRE(r.retest.size() == 1);
    REQUIRE(r.retest[0].subject == "A");
    REQUIRE(r.retest[0].first_delay_ms == 2.0);
    REQUIRE(r.retest[0].second_delay_ms == 3.0);
    // Too small for the ROC's DeLong interval, the correlation and the retest statistics: each says why.
    REQUIRE_THAT(r.unavailable.at("roc"), Catch::Contains("at least 2"));
    REQUIRE_THAT(r.unavailable.at("duration_correlation_positive"), Catch::Contains("at least 3"));
    REQUIRE_THAT(r.unavailable.at("retest_icc"), Catch::Contains("has 1"));
    REQUIRE(!r.roc);
}

TEST_CASE("fair study: no reference negatives leaves accuracy out, the prevalence option keeps the sample size",
          "[study][fair_study]") {
    Builder b;
    for (int i = 0; i < 4; ++i) b.add(id('P', i), true, 2.0 + 0.3 * i);
    auto o = fast_options();
    const auto without = summarise_fair_study(b.manifest, b.measurements, o);
    REQUIRE(!without.accuracy);
    REQUIRE(!without.sample_size);
    REQUIRE_THAT(without.unavailable.at("sample_size"), Catch::Contains("--prevalence"));
    o.prevalence = 0.19;
    o.precision = 0.10;
    const auto with = summarise_fair_study(b.manifest, b.measurements, o);
    REQUIRE(with.prevalence_from == "option");
    REQUIRE(with.sample_size->subjects == 212);  // see buderer_sample_size_test
}

TEST_CASE("fair study JSON: every statistic with its interval, the rows and the rejected lines",
          "[study][fair_study]") {
    Builder b;
    const double pos[] = {2.9, 2.4, 3.3, 1.7};
    const double neg[] = {0.2, 0.6, 1.9, 0.0};
    for (int i = 0; i < 4; ++i) {
        b.add(id('P', i), true, pos[i], 1, 2.0 + i);
        b.add(id('P', i), true, pos[i] + 0.1 * (i - 1.5), 2, 2.5 + i);
        b.add(id('N', i), false, neg[i], 1, 1.0 + 2 * i);
    }
    b.reject_in_manifest(40, "has 3 fields; the header has 6");
    const auto j = to_json(summarise_fair_study(b.manifest, b.measurements, fast_options()));
    REQUIRE(j.at("criterion_ms") == 1.86);
    REQUIRE(j.at("accuracy").at("sensitivity").at("ci").size() == 2);
    REQUIRE(j.at("accuracy").at("specificity").at("ci").size() == 2);
    REQUIRE(j.at("roc").at("auc_ci").size() == 2);
    REQUIRE(j.at("roc").at("points").size() >= 3);
    REQUIRE(j.at("youden_cutoff").at("cutoff_ci").size() == 2);
    REQUIRE(j.at("symptom_duration_correlation").at("reference_positive").at("ci").size() == 2);
    REQUIRE(j.at("symptom_duration_correlation").at("all").at("ci").size() == 2);
    REQUIRE(j.at("test_retest").at("icc_2_1").at("ci").size() == 2);
    REQUIRE(j.at("test_retest").at("bland_altman").at("lower_limit_ci").size() == 2);
    REQUIRE(j.at("test_retest").at("pairs").size() == 4);
    REQUIRE(j.at("sample_size").at("buderer").at("subjects").get<int>() > 0);
    REQUIRE(j.at("rows").size() == 12);
    const auto& row = j.at("rows")[0];
    for (const char* key : {"line", "subject", "session", "primary", "reference", "reference_positive",
                            "symptom_duration_months", "delay_ms", "delay_ci95_ms", "test_positive", "outcome"}) {
        REQUIRE(row.contains(key));
    }
    REQUIRE(j.at("rejected").size() == 1);
    REQUIRE(j.at("rejected")[0].at("line") == 40);
    REQUIRE(j.at("unavailable").empty());
    REQUIRE(j.at("counts").at("rejected") == 1);
}

TEST_CASE("fair study options are validated with the field named", "[study][fair_study]") {
    FairStudyOptions o;
    o.precision = 0.0;
    REQUIRE_THROWS_WITH(o.validate(), Catch::Contains("precision"));
    o = {};
    o.prevalence = 1.0;
    REQUIRE_THROWS_WITH(o.validate(), Catch::Contains("prevalence"));
    o = {};
    o.fair.criterion_ms = -1.0;
    REQUIRE_THROWS_WITH(o.validate(), Catch::Contains("criterion_ms"));
    const auto p = published_fair_accuracy();
    REQUIRE(p.sensitivity == 0.881);
    REQUIRE(p.specificity == 0.832);
    REQUIRE_THAT(p.source, Catch::Contains("Fishman"));
}
