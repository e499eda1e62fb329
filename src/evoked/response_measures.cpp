#include "edx/evoked/response_measures.hpp"

#include <algorithm>
#include <cmath>

namespace edx::evoked {

namespace {

// Vertex of the parabola through three neighbours of index k (offset and value).
std::pair<double, double> vertex(std::span<const double> y, std::size_t k) {
    if (k == 0 || k + 1 >= y.size()) return {static_cast<double>(k), y[k]};
    const double ym = y[k - 1], y0 = y[k], yp = y[k + 1];
    const double den = ym - 2.0 * y0 + yp;
    if (den == 0.0) return {static_cast<double>(k), y0};
    const double d = std::clamp(0.5 * (ym - yp) / den, -0.5, 0.5);
    return {static_cast<double>(k) + d, y0 - 0.25 * (ym - yp) * d};
}

}  // namespace

ResponseMeasures measure_response(std::span<const double> trace, double fs, double first_ms, double onset_index,
                                  double baseline, std::size_t end_index) {
    ResponseMeasures m;
    const double ms = 1000.0 / fs;
    auto time_ms = [&](double index) { return first_ms + index * ms; };
    m.onset_ms = time_ms(onset_index);
    end_index = std::min(end_index, trace.size());
    const auto first = static_cast<std::size_t>(std::max(0.0, std::ceil(onset_index)));
    if (first >= end_index) return m;

    std::size_t kmin = first, kmax = first;
    for (std::size_t k = first; k < end_index; ++k) {
        if (trace[k] < trace[kmin]) kmin = k;
        if (trace[k] > trace[kmax]) kmax = k;
    }
    const auto [neg_t, neg_v] = vertex(trace, kmin);
    const auto [pos_t, pos_v] = vertex(trace, kmax);
    m.negative_peak_ms = time_ms(neg_t);
    m.amplitude_mv = std::max(0.0, baseline - neg_v);
    if (pos_v > baseline) {
        m.positive_peak_ms = time_ms(pos_t);
        m.positive_peak_mv = pos_v - baseline;
    } else {
        m.positive_peak_ms = m.onset_ms;
    }
    m.peak_to_peak_mv = std::max(0.0, pos_v - neg_v);

    // The main negative phase: baseline crossings around the negative peak.
    double start = onset_index;
    for (std::size_t k = kmin; k > first; --k) {
        if (trace[k - 1] >= baseline) {
            const double a = trace[k - 1] - baseline, b = trace[k] - baseline;
            start = static_cast<double>(k - 1) + a / (a - b);
            break;
        }
    }
    start = std::max(start, onset_index);
    double stop = static_cast<double>(end_index - 1);
    for (std::size_t k = kmin; k + 1 < end_index; ++k) {
        if (trace[k + 1] >= baseline) {
            const double a = trace[k] - baseline, b = trace[k + 1] - baseline;
            stop = static_cast<double>(k) + a / (a - b);
            break;
        }
    }
    m.negative_phase_onset_ms = time_ms(start);
    m.negative_phase_end_ms = time_ms(stop);
    m.negative_duration_ms = (stop - start) * ms;
    // Trapezoids of (baseline - trace) between the crossings, with the partial end pieces.
    double area = 0.0;
    const auto i0 = static_cast<std::size_t>(std::ceil(start));
    const auto i1 = static_cast<std::size_t>(std::floor(stop));
    auto depth = [&](std::size_t k) { return std::max(0.0, baseline - trace[k]); };
    if (i0 <= i1 && i1 < trace.size()) {
        for (std::size_t k = i0; k < i1; ++k) area += 0.5 * (depth(k) + depth(k + 1));
        // Pieces from the crossing (depth 0) to the first and last whole samples.
        area += 0.5 * depth(i0) * (static_cast<double>(i0) - start);
        area += 0.5 * depth(i1) * (stop - static_cast<double>(i1));
    }
    m.negative_area_mv_ms = area * ms;
    return m;
}

}  // namespace edx::evoked
