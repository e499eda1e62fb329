// edx fair-study MANIFEST.csv [--criterion-ms X] [--precision W] [--prevalence P]
// [--threads N] [--rows] [--json]: the FAIR H-reflex test validated on a cohort
// (edx/study/fair_study.hpp): every manifest row measured as `edx fair` does,
// then accuracy, ROC, optimal cut-off, correlation with symptom duration,
// test-retest agreement and the size of a confirmatory study.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/report/html_page.hpp"
#include "edx/report/html_text.hpp"
#include "edx/report/study_report.hpp"
#include "edx/signals/table.hpp"
#include "edx/study/fair_study.hpp"

namespace edx::cli {

namespace {

constexpr const char* kNotice =
    "Research tool for validating the FAIR H-reflex test on a cohort; decision support, not a diagnosis.";

std::string fixed(double v, int decimals = 2) { return report::number_text(v, decimals); }

std::string interval(double lo, double hi, int decimals = 2) { return report::interval_text(lo, hi, decimals); }

std::string percent(double confidence) { return fixed(confidence * 100.0, 0) + "%"; }

void print_proportion(const char* label, const study::ProportionEstimate& p) {
    std::cout << "  " << label << fixed(p.proportion, 3) << " (" << p.successes << "/" << p.trials << "), "
              << percent(p.confidence) << " CI " << interval(p.ci_lo, p.ci_hi, 3) << " (Wilson)\n";
}

void print_spearman(const char* label, const std::optional<study::SpearmanCorrelation>& s, const std::string& why) {
    std::cout << "  " << label;
    if (!s) {
        std::cout << "not computed: " << why << "\n";
        return;
    }
    std::cout << "rho " << fixed(s->rho) << " (n " << s->n << ")";
    if (s->ci_lo) std::cout << ", " << percent(s->confidence) << " CI " << interval(*s->ci_lo, *s->ci_hi);
    std::cout << ", p = " << fixed(s->p_value, 3) << "\n";
}

std::string why(const study::FairStudyResult& r, const std::string& key) {
    const auto it = r.unavailable.find(key);
    return it == r.unavailable.end() ? std::string("-") : it->second;
}

void print_text(const study::FairStudyResult& r, bool rows) {
    const auto& c = r.counts;
    std::cout << "edx fair-study  " << r.manifest << "\n" << kNotice << "\n\n";
    std::cout << "rows      " << c.manifest_rows << " in the manifest: " << c.measured << " measured, "
              << c.indeterminate << " indeterminate, " << c.rejected << " rejected\n";
    std::cout << "subjects  " << c.subjects << ": " << c.subjects_with_delay << " with a delay ("
              << c.reference_positive << " reference positive, " << c.reference_negative << " negative), "
              << c.subjects_indeterminate << " indeterminate; " << c.retest_pairs << " with a retest\n\n";

    std::cout << "criterion " << fixed(r.options.fair.criterion_ms) << " ms (delay at or above: test positive)\n";
    if (r.accuracy) {
        print_proportion("sensitivity  ", r.accuracy->sensitivity);
        print_proportion("specificity  ", r.accuracy->specificity);
    } else {
        std::cout << "  not computed: " << why(r, "accuracy") << "\n";
    }
    std::cout << "ROC\n";
    if (r.roc) {
        std::cout << "  AUC " << fixed(r.roc->auc, 3) << ", " << percent(r.roc->confidence) << " CI "
                  << interval(r.roc->auc_ci_lo, r.roc->auc_ci_hi, 3) << " (DeLong); " << r.roc->points.size()
                  << " points\n";
    } else {
        std::cout << "  not computed: " << why(r, "roc") << "\n";
    }
    if (r.youden) {
        const auto& y = *r.youden;
        std::cout << "  Youden-optimal cut-off " << fixed(y.cutoff) << " ms (sensitivity " << fixed(y.sensitivity, 3)
                  << ", specificity " << fixed(y.specificity, 3) << "), " << percent(y.confidence) << " CI "
                  << interval(y.ci_lo, y.ci_hi) << " ms (bootstrap, " << y.resamples << " resamples)\n";
    } else {
        std::cout << "  Youden-optimal cut-off not computed: " << why(r, "youden_cutoff") << "\n";
    }
    std::cout << "delay against symptom duration (Spearman)\n";
    print_spearman("reference positive  ", r.duration_correlation_positive, why(r, "duration_correlation_positive"));
    print_spearman("all subjects        ", r.duration_correlation_all, why(r, "duration_correlation_all"));
    std::cout << "test-retest (each subject's first two accepted sessions, when both have a delay)\n";
    if (r.retest_icc) {
        const auto& i = *r.retest_icc;
        std::cout << "  ICC(2,1) " << fixed(i.icc) << " (n " << i.subjects << ")";
        if (i.ci_lo) std::cout << ", " << percent(i.confidence) << " CI " << interval(*i.ci_lo, *i.ci_hi);
        std::cout << "\n";
    } else {
        std::cout << "  ICC not computed: " << why(r, "retest_icc") << "\n";
    }
    if (r.retest_bland_altman) {
        const auto& b = *r.retest_bland_altman;
        std::cout << "  Bland-Altman bias " << fixed(b.bias) << " ms " << interval(b.bias_ci_lo, b.bias_ci_hi)
                  << "; 95% limits of agreement " << fixed(b.lower_limit) << " "
                  << interval(b.lower_limit_ci_lo, b.lower_limit_ci_hi) << " to " << fixed(b.upper_limit) << " "
                  << interval(b.upper_limit_ci_lo, b.upper_limit_ci_hi) << " ms\n";
    }
    std::cout << "confirmatory study (Buderer 1996): sensitivity " << fixed(r.published.sensitivity, 3)
              << " and specificity " << fixed(r.published.specificity, 3) << " [Fishman 2002] to +/- "
              << fixed(r.options.precision, 3) << "\n";
    if (r.sample_size) {
        const auto& s = *r.sample_size;
        std::cout << "  " << s.subjects << " subjects at prevalence " << fixed(s.prevalence, 3) << " ("
                  << (r.prevalence_from == "option" ? "--prevalence" : "this study's") << "): "
                  << s.subjects_for_sensitivity << " for the sensitivity, " << s.subjects_for_specificity
                  << " for the specificity\n";
    } else {
        std::cout << "  not computed: " << why(r, "sample_size") << "\n";
    }

    if (rows) {
        std::cout << "\nrows\n  line  subject          session  reference                  months  delay_ms  95% CI          "
                     "test\n";
        for (const auto& row : r.rows) {
            char line[256];
            std::snprintf(line, sizeof line, "  %4zu  %-16s %7d  %-25s %7s  %8s  %-14s  %s", row.line,
                          row.subject.c_str(), row.session, row.reference.c_str(),
                          row.symptom_duration_months ? fixed(*row.symptom_duration_months, 1).c_str() : "-",
                          row.delay_ms ? fixed(*row.delay_ms).c_str() : "-",
                          row.delay_ci95_lo_ms ? interval(*row.delay_ci95_lo_ms, *row.delay_ci95_hi_ms).c_str() : "",
                          row.delay_ms ? (*row.test_positive ? "positive" : "negative") : "indeterminate");
            std::cout << line << (row.primary ? "" : " (retest)") << "\n";
        }
    }
    if (!r.rejected.empty()) {
        std::cout << "\nrejected rows\n";
        for (const auto& x : r.rejected) {
            std::cout << "  line " << x.line << (x.subject.empty() ? "" : " (" + x.subject + ")") << ": " << x.reason
                      << "\n";
        }
    }
    std::cout << "\n" << study::fair_study_method_description(r.options) << "\n";
}

}  // namespace

int run_fair_study(const std::vector<std::string>& args) {
    study::FairStudyOptions defaults;
    po::options_description options("options");
    bool json = false, rows = false;
    options.add_options()("manifest", po::value<std::string>(), "the study manifest (CSV)")(
        "criterion-ms", po::value<double>()->default_value(defaults.fair.criterion_ms, fixed(defaults.fair.criterion_ms)),
        "FAIR delay at or above which a leg is test positive (default: 3 SD beyond the control mean [Fish02b])")(
        "precision", po::value<double>()->default_value(defaults.precision, fixed(defaults.precision)),
        "half-width of the 95% intervals a confirmatory study should reach")(
        "prevalence", po::value<double>(),
        "prevalence in the confirmatory study's population (default: this study's share of reference positives)")(
        "threads", po::value<int>()->default_value(0), "recordings analysed in parallel (0: one per core)")(
        "rows", po::bool_switch(&rows), "list every row's delay in the text output")(
        "json", po::bool_switch(&json), "print one JSON document instead of text")(
        "html", po::value<std::string>(),
        "also write the HTML report (ROC curve, delays by reference diagnosis, delay against symptom duration), atomically");
    po::positional_options_description positional;
    positional.add("manifest", 1);
    const auto vm = parse(args,
                          "edx fair-study MANIFEST.csv [--criterion-ms X] [--precision W] [--prevalence P] "
                          "[--threads N] [--rows] [--json] [--html STUDY.html]",
                          "Validates the FAIR H-reflex test on a cohort. Each row of the manifest (CSV: subject,\n"
                          "file, recording, reference, symptom_duration_months, session; see\n"
                          "signals/examples/README-fair-study-manifest.md) is analysed as `edx fair` analyses it,\n"
                          "in parallel; then the sensitivity and specificity of the criterion (Wilson intervals),\n"
                          "the ROC curve and AUC (DeLong interval), the Youden-optimal cut-off (bootstrap\n"
                          "interval), Spearman's correlation of the delay with symptom duration, test-retest\n"
                          "ICC(2,1) and Bland-Altman limits where sessions repeat, and the subjects a confirmatory\n"
                          "study needs (Buderer). Bad rows are listed with their line and reason and skipped.\n"
                          "Progress goes to stderr.\n\n" +
                              study::fair_study_method_description(defaults),
                          options, positional);
    if (!vm) return 0;
    if (!vm->count("manifest")) throw UsageError("missing MANIFEST.csv");
    study::FairStudyOptions o;
    o.fair.criterion_ms = vm->at("criterion-ms").as<double>();
    if (!(std::isfinite(o.fair.criterion_ms) && o.fair.criterion_ms > 0.0)) {
        throw UsageError("--criterion-ms must be a positive number of milliseconds");
    }
    o.precision = vm->at("precision").as<double>();
    if (!(o.precision > 0.0 && o.precision <= 0.5)) throw UsageError("--precision must be in (0, 0.5]");
    if (vm->count("prevalence")) {
        o.prevalence = vm->at("prevalence").as<double>();
        if (!(*o.prevalence > 0.0 && *o.prevalence < 1.0)) throw UsageError("--prevalence must be in (0, 1)");
    }
    o.threads = vm->at("threads").as<int>();
    if (o.threads < 0) throw UsageError("--threads must be >= 0");

    const study::FairManifest manifest = study::read_fair_manifest(vm->at("manifest").as<std::string>());
    // One line on stderr, rewritten at most every 0.2 s on a terminal; into a
    // file or pipe only the final count. The rejected count includes the rows
    // the manifest's own checks refused.
    const bool terminal = isatty(STDERR_FILENO) != 0;
    auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    const auto progress = [&](const study::MeasurementProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (p.done < p.total && (!terminal || now - last < std::chrono::milliseconds(200))) return;
        last = now;
        std::fprintf(stderr, "\rfair-study: %zu/%zu recordings analysed, %zu rows rejected, %zu indeterminate",
                     p.done, p.total, manifest.rejected.size() + p.rejected, p.indeterminate);
        if (p.done == p.total) std::fprintf(stderr, "\n");
        std::fflush(stderr);
    };
    const study::FairStudyResult result = study::run_fair_study(manifest, o, progress);
    if (vm->count("html")) {
        const std::string html_file = vm->at("html").as<std::string>();
        report::write_html_file(html_file, report::study_report_html(result, utc_now_iso8601()));
        // stderr, so --json keeps stdout one JSON document.
        std::cerr << "fair-study: HTML report written to " << html_file << "\n";
    }

    if (json) {
        nlohmann::ordered_json doc;
        doc["notice"] = kNotice;
        doc["criterion_source"] = signals::table("norms/fair_criterion.json").at("sources").at("Fish02b");
        doc.update(study::to_json(result));
        std::cout << doc.dump(2) << "\n";
        return 0;
    }
    print_text(result, rows);
    return 0;
}

}  // namespace edx::cli
