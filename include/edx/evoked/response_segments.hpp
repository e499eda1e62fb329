// Where the responses of a recording lie, found from the data rather than
// from fixed latency windows: stretches of the mean sweep whose local change
// stands out of its noise. The mean is cleared of mains hum locked to the
// stimulus rate and differenced over a short lag (a local band-pass: the slow
// tail a clinical high-pass leaves after a large M-wave is stimulus-locked but
// no response, and a filter would spread a large wave into its neighbours);
// the noise level comes from the sweep-to-sweep spread of the same
// difference, which locked interference does not enter.
// Constants: signals/norms/evoked_measurement.json, /segments.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "edx/evoked/evoked_pipeline.hpp"

namespace edx::evoked {

struct SegmentCriterion {
    double difference_lag_ms = 0.5;
    double smoothing_ms = 0.5;
    double k_noise_sd = 5.0;
    double merge_gap_ms = 1.0;
    double min_duration_ms = 0.5;
    int mains_harmonics = 4;
    double floor_fraction = 0.01;  // the threshold is at least this fraction of the largest difference

    static SegmentCriterion from_signals();
    void validate() const;  // throws std::invalid_argument naming the field
};

struct ResponseSegment {
    std::size_t begin = 0, end = 0;  // [begin, end) in sweep samples
    std::size_t peak_index = 0;      // largest |difference| inside
    double peak_abs = 0.0;           // |difference| there
    double energy = 0.0;             // sum of the difference squared over the segment
};

struct SegmentSearch {
    std::vector<double> mean;     // the mean sweep of the rows
    std::vector<double> cleaned;     // the mean less the locked mains
    std::vector<double> difference;  // cleaned(t + lag) - cleaned(t - lag), 0 where undefined
    double noise_sd = 0.0;           // noise SD of one sample of `difference`
    double mains_hz = 0.0;        // locked mains removed (50 or 60), 0 if none found
    std::vector<double> mains;    // the locked mains over the sweep (zeros if none)
    std::vector<ResponseSegment> segments;  // in time order, all after the blanking
};

// `rows`: the rows of `sweeps` to average (empty: all). `known_noise_sd`: the
// noise SD of the difference from an earlier search of the same rows (it is
// then not estimated again).
SegmentSearch find_response_segments(const PreparedSweeps& sweeps, std::span<const std::size_t> rows,
                                     const SegmentCriterion& criterion, std::optional<double> known_noise_sd = {});

// Subtracts the locked mains found by the search from every row: hum locked
// to the stimulus is the same in every sweep, so it would pass into the
// template and move its baseline by more than its noise.
void remove_locked_mains(PreparedSweeps& sweeps, const SegmentSearch& search);

}  // namespace edx::evoked
