#include "edx/report/study_report.hpp"

#include <map>
#include <string>

#include "edx/report/html_page.hpp"
#include "edx/report/html_text.hpp"

namespace edx::report {

namespace {

using Json = nlohmann::ordered_json;

std::string interval(double lo, double hi, int decimals) { return interval_text(lo, hi, decimals); }

std::string missing(const std::string& why) { return "<p class=\"missing\">" + html_escape(why) + "</p>\n"; }

std::string why(const study::FairStudyResult& r, const std::string& key) {
    const auto it = r.unavailable.find(key);
    return it == r.unavailable.end() ? std::string("not computed") : "not computed: " + it->second;
}

}  // namespace

std::string study_report_html(const study::FairStudyResult& r, const std::string& generated_utc) {
    HtmlPage page("edx FAIR validation study: " + r.manifest);
    const auto& c = r.counts;
    page.add_fact("purpose", "research: validating the FAIR H-reflex test on a cohort (edx fair-study)");
    page.add_fact("manifest", r.manifest);
    page.add_fact("report made", generated_utc.empty() ? "-" : generated_utc);
    page.add_fact("rows", std::to_string(c.manifest_rows) + " in the manifest: " + std::to_string(c.measured) + " measured, " +
                              std::to_string(c.indeterminate) + " indeterminate, " + std::to_string(c.rejected) + " rejected");
    page.add_fact("subjects", std::to_string(c.subjects) + ": " + std::to_string(c.subjects_with_delay) + " with a delay (" +
                                  std::to_string(c.reference_positive) + " reference positive, " + std::to_string(c.reference_negative) +
                                  " negative), " + std::to_string(c.subjects_indeterminate) + " indeterminate");
    page.add_fact("criterion", number_text(r.options.fair.criterion_ms) + " ms (delay at or above: test positive)");

    // Accuracy and ROC.
    std::string acc;
    if (r.accuracy) {
        const auto& a = *r.accuracy;
        HtmlTable t{{"statistic", "value", "95% CI (Wilson)", "count"}, {}};
        t.rows.push_back({"sensitivity", number_text(a.sensitivity.proportion, 3), interval(a.sensitivity.ci_lo, a.sensitivity.ci_hi, 3),
                          std::to_string(a.sensitivity.successes) + "/" + std::to_string(a.sensitivity.trials)});
        t.rows.push_back({"specificity", number_text(a.specificity.proportion, 3), interval(a.specificity.ci_lo, a.specificity.ci_hi, 3),
                          std::to_string(a.specificity.successes) + "/" + std::to_string(a.specificity.trials)});
        acc += t.render();
    } else {
        acc += missing("accuracy " + why(r, "accuracy"));
    }
    if (r.roc) {
        Json fpr = Json::array(), sens = Json::array(), thr = Json::array();
        for (const auto& p : r.roc->points) {
            fpr.push_back(p.false_positive_rate);
            sens.push_back(p.sensitivity);
            thr.push_back(p.threshold ? Json(*p.threshold) : Json());
        }
        acc += "<p>AUC " + number_text(r.roc->auc, 3) + ", 95% CI " + interval(r.roc->auc_ci_lo, r.roc->auc_ci_hi, 3) + " (DeLong); " +
               std::to_string(r.roc->positives) + " reference positive, " + std::to_string(r.roc->negatives) + " negative.</p>\n";
        page.add_plot("roc", {{"kind", "roc"}, {"false_positive_rate", fpr}, {"sensitivity", sens}, {"threshold_ms", thr}, {"auc", r.roc->auc}});
        acc += plot_container("roc", "roc", "Empirical ROC curve of the FAIR delay (test positive when delay >= threshold); diagonal: chance.");
    } else {
        acc += missing("ROC curve " + why(r, "roc"));
    }
    if (r.youden) {
        const auto& y = *r.youden;
        acc += "<p>Youden-optimal cut-off " + number_text(y.cutoff) + " ms (sensitivity " + number_text(y.sensitivity, 3) + ", specificity " +
               number_text(y.specificity, 3) + "), 95% CI " + interval(y.ci_lo, y.ci_hi, 2) + " ms (bootstrap).</p>\n";
    }
    page.add_section({"accuracy", "Accuracy of the criterion and the ROC curve", acc});

    // Delays by reference diagnosis (primary rows with a delay, as the statistics use them).
    std::map<std::string, std::pair<Json, Json>> by_reference;  // label -> (delays, durations)
    HtmlTable rows{{"line", "subject", "session", "reference", "symptom duration (months)", "delay (ms)", "delay 95% CI (ms)", "test"}, {}};
    for (const auto& row : r.rows) {
        rows.rows.push_back({std::to_string(row.line), row.subject, std::to_string(row.session), row.reference,
                             number_text(row.symptom_duration_months, 1), number_text(row.delay_ms),
                             row.delay_ci95_lo_ms && row.delay_ci95_hi_ms ? interval(*row.delay_ci95_lo_ms, *row.delay_ci95_hi_ms, 2) : "-",
                             row.delay_ms ? (row.test_positive.value_or(false) ? "positive" : "negative")
                                          : "indeterminate: " + row.indeterminate_reason});
        if (!row.primary || !row.delay_ms) continue;
        auto& group = by_reference[row.reference];
        group.first.push_back(*row.delay_ms);
        group.second.push_back(row.symptom_duration_months ? Json(*row.symptom_duration_months) : Json());
    }
    std::string dist;
    if (by_reference.empty()) {
        dist = missing("no subject has a delay");
    } else {
        Json groups = Json::array();
        for (const auto& [label, g] : by_reference) groups.push_back({{"label", label}, {"delay_ms", g.first}, {"symptom_duration_months", g.second}});
        page.add_plot("delay-by-reference", {{"kind", "delay-by-reference"}, {"groups", groups}, {"criterion_ms", r.options.fair.criterion_ms}});
        dist += plot_container("delay-by-reference", "delay-by-reference",
                               "Each subject's FAIR delay (primary session) by reference diagnosis; vertical line: the criterion.");
        page.add_plot("delay-vs-duration", {{"kind", "delay-vs-duration"}, {"groups", groups}});
        dist += "<h3>Delay against symptom duration</h3>\n";
        dist += plot_container("delay-vs-duration", "delay-vs-duration", "Each subject's FAIR delay against symptom duration, by reference diagnosis.");
        for (const auto& [label, s, key] : {std::tuple{"reference positive", &r.duration_correlation_positive, "duration_correlation_positive"},
                                            std::tuple{"all subjects", &r.duration_correlation_all, "duration_correlation_all"}}) {
            dist += "<p>Spearman, " + std::string(label) + ": ";
            if (*s) {
                dist += "rho " + number_text((*s)->rho) + " (n " + std::to_string((*s)->n) + ")";
                if ((*s)->ci_lo && (*s)->ci_hi) dist += ", 95% CI " + interval(*(*s)->ci_lo, *(*s)->ci_hi, 2);
                dist += ", p = " + number_text((*s)->p_value, 3);
            } else {
                dist += html_escape(why(r, key));
            }
            dist += "</p>\n";
        }
    }
    page.add_section({"delays", "FAIR delay by reference diagnosis", dist});
    page.add_section({"rows", "Every accepted row", rows.rows.empty() ? missing("no accepted row") : rows.render()});
    if (!r.rejected.empty()) {
        HtmlTable t{{"line", "subject", "why rejected"}, {}};
        for (const auto& x : r.rejected) t.rows.push_back({std::to_string(x.line), x.subject, x.reason});
        page.add_section({"rejected", "Rejected rows", t.render()});
    }
    page.add_section({"method", "Method", "<p>" + html_escape(study::fair_study_method_description(r.options)) + "</p>"});
    return page.render();
}

}  // namespace edx::report
