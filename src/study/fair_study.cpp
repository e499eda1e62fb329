#include "edx/study/fair_study.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::study {

namespace {

constexpr std::string_view kEvidence = "evidence/dgs_vs_radiculopathy.json";

template <class T>
nlohmann::ordered_json optional_json(const std::optional<T>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

template <class T>
nlohmann::ordered_json stat_json(const std::optional<T>& v) {
    return v ? to_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string count_text(std::size_t n, const char* what) {
    return std::to_string(n) + " " + what;
}

}  // namespace

void FairStudyOptions::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("FairStudyOptions." + what); };
    fair.validate();
    if (!(precision > 0.0 && precision <= 0.5)) fail("precision must be in (0, 0.5]");
    if (prevalence && !(*prevalence > 0.0 && *prevalence < 1.0)) fail("prevalence must be in (0, 1)");
    if (threads < 0) fail("threads must be >= 0");
    if (!(confidence > 0.0 && confidence < 1.0)) fail("confidence must be in (0, 1)");
    youden.validate();
}

PublishedAccuracy published_fair_accuracy() {
    PublishedAccuracy p;
    p.sensitivity = signals::constant(kEvidence, "/parameters/fish02_fair_sensitivity");
    p.specificity = signals::constant(kEvidence, "/parameters/fish02_fair_specificity");
    p.source = signals::table(kEvidence).at("sources").at("Fish02").get<std::string>();
    return p;
}

