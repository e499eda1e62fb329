#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "edx/report/html_text.hpp"
#include "edx/report/study_report.hpp"
#include "report_page.hpp"

using namespace edx;

namespace {

study::FairStudyRow row(std::size_t line, const std::string& subject, bool positive, double delay_ms, double months,
                        bool primary = true) {
    study::FairStudyRow r;
    r.line = line;
    r.subject = subject;
    r.session = primary ? 1 : 2;
    r.reference = positive ? "sciatic_entrapment" : "control";
    r.reference_positive = positive;
    r.symptom_duration_months = months;
    r.primary = primary;
    r.delay_ms = delay_ms;
    r.delay_ci95_lo_ms = delay_ms - 0.3;
    r.delay_ci95_hi_ms = delay_ms + 0.3;
    r.test_positive = delay_ms >= 1.86;
    return r;
}

}  // namespace

TEST_CASE("the study report draws the ROC points and each primary row's delay as the result has them", "[report][study]") {
    study::FairStudyResult r;
    r.manifest = "cohort/manifest.csv";
    r.rows = {row(2, "S01", true, 2.9, 4.0),  row(3, "S02", false, 0.2, 6.0), row(4, "S03", true, 1.5, 2.0),
              row(5, "S04", false, 1.9, 8.0), row(6, "S05", true, 3.3, 11.0), row(7, "S06", false, -0.1, 1.0),
              row(8, "S01", true, 2.4, 4.5, false)};  // a retest: not in the plots (the statistics use primary rows)
    r.counts.manifest_rows = 7;
    r.counts.measured = 7;
    const std::vector<double> positives{2.9, 1.5, 3.3}, negatives{0.2, 1.9, -0.1};
    r.roc = study::roc_curve(positives, negatives);
    r.options.fair.criterion_ms = 1.86;
    r.unavailable["accuracy"] = "needs at least 5 reference positives";  // what the page must repeat
    const std::string html = report::study_report_html(r, "2026-11-28T12:00:00Z");
    const auto data = test::page_data(html);

    REQUIRE(html.find("Decision support for a clinical neurophysiologist, not a diagnosis.") != std::string::npos);
    const auto& roc = data.at("plots").at("roc");
    REQUIRE(roc.at("false_positive_rate").size() == r.roc->points.size());
    for (std::size_t i = 0; i < r.roc->points.size(); ++i) {
        REQUIRE(roc.at("false_positive_rate").at(i).get<double>() == r.roc->points[i].false_positive_rate);
        REQUIRE(roc.at("sensitivity").at(i).get<double>() == r.roc->points[i].sensitivity);
    }
    REQUIRE(roc.at("auc").get<double>() == r.roc->auc);
    // 8 of 9 positive-negative pairs ordered: AUC 8/9 (Mann-Whitney), printed with 3 decimals.
    REQUIRE(r.roc->auc == Approx(8.0 / 9.0).margin(1e-12));
    REQUIRE(html.find("AUC 0.889") != std::string::npos);
    REQUIRE(html.find("accuracy not computed: needs at least 5 reference positives") != std::string::npos);

    const auto& groups = data.at("plots").at("delay-by-reference").at("groups");
    REQUIRE(groups.size() == 2);
    for (const auto& g : groups) {
        const bool positive = g.at("label") == "sciatic_entrapment";
        const auto expected = positive ? std::vector<double>{2.9, 1.5, 3.3} : std::vector<double>{0.2, 1.9, -0.1};
        REQUIRE(g.at("delay_ms").get<std::vector<double>>() == expected);
        REQUIRE(g.at("symptom_duration_months").get<std::vector<double>>() ==
                (positive ? std::vector<double>{4.0, 2.0, 11.0} : std::vector<double>{6.0, 8.0, 1.0}));
    }
    REQUIRE(data.at("plots").at("delay-by-reference").at("criterion_ms").get<double>() == 1.86);
    REQUIRE(data.at("plots").contains("delay-vs-duration"));
    // Every row is listed, the retest included.
    for (const auto& rw : r.rows) REQUIRE(html.find("<td>" + report::number_text(rw.delay_ms) + "</td>") != std::string::npos);
}

TEST_CASE("a study without delays says so and draws no empty plot", "[report][study]") {
    study::FairStudyResult r;
    r.manifest = "m.csv";
    r.unavailable["roc"] = "needs at least 2 reference negatives";
    const std::string html = report::study_report_html(r, "");
    REQUIRE(html.find("ROC curve not computed: needs at least 2 reference negatives") != std::string::npos);
    REQUIRE(html.find("no subject has a delay") != std::string::npos);
    REQUIRE(test::page_data(html).at("plots").empty());
}
