#include "waveform_clusters.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace edx::emg::detail {

double noise_bound(int half_width, double sigma) {
    const double L = 2.0 * half_width + 1.0;
    return L * sigma * sigma * (1.0 + 4.0 * std::sqrt(2.0 / L));
}

WaveformClusters cluster_waveforms(std::span<const float> d, std::vector<ClusteredEvent>& events, int H, int S,
                                   double sigma, double allowance) {
    WaveformClusters out;
    out.half_width = H;
    out.shift = S;
    const auto W = static_cast<std::size_t>(2 * (H + S) + 1);
    const double bound = noise_bound(H, sigma);
    std::vector<std::size_t> order(events.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return std::abs(events[a].value) > std::abs(events[b].value); });
    std::vector<std::vector<double>> sums;
    std::vector<double> mean_energy;
    std::vector<double> peaks;  // largest magnitude of each mean within +/- S of its centre
    std::vector<std::vector<int>> extrema;  // local extrema of each mean within +/- S of its centre
    for (auto ei : order) {
        auto& e = events[ei];
        const auto i = static_cast<long long>(e.index);
        double ex = 0.0;
        for (int k = -H; k <= H; ++k) ex += sample_at(d, i + k) * sample_at(d, i + k);
        int best = -1, best_shift = 0;
        double best_distance = std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < out.means.size(); ++c) {
            const auto& t = out.means[c];
            // A cluster whose largest magnitude near its centre is of a very different size cannot match.
            if (std::abs(e.value) > 2.0 * peaks[c] || peaks[c] > 2.0 * std::abs(e.value)) continue;
            const double limit = bound + allowance * std::max(ex, mean_energy[c]);
            // Shifts that put one of the mean's extrema of the event peak's
            // sign on the peak, give or take two samples.
            std::vector<int> shifts;
            for (int ext : extrema[c]) {
                if (t[static_cast<std::size_t>(H + S + ext)] * e.value <= 0.0) continue;
                for (int s = std::max(-S, ext - 2); s <= std::min(S, ext + 2); ++s) shifts.push_back(s);
            }
            std::sort(shifts.begin(), shifts.end());
            shifts.erase(std::unique(shifts.begin(), shifts.end()), shifts.end());
            for (int s : shifts) {
                double dist = 0.0;
                for (int k = -H; k <= H && dist <= limit; ++k) {
                    const double diff = sample_at(d, i + k) - t[static_cast<std::size_t>(k + s + H + S)];
                    dist += diff * diff;
                }
                if (dist <= limit && dist < best_distance) {
                    best = static_cast<int>(c);
                    best_shift = s;
                    best_distance = dist;
                }
            }
        }
        if (best < 0) {
            best = static_cast<int>(out.means.size());
            best_shift = 0;
            out.means.emplace_back(W, 0.0);
            out.members.emplace_back();
            sums.emplace_back(W, 0.0);
            mean_energy.push_back(0.0);
            peaks.push_back(0.0);
            extrema.emplace_back();
        }
        const auto c = static_cast<std::size_t>(best);
        const long long ref = i - best_shift;
        e.aligned = static_cast<std::size_t>(std::max<long long>(0, ref));
        e.cluster = best;
        out.members[c].push_back(ei);
        const double n = static_cast<double>(out.members[c].size());
        double energy = 0.0;
        for (std::size_t k = 0; k < W; ++k) {
            sums[c][k] += sample_at(d, ref + static_cast<long long>(k) - (H + S));
            out.means[c][k] = sums[c][k] / n;
        }
        for (int k = -H; k <= H; ++k) energy += out.means[c][static_cast<std::size_t>(k + H + S)] * out.means[c][static_cast<std::size_t>(k + H + S)];
        mean_energy[c] = energy;
        double peak = 0.0;
        for (int k = 0; k <= 2 * S; ++k) peak = std::max(peak, std::abs(out.means[c][static_cast<std::size_t>(H + k)]));
        peaks[c] = peak;
        extrema[c].clear();
        for (int k = -S; k <= S; ++k) {
            const double v = out.means[c][static_cast<std::size_t>(H + S + k)];
            const double before = out.means[c][static_cast<std::size_t>(H + S + k - 1)];
            const double after = out.means[c][static_cast<std::size_t>(H + S + k + 1)];
            if ((v > 0.0 && v >= before && v >= after) || (v < 0.0 && v <= before && v <= after)) extrema[c].push_back(k);
        }
    }
    return out;
}

}  // namespace edx::emg::detail
