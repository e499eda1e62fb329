// Is there a stimulus-locked response in a region of the sweeps? A test with a
// controlled false-positive rate, used to report an absent H-wave as absent
// rather than give noise a latency. Stimulus-locked interference that is not a
// response (mains hum locked to the stimulus rate, the slow tail a high-pass
// filter leaves after a large M-wave) is removed by regression before testing.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "edx/evoked/evoked_pipeline.hpp"

namespace edx::evoked {

struct PresenceTest {
    bool tested = false;        // false when there was nothing to test (too few sweeps or samples)
    bool present = false;       // p_value < alpha
    double statistic = 0.0;     // F: energy of the mean sweep over its expectation under no response
    double critical_value = 0.0;
    double p_value = 1.0;
    double alpha = 0.0;
    double numerator_dof = 0.0;  // effective degrees of freedom of the noise in the region
    double region_start_ms = 0.0;
    double region_end_ms = 0.0;
    std::string method;
};
struct PresenceConfig {
    double alpha = 0.001;
    int polynomial_degree = 5;
    int mains_harmonics = 4;
    std::size_t min_sweeps = 3;
    // The region is box-averaged down to about this rate before testing: the
    // responses carry little above 1 kHz, and the test costs less.
    double test_rate_hz = 2500.0;

    static PresenceConfig from_signals();  // /presence of signals/norms/evoked_measurement.json
    void validate() const;                 // throws std::invalid_argument naming the field
};

// Tests the rows of `sweeps` for a response common to them in [begin, end)
// (sweep samples). Within the region every row is cleared, by least squares,
// of Legendre polynomials up to polynomial_degree, of mains sinusoids at
// mains_hz and its odd harmonics (mains_hz <= 0: none) and of the causal
// high-pass's natural modes (what the filter left of an earlier wave, such as
// a large M-wave, decays exactly as these). The statistic is
//   F = N |mean|^2 / (sum_i |row_i - mean|^2 / (N - 1)),
// 1 on average when the rows hold only independent noise, compared with an F
// distribution whose numerator degrees of freedom are the noise's effective
// number (tr S)^2 / tr(S^2), S the covariance estimated from the rows' spread
// (unbiased estimator of tr(S^2) for Wishart matrices), the denominator's
// N - 1 times that. Not tested (tested = false) with fewer than min_sweeps
// rows or too short a region.
PresenceTest test_presence(const PreparedSweeps& sweeps, std::span<const std::size_t> rows, std::size_t begin,
                           std::size_t end, double mains_hz, const PresenceConfig& config);

}  // namespace edx::evoked

