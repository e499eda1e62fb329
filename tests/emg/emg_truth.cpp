#include "emg/emg_truth.hpp"

#include <algorithm>
#include <cmath>

namespace edx::test {

ClassScore score_class(const emg::SpontaneousResult& result, const nlohmann::json& truth, emg::SpontaneousClass kind,
                       double min_uv, double max_uv, double from_s, double to_s, double tolerance_s) {
    const std::string cls(emg::to_string(kind));
    struct T {
        double time;
        std::string cls;
        double amplitude;
    };
    std::vector<T> td;
    for (const auto& d : truth.at("discharges")) {
        const double t = d.at("time_s").get<double>();
        if (t >= from_s && t < to_s) td.push_back({t, d.at("class").get<std::string>(), d.at("amplitude_uv").get<double>()});
    }
    std::vector<const emg::SpontaneousDischarge*> det;
    for (const auto& d : result.discharges) {
        if (d.time_s >= from_s && d.time_s < to_s) det.push_back(&d);
    }
    struct Pair {
        double distance;
        std::size_t t, d;
    };
    std::vector<Pair> pairs;
    for (std::size_t j = 0; j < det.size(); ++j) {
        auto it = std::lower_bound(td.begin(), td.end(), det[j]->time_s - tolerance_s, [](const T& a, double v) { return a.time < v; });
        for (; it != td.end() && it->time <= det[j]->time_s + tolerance_s; ++it) {
            pairs.push_back({std::abs(it->time - det[j]->time_s), static_cast<std::size_t>(it - td.begin()), j});
        }
    }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.distance < b.distance; });
    std::vector<long> t_of_d(det.size(), -1), d_of_t(td.size(), -1);
    for (const auto& p : pairs) {
        if (t_of_d[p.d] < 0 && d_of_t[p.t] < 0) {
            t_of_d[p.d] = static_cast<long>(p.t);
            d_of_t[p.t] = static_cast<long>(p.d);
        }
    }
    auto in_band = [&](const T& t) { return t.cls == cls && t.amplitude >= min_uv && t.amplitude < max_uv; };
    ClassScore s;
    for (std::size_t i = 0; i < td.size(); ++i) {
        if (!in_band(td[i])) continue;
        const long j = d_of_t[i];
        if (j >= 0 && det[static_cast<std::size_t>(j)]->kind == kind) ++s.tp;
        else ++s.fn;
    }
    for (std::size_t j = 0; j < det.size(); ++j) {
        if (det[j]->kind != kind) continue;
        const long i = t_of_d[j];
        if (i < 0 || td[static_cast<std::size_t>(i)].cls != cls) ++s.fp;
    }
    return s;
}

std::vector<double> source_times(const nlohmann::json& truth, const std::string& source, double from_s, double to_s) {
    std::vector<double> out;
    for (const auto& d : truth.at("discharges")) {
        const double t = d.at("time_s").get<double>();
        if (d.at("source") == source && t >= from_s && t < to_s) out.push_back(t);
    }
    return out;
}

TimeMatch match_times(const std::vector<double>& truth_s, const std::vector<double>& found_s, double tolerance_s) {
    TimeMatch m;
    if (found_s.empty()) return m;
    std::vector<double> diffs;
    for (double t : truth_s) {
        auto it = std::lower_bound(found_s.begin(), found_s.end(), t - 0.003);
        double best = 1.0;
        for (; it != found_s.end() && *it <= t + 0.003; ++it) {
            if (std::abs(*it - t) < std::abs(best)) best = *it - t;
        }
        if (best < 1.0) diffs.push_back(best);
    }
    if (!diffs.empty()) {
        std::nth_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(diffs.size() / 2), diffs.end());
        m.offset_s = diffs[diffs.size() / 2];
    }
    for (double t : truth_s) {
        const double at = t + m.offset_s;
        auto it = std::lower_bound(found_s.begin(), found_s.end(), at - tolerance_s);
        if (it != found_s.end() && std::abs(*it - at) <= tolerance_s) ++m.matched;
    }
    return m;
}

double best_correlation(const std::vector<double>& a, std::size_t a_ref, const std::vector<double>& b, std::size_t b_ref,
                        int ratio, int before, int after, int max_lag) {
    double best = -1.0;
    for (int lag = -max_lag; lag <= max_lag; ++lag) {
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = -before; i <= after; ++i) {
            const long ai = static_cast<long>(a_ref) + i;
            const long bi = static_cast<long>(b_ref) + static_cast<long>(i + lag) * ratio;
            if (ai < 0 || ai >= static_cast<long>(a.size()) || bi < 0 || bi >= static_cast<long>(b.size())) continue;
            sxy += a[static_cast<std::size_t>(ai)] * b[static_cast<std::size_t>(bi)];
            sxx += a[static_cast<std::size_t>(ai)] * a[static_cast<std::size_t>(ai)];
            syy += b[static_cast<std::size_t>(bi)] * b[static_cast<std::size_t>(bi)];
        }
        if (sxx > 0 && syy > 0) best = std::max(best, sxy / std::sqrt(sxx * syy));
    }
    return best;
}

}  // namespace edx::test