FairStudyResult summarise_fair_study(const FairManifest& manifest, const std::vector<RowMeasurement>& measurements,
                                     const FairStudyOptions& options) {
    options.validate();
    if (measurements.size() != manifest.rows.size()) {
        throw std::invalid_argument("summarise_fair_study: one measurement per manifest row is needed");
    }
    FairStudyResult r;
    r.manifest = manifest.source;
    r.options = options;
    r.published = published_fair_accuracy();
    r.rejected = manifest.rejected;
    const double criterion = options.fair.criterion_ms;

    for (std::size_t i = 0; i < manifest.rows.size(); ++i) {
        const ManifestRow& m = manifest.rows[i];
        const RowMeasurement& x = measurements[i];
        if (x.outcome == RowOutcome::rejected) {
            r.rejected.push_back({m.line, m.subject, x.reason});
            continue;
        }
        FairStudyRow row;
        row.line = m.line;
        row.subject = m.subject;
        row.session = m.session;
        row.file = m.file;
        row.recording = x.recording;
        row.side = x.side;
        row.reference = m.reference;
        row.reference_positive = m.reference_positive;
        row.symptom_duration_months = m.symptom_duration_months;
        row.outcome = x.outcome;
        row.n_anatomic = x.estimate.n_anatomic;
        row.n_fair = x.estimate.n_fair;
        if (x.outcome == RowOutcome::measured) {
            row.delay_ms = x.estimate.delay_ms;
            row.delay_ci95_lo_ms = x.estimate.ci95_lo_ms;
            row.delay_ci95_hi_ms = x.estimate.ci95_hi_ms;
            row.p_value = x.estimate.p_value;
            row.significant = x.estimate.significant;
            row.test_positive = *x.estimate.delay_ms >= criterion;
        } else {
            row.indeterminate_reason = x.reason;
        }
        r.rows.push_back(std::move(row));
    }
    std::stable_sort(r.rejected.begin(), r.rejected.end(),
                     [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });

    // Each subject's accepted rows by session.
    std::map<std::string, std::vector<std::size_t>> by_subject;
    for (std::size_t i = 0; i < r.rows.size(); ++i) by_subject[r.rows[i].subject].push_back(i);
    for (auto& [subject, idx] : by_subject) {
        std::sort(idx.begin(), idx.end(),
                  [&](std::size_t a, std::size_t b) { return r.rows[a].session < r.rows[b].session; });
        r.rows[idx.front()].primary = true;
        if (idx.size() >= 2) {
            const FairStudyRow& a = r.rows[idx[0]];
            const FairStudyRow& b = r.rows[idx[1]];
            if (a.delay_ms && b.delay_ms) {
                r.retest.push_back({subject, a.session, b.session, a.line, b.line, *a.delay_ms, *b.delay_ms});
            }
        }
    }
    std::sort(r.retest.begin(), r.retest.end(),
              [](const RetestPair& a, const RetestPair& b) { return a.first_line < b.first_line; });

    FairStudyCounts& c = r.counts;
    c.manifest_rows = manifest.data_rows;
    c.rejected = r.rejected.size();
    c.subjects = by_subject.size();
    c.retest_pairs = r.retest.size();
    std::vector<double> pos, neg, dur_pos, delay_pos, dur_all, delay_all;
    for (const auto& row : r.rows) {
        (row.outcome == RowOutcome::measured ? c.measured : c.indeterminate)++;
        if (!row.primary) continue;
        if (!row.delay_ms) {
            ++c.subjects_indeterminate;
            continue;
        }
        ++c.subjects_with_delay;
        (row.reference_positive ? pos : neg).push_back(*row.delay_ms);
        if (row.symptom_duration_months) {
            dur_all.push_back(*row.symptom_duration_months);
            delay_all.push_back(*row.delay_ms);
            if (row.reference_positive) {
                dur_pos.push_back(*row.symptom_duration_months);
                delay_pos.push_back(*row.delay_ms);
            }
        }
    }
    c.reference_positive = pos.size();
    c.reference_negative = neg.size();

    const double conf = options.confidence;
    auto attempt = [&](const std::string& name, auto&& compute) {
        try {
            compute();
        } catch (const std::invalid_argument& e) {
            // The statistics say precisely what they lacked.
            r.unavailable[name] = e.what();
        }
    };
    const std::string groups = count_text(pos.size(), "reference-positive and ") +
                               count_text(neg.size(), "reference-negative subjects with a delay");
    if (!pos.empty() && !neg.empty()) {
        attempt("accuracy", [&] { r.accuracy = diagnostic_accuracy(pos, neg, criterion, conf); });
        YoudenOptions y = options.youden;
        y.confidence = conf;
        attempt("youden_cutoff", [&] { r.youden = youden_cutoff(pos, neg, y); });
    } else {
        r.unavailable["accuracy"] = "needs reference-positive and reference-negative subjects; the study has " + groups;
        r.unavailable["youden_cutoff"] = r.unavailable["accuracy"];
    }
    if (pos.size() >= 2 && neg.size() >= 2) {
        attempt("roc", [&] { r.roc = roc_curve(pos, neg, conf); });
    } else {
        r.unavailable["roc"] = "the DeLong interval needs at least 2 subjects in each group; the study has " + groups;
    }
    auto correlate = [&](const std::string& name, const std::vector<double>& d, const std::vector<double>& delay,
                         std::optional<SpearmanCorrelation>& out) {
        if (d.size() < 3) {
            r.unavailable[name] = "needs at least 3 subjects with a delay and a symptom duration; the study has " +
                                  std::to_string(d.size());
            return;
        }
        attempt(name, [&] { out = spearman_correlation(d, delay, conf); });
    };
    correlate("duration_correlation_positive", dur_pos, delay_pos, r.duration_correlation_positive);
    correlate("duration_correlation_all", dur_all, delay_all, r.duration_correlation_all);

    if (r.retest.size() >= 2) {
        std::vector<std::vector<double>> ratings;
        std::vector<double> first, second;
        for (const auto& p : r.retest) {
            ratings.push_back({p.first_delay_ms, p.second_delay_ms});
            first.push_back(p.first_delay_ms);
            second.push_back(p.second_delay_ms);
        }
        attempt("retest_icc", [&] { r.retest_icc = intraclass_correlation_2_1(ratings, conf); });
        attempt("retest_bland_altman", [&] { r.retest_bland_altman = bland_altman(first, second, conf); });
    } else {
        r.unavailable["retest_icc"] = "needs at least 2 subjects with two sessions that both have a delay; the study has " +
                                      std::to_string(r.retest.size());
        r.unavailable["retest_bland_altman"] = r.unavailable["retest_icc"];
    }

    if (options.prevalence) {
        r.prevalence = options.prevalence;
        r.prevalence_from = "option";
    } else if (!pos.empty() && !neg.empty()) {
        r.prevalence = static_cast<double>(pos.size()) / static_cast<double>(pos.size() + neg.size());
        r.prevalence_from = "study";
    }
    if (r.prevalence) {
        attempt("sample_size", [&] {
            r.sample_size = buderer_sample_size(r.published.sensitivity, r.published.specificity, options.precision,
                                                *r.prevalence, conf);
        });
    } else {
        r.unavailable["sample_size"] =
            "no prevalence: the study has no reference positives or no negatives with a delay; give one (--prevalence)";
    }
    return r;
}

FairStudyResult run_fair_study(const FairManifest& manifest, const FairStudyOptions& options,
                               const std::function<void(const MeasurementProgress&)>& progress) {
    options.validate();
    const auto measurements = measure_rows(manifest.rows, options.fair, options.threads, progress);
    return summarise_fair_study(manifest, measurements, options);
}

