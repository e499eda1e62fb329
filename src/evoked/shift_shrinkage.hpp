// Per-sweep delays (the sweeps' shifts against a template) measured in noise,
// shrunk towards their group's median by empirical Bayes: each delay is the
// truth (the group's level plus a jitter of SD tau, estimated from the delays'
// spread less their measurement noise) plus a measurement error of known
// standard error; the posterior mean weighs the two. Where the measurement
// error is small against the jitter nothing moves; where it is as large as
// the jitter (an H-wave at 6 dB), the reported delay stops following the noise.
#pragma once

#include <span>
#include <vector>

namespace edx::evoked::detail {

struct ShrunkDelays {
    std::vector<double> delay;   // per input, shrunk
    double jitter_sd = 0.0;      // tau, the estimated SD of the true delays about their group's median
    bool shrunk = false;         // false: too few delays in groups of 3 or more to estimate tau; delays unchanged
};

// `delay` and `standard_error` per sweep (same unit), `group` per sweep: the
// sweeps sharing a group share a level (a run of sweeps in one limb position:
// the FAIR delay moves the level between runs, so each run keeps its own).
// tau^2 is where the delays' deviations from their groups' medians, over
// sqrt(tau^2 + se^2), have the median square of a standard normal (0 if they
// have less at tau = 0), over the groups of 3 or more; each delay becomes
// median + tau^2 / (tau^2 + se^2) (delay - median). A standard error that is
// not finite pulls the delay to its group's median.
// Throws std::invalid_argument if the sizes differ.
ShrunkDelays shrink_delays(std::span<const double> delay, std::span<const double> standard_error,
                           std::span<const int> group);

}  // namespace edx::evoked::detail
