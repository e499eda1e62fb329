// Regular trains among the discharges of one waveform: the chains of
// discharges that follow each other at a steady period (a fibrillating fibre,
// a complex repetitive discharge), found even when discharges of several
// trains interleave or some were missed; and the firing statistics of a train
// (rate, CV2 regularity) used to tell regular from irregular firing.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <vector>

namespace edx::emg {

struct TrainSearch {
    double min_period_s = 1.0 / 150.0;
    double max_period_s = 2.0;
    double tolerance = 0.12;      // of the current period, plus 0.5 ms
    int max_missed = 3;           // consecutive expected discharges a train may skip
    int min_discharges = 4;
    // Chains of more than min_discharges at or below this CV2 are regular
    // trains and are taken before any irregular one, however long: where
    // several trains of one waveform interleave, a chain hopping between them
    // collects more discharges than any single train but is not a train
    // (min_discharges alone line up regularly by chance too often to count).
    // Two regular chains whose union is irregular are not joined as one train
    // seen sparsely. Infinity: length alone decides.
    double regular_max_cv2 = std::numeric_limits<double>::infinity();

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct Chain {
    std::vector<std::size_t> members;  // indices into the searched times, increasing
    std::vector<int> steps;            // periods spanned by each interval (1 = consecutive)
    double period_s = 0.0;             // median of the intervals divided by their steps
    double cv2 = 0.0;                  // of the intervals divided by their steps
};

// Whether discharges i and j (indices into the searched times) may belong to
// one train, e.g. because their waveforms agree within the noise.
using Compatible = std::function<bool(std::size_t i, std::size_t j)>;

// Disjoint chains among `times_s` (strictly increasing), regular ones (see
// regular_max_cv2) first, then longest first: each
// starts from a pair of discharges one period apart, then follows the period
// (updated as it goes) forward and backward, taking the nearest discharge
// within tolerance of each expected time that is compatible with the
// chain's last discharge. Chains shorter than min_discharges are not returned.
std::vector<Chain> find_chains(std::span<const double> times_s, const TrainSearch& search,
                               const Compatible& compatible = {});

// Whether two trains are one: both periods are whole multiples of a common
// period (the shorter one divided by 1 to 6, not below min_period_s), and
// every interval of their union is a whole number of it
// (within 0.5 ms + tolerance x period x sqrt(periods)). Chains of one train
// broken where discharges were missed, or split between two waveform
// clusters, are joined this way; two trains firing time-locked with a delay are not.
bool same_lattice(std::span<const double> a_s, double a_period_s, std::span<const double> b_s, double b_period_s,
                  double tolerance, double min_period_s = 0.0);

// The chain statistics (steps, period, CV2) of a given train (strictly increasing times).
Chain describe_chain(std::span<const double> times_s);

// Holt's CV2: the mean over consecutive intervals of 2|I(k+1) - I(k)| / (I(k+1) + I(k)),
// each interval divided by its step count. 0 for fewer than 3 discharges.
double interval_cv2(std::span<const double> times_s, std::span<const int> steps);

// Mean firing rate from the median interval (robust to a missed or extra
// discharge); 0 for fewer than 2 discharges.
double median_rate_hz(std::span<const double> times_s);

}  // namespace edx::emg