std::string fair_study_method_description(const FairStudyOptions& o) {
    std::ostringstream s;
    s << "Each row's recording is analysed as edx fair analyses it (H onset latency per sweep, FAIR delay = "
         "Hodges-Lehmann shift of the FAIR sweeps over the anatomic baseline). A subject counts once, with its "
         "lowest-numbered accepted session; a subject whose delay could not be measured is reported as "
         "indeterminate and left out of the accuracy statistics. Test positive: delay >= "
      << o.fair.criterion_ms
      << " ms. Sensitivity and specificity with Wilson " << o.confidence * 100
      << "% intervals. ROC over every observed delay; AUC = Mann-Whitney U / (n1 n0) with the DeLong (1988) "
         "variance, interval AUC -/+ z SE clipped to [0, 1]. Youden-optimal cut-off: the observed delay with the "
         "largest sensitivity + specificity - 1 (equal: the highest), with a stratified percentile bootstrap "
         "interval ("
      << o.youden.resamples << " resamples, seed " << o.youden.seed
      << "). Spearman rho of delay against symptom duration (reference-positive subjects, and all subjects), p "
         "from Student t, interval by Fisher z with the Bonett-Wright SE. Test-retest on each subject's two "
         "lowest-numbered accepted sessions, when both have a delay: ICC(2,1) (two-way random, absolute agreement, single measure; "
         "McGraw-Wong interval) and Bland-Altman bias and 95% limits of agreement (second minus first). Sample "
         "size: Buderer (1996) for the published sensitivity and specificity at a half-width of "
      << o.precision << ".";
    return s.str();
}

nlohmann::ordered_json to_json(const FairStudyRow& row) {
    nlohmann::ordered_json ci = nullptr;
    if (row.delay_ci95_lo_ms && row.delay_ci95_hi_ms) ci = {*row.delay_ci95_lo_ms, *row.delay_ci95_hi_ms};
    return {{"line", row.line},
            {"subject", row.subject},
            {"session", row.session},
            {"primary", row.primary},
            {"file", row.file},
            {"recording", row.recording},
            {"side", row.side},
            {"reference", row.reference},
            {"reference_positive", row.reference_positive},
            {"symptom_duration_months", optional_json(row.symptom_duration_months)},
            {"outcome", to_string(row.outcome)},
            {"delay_ms", optional_json(row.delay_ms)},
            {"delay_ci95_ms", ci},
            {"p_value", optional_json(row.p_value)},
            {"significant", optional_json(row.significant)},
            {"test_positive", optional_json(row.test_positive)},
            {"n_anatomic", row.n_anatomic},
            {"n_fair", row.n_fair},
            {"indeterminate_reason", row.indeterminate_reason.empty() ? nlohmann::ordered_json(nullptr)
                                                                       : nlohmann::ordered_json(row.indeterminate_reason)}};
}

nlohmann::ordered_json to_json(const FairStudyResult& r) {
    const FairStudyCounts& c = r.counts;
    nlohmann::ordered_json doc;
    doc["manifest"] = r.manifest;
    doc["criterion_ms"] = r.options.fair.criterion_ms;
    doc["value_unit"] = "ms";
    doc["counts"] = {{"manifest_rows", c.manifest_rows},
                     {"measured", c.measured},
                     {"indeterminate", c.indeterminate},
                     {"rejected", c.rejected},
                     {"subjects", c.subjects},
                     {"subjects_with_delay", c.subjects_with_delay},
                     {"reference_positive", c.reference_positive},
                     {"reference_negative", c.reference_negative},
                     {"subjects_indeterminate", c.subjects_indeterminate},
                     {"retest_pairs", c.retest_pairs}};
    doc["accuracy"] = stat_json(r.accuracy);
    doc["roc"] = stat_json(r.roc);
    doc["youden_cutoff"] = stat_json(r.youden);
    doc["symptom_duration_correlation"] = {{"reference_positive", stat_json(r.duration_correlation_positive)},
                                           {"all", stat_json(r.duration_correlation_all)}};
    nlohmann::ordered_json pairs = nlohmann::ordered_json::array();
    for (const auto& p : r.retest) {
        pairs.push_back({{"subject", p.subject},
                         {"sessions", {p.first_session, p.second_session}},
                         {"lines", {p.first_line, p.second_line}},
                         {"delay_ms", {p.first_delay_ms, p.second_delay_ms}}});
    }
    doc["test_retest"] = {{"icc_2_1", stat_json(r.retest_icc)},
                          {"bland_altman", stat_json(r.retest_bland_altman)},
                          {"pairs", pairs}};
    doc["sample_size"] = {{"published_sensitivity", r.published.sensitivity},
                          {"published_specificity", r.published.specificity},
                          {"published_source", r.published.source},
                          {"precision", r.options.precision},
                          {"prevalence", optional_json(r.prevalence)},
                          {"prevalence_from", r.prevalence_from.empty() ? nlohmann::ordered_json(nullptr)
                                                                        : nlohmann::ordered_json(r.prevalence_from)},
                          {"buderer", stat_json(r.sample_size)}};
    doc["unavailable"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : r.unavailable) doc["unavailable"][k] = v;
    doc["rows"] = nlohmann::ordered_json::array();
    for (const auto& row : r.rows) doc["rows"].push_back(to_json(row));
    doc["rejected"] = nlohmann::ordered_json::array();
    for (const auto& x : r.rejected) {
        doc["rejected"].push_back({{"line", x.line},
                                   {"subject", x.subject.empty() ? nlohmann::ordered_json(nullptr)
                                                                 : nlohmann::ordered_json(x.subject)},
                                   {"reason", x.reason}});
    }
    doc["method"] = fair_study_method_description(r.options);
    return doc;
}

}  // namespace edx::study
