#include "edx/study/intraclass_correlation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <boost/math/distributions/fisher_f.hpp>

#include "argument_checks.hpp"

namespace edx::study {

IntraclassCorrelation intraclass_correlation_2_1(const std::vector<std::vector<double>>& ratings, double confidence) {
    constexpr std::string_view fn = "intraclass_correlation_2_1";
    detail::require_confidence(confidence, fn);
    if (ratings.size() < 2) throw std::invalid_argument("intraclass_correlation_2_1: needs at least 2 subjects");
    const std::size_t k = ratings.front().size();
    if (k < 2) throw std::invalid_argument("intraclass_correlation_2_1: needs at least 2 sessions");
    for (std::size_t i = 0; i < ratings.size(); ++i) {
        if (ratings[i].size() != k) {
            throw std::invalid_argument("intraclass_correlation_2_1: subject " + std::to_string(i) + " has " +
                                        std::to_string(ratings[i].size()) + " sessions, the first has " +
                                        std::to_string(k));
        }
        detail::require_finite(ratings[i], fn, "ratings[" + std::to_string(i) + "]");
    }
    const double n = static_cast<double>(ratings.size());
    const double kd = static_cast<double>(k);

    double grand = 0.0;
    for (const auto& row : ratings) {
        for (double v : row) grand += v;
    }
    grand /= n * kd;
    std::vector<double> column_mean(k, 0.0);
    double ss_rows = 0.0, ss_total = 0.0;
    for (const auto& row : ratings) {
        double row_mean = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
            row_mean += row[j];
            column_mean[j] += row[j] / n;
            ss_total += (row[j] - grand) * (row[j] - grand);
        }
        row_mean /= kd;
        ss_rows += kd * (row_mean - grand) * (row_mean - grand);
    }
    double ss_columns = 0.0;
    for (double c : column_mean) ss_columns += n * (c - grand) * (c - grand);
    if (ss_total == 0.0) throw std::invalid_argument("intraclass_correlation_2_1: every value is the same");
    const double ss_error = std::max(0.0, ss_total - ss_rows - ss_columns);

    IntraclassCorrelation r;
    r.subjects = static_cast<int>(ratings.size());
    r.sessions = static_cast<int>(k);
    r.confidence = confidence;
    r.ms_subjects = ss_rows / (n - 1.0);
    r.ms_sessions = ss_columns / (kd - 1.0);
    r.ms_error = ss_error / ((n - 1.0) * (kd - 1.0));
    const double msr = r.ms_subjects, msc = r.ms_sessions, mse = r.ms_error;
    r.icc = (msr - mse) / (msr + (kd - 1.0) * mse + kd * (msc - mse) / n);
    if (!(r.icc < 1.0) || mse == 0.0) return r;  // no error variance: no interval

    // McGraw & Wong (1996) case 2A; Satterthwaite's degrees of freedom for
    // the denominator mixing the session and error mean squares.
    const double alpha = 1.0 - confidence;
    const double a = kd * r.icc / (n * (1.0 - r.icc));
    const double b = 1.0 + kd * r.icc * (n - 1.0) / (n * (1.0 - r.icc));
    const double num = (a * msc + b * mse) * (a * msc + b * mse);
    const double den = (a * msc) * (a * msc) / (kd - 1.0) + (b * mse) * (b * mse) / ((n - 1.0) * (kd - 1.0));
    const double v = num / den;
    if (!(std::isfinite(v) && v > 0.0)) return r;
    r.df_satterthwaite = v;
    const double f_lo = boost::math::quantile(boost::math::fisher_f(n - 1.0, v), 1.0 - alpha / 2.0);
    const double f_hi = boost::math::quantile(boost::math::fisher_f(v, n - 1.0), 1.0 - alpha / 2.0);
    const double c = kd * msc + (kd * n - kd - n) * mse;
    r.ci_lo = n * (msr - f_lo * mse) / (f_lo * c + n * msr);
    r.ci_hi = n * (f_hi * msr - mse) / (c + n * f_hi * msr);
    return r;
}

nlohmann::ordered_json to_json(const IntraclassCorrelation& r) {
    nlohmann::ordered_json ci = nullptr;
    if (r.ci_lo && r.ci_hi) ci = {*r.ci_lo, *r.ci_hi};
    return {{"icc", r.icc},
            {"ci", ci},
            {"confidence", r.confidence},
            {"subjects", r.subjects},
            {"sessions", r.sessions},
            {"ms_subjects", r.ms_subjects},
            {"ms_sessions", r.ms_sessions},
            {"ms_error", r.ms_error},
            {"df_satterthwaite", r.df_satterthwaite ? nlohmann::ordered_json(*r.df_satterthwaite) : nullptr},
            {"method", "ICC(2,1), Shrout & Fleiss 1979: two-way random effects, absolute agreement, single "
                       "measurement; interval McGraw & Wong 1996 case 2A"}};
}

}  // namespace edx::study
