// Internal to the emg module: sorting detected potentials by waveform, the
// first step of both the spontaneous-activity analysis and the MUAP
// decomposition. Largest potentials first, each joins the cluster whose mean
// waveform it matches within the noise (at the best shift within +/- S
// samples), or starts one.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace edx::emg::detail {

struct ClusteredEvent {
    std::size_t index = 0;    // detection peak (sample)
    double value = 0.0;       // signed detection-signal value at the peak
    std::size_t aligned = 0;  // the cluster mean's centre, in this event's samples
    int cluster = -1;
};

struct WaveformClusters {
    int half_width = 0;  // H: samples compared each side of the centre
    int shift = 0;       // S: alignment search, samples each side
    std::vector<std::vector<std::size_t>> members;  // event indices per cluster
    std::vector<std::vector<double>> means;         // per cluster, 2 (H + S) + 1 samples centred on H + S
};

// x outside the signal reads as 0.
inline double sample_at(std::span<const float> x, long long i) {
    return i >= 0 && i < static_cast<long long>(x.size()) ? static_cast<double>(x[static_cast<std::size_t>(i)]) : 0.0;
}

// The noise part of a match: a window of L = 2H + 1 samples of white noise of
// SD sigma has energy L sigma^2, rarely above L sigma^2 (1 + 4 sqrt(2 / L)).
double noise_bound(int half_width, double sigma);

// Clusters `events` (assigning aligned and cluster). A match needs
// distance <= noise_bound + allowance x the larger of the two energies.
WaveformClusters cluster_waveforms(std::span<const float> d, std::vector<ClusteredEvent>& events, int half_width,
                                   int shift, double sigma, double allowance);

}  // namespace edx::emg::detail
