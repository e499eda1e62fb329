// The FAIR H-wave delay of one leg: the statistics the offline analysis
// (fair_analysis.hpp) and the online estimator (fair_online.hpp) both produce,
// computed by the same code, and the options that define them.
//
// Definitions (the reasons are in the comments on each field):
// - Anatomic baseline: sweeps in anatomic position with an H latency, except
//   those recorded less than recovery_window_s after the limb left FAIR (the
//   delay relaxes back with a time course the literature does not give; in the
//   usual anatomic-FAIR-anatomic protocol the return phase is reported in the
//   time course as "recovery" and not used).
// - Onset (change point): FAIR sweeps ordered by time since the FAIR marker
//   are split in two by a least-absolute-deviation step fit: the early part
//   joins the baseline level, the later part (at least min_sweeps_per_position
//   sweeps) has a level of its own. The split is kept only when it lowers the
//   fit's cost by more than onset_penalty_sd robust SDs; otherwise every FAIR
//   sweep is in the later part. Reported (time after the marker of the first
//   sweep of the later part) only when the delay is significant.
// - Delay: Hodges-Lehmann shift (median of all pairwise differences) between
//   the FAIR sweeps from the onset on and the baseline: the level the delay
//   reaches in FAIR, robust to a few mis-measured sweeps. A delay that builds
//   up within a few seconds is at its plateau from the first FAIR sweep on; one
//   that builds up slowly (time constant near the time spent in FAIR) has no
//   single change point, and the delay is then its mean level over the FAIR
//   sweeps, below the plateau a longer stay would reach (tools/bench/bench_fair
//   section 2; the per-sweep time course shows the trend).
// - Significance: permutation test of a scan statistic, the largest
//   standardised Hodges-Lehmann shift of the later FAIR sweeps against the
//   baseline over every candidate onset (the later part keeping its minimum),
//   compared with the same statistic on `permutations` random deals of the
//   pooled latencies to the baseline and FAIR slots; significant when
//   p < alpha. Exact under the null hypothesis that position does not change
//   the latency; as powerful as the shift itself for a delay present from the
//   first FAIR sweep, and it finds a delay confined to the later sweeps.
//   With more than 64 candidate onsets (more than 68 FAIR sweeps with the
//   minimum plateau of 5) the scan takes 64 evenly spaced ones, first and
//   last included: the grid depends only on the number of sweeps, so the test
//   stays exact, and its cost stays linear in the sweeps (a scan of every
//   onset is quadratic, times the permutations); the p-value can differ from
//   the full scan's (tools/bench/bench_fair, scaling section).
// - 95% interval: percentile interval of bootstrap_resamples replicates of the
//   delay (onset search included) on resampled sweeps (baseline and FAIR
//   resampled with replacement separately, each FAIR sweep keeping its time
//   in FAIR). Generators are seeded: the same sweeps give the same answer.
// - Positive: the point estimate >= criterion_ms, not the interval's lower
//   bound: the criterion is already a population limit (control mean + 3 SD of
//   control delays, themselves measured with sweep noise), so asking the lower
//   bound to reach it counts the noise twice and misses legs well above it
//   (bench_fair, column positive_lo). criterion_in_ci marks a borderline leg.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edx::evoked {

// A constant of signals/norms/fair_criterion.json (JSON pointer, e.g. "/criterion_ms").
double fair_norm(std::string_view pointer);

struct FairOptions {
    std::string anatomic_position = "anatomic";  // position=<value> labels compared
    std::string fair_position = "fair";
    // 1.86 ms [Fish02b]: 3 SD beyond the control mean delay.
    double criterion_ms = fair_norm("/criterion_ms");
    // 5 [Hopk00]: fewer sweeps with a latency in either position give insufficient_data, never a verdict.
    int min_sweeps_per_position = static_cast<int>(fair_norm("/min_sweeps_per_position"));
    // 30 s (assumption, see the table): anatomic sweeps this soon after leaving FAIR are not baseline.
    double recovery_window_s = fair_norm("/recovery_window_s");
    double alpha = 0.05;  // level of the permutation test (a delay of either sign)
    // 999 permutations: p resolved to 0.001, its Monte Carlo SE at p = 0.05 is 0.007.
    int permutations = 999;
    // 2000 replicates: percentile limits at 2.5/97.5% rest on 50 replicates in each tail.
    int bootstrap_resamples = 2000;
    // A split must lower the absolute-deviation cost by 4 robust SDs, so that
    // noise rarely makes a change point (a chance split adds variance to the
    // delay): with 10 + 10 sweeps of 0.3 ms SD and no delay, 2-3% of legs split
    // by chance, while a 1 ms delay appearing in the last 6 of 10 FAIR sweeps
    // is split at its onset in 84% (tools/bench/bench_fair, sections 1 and 3).
    double onset_penalty_sd = 4.0;
    std::uint64_t seed = 0x46414952u;  // "FAIR"

    void validate() const;  // throws std::invalid_argument naming the field
};

enum class FairStatus { ok, insufficient_data };
std::string_view to_string(FairStatus status) noexcept;

enum class FairShortfall { none, too_few_anatomic, too_few_fair, too_few_anatomic_and_fair };
// "none", "too_few_anatomic", ...
std::string_view to_string(FairShortfall shortfall) noexcept;

// What became of every sweep given (nothing is dropped silently).
struct FairCounts {
    int sweeps = 0;          // all sweeps given
    int anatomic = 0;        // used as the anatomic baseline
    int fair = 0;            // in FAIR with an H latency (used)
    int recovery = 0;        // anatomic with a latency, within recovery_window_s of leaving FAIR (not used)
    int other_position = 0;  // with a latency, in neither position (or before any marker with no label)
    int without_h = 0;       // not excluded, but no H latency
    int excluded = 0;        // excluded upstream
};

// Plain data, no allocation: the online estimator fills it on its real-time path.
struct FairEstimate {
    FairStatus status = FairStatus::insufficient_data;
    FairShortfall shortfall = FairShortfall::too_few_anatomic_and_fair;

    int n_anatomic = 0;  // baseline sweeps used
    int n_fair = 0;      // FAIR sweeps with an H latency
    int n_plateau = 0;   // of those, the sweeps from the onset on, from which the delay is estimated

    // Medians (ms): of the baseline, and of the plateau FAIR sweeps (of all
    // FAIR sweeps while the data are insufficient). Unset when there are none.
    std::optional<double> anatomic_latency_ms;
    std::optional<double> fair_latency_ms;

    // Unset unless status is ok.
    std::optional<double> delay_ms;  // FAIR minus anatomic, Hodges-Lehmann
    std::optional<double> ci95_lo_ms;
    std::optional<double> ci95_hi_ms;
    std::optional<double> p_value;                // permutation test of the scan statistic
    std::optional<bool> significant;              // p_value < alpha
    std::optional<bool> positive;                 // delay_ms >= criterion_ms
    std::optional<bool> criterion_in_ci;          // the interval holds the criterion: a borderline leg
    std::optional<double> delay_control_z;        // (delay - control mean) / control SD [Fish92, SD inferred]
    // Time after the FAIR marker of the first sweep of the later part; unset
    // when not significant. The delay appeared in (onset_after_fair_lo_s, onset_after_fair_s]:
    // lo is the time of the last FAIR sweep before it (0, the marker, when the
    // delay was there from the first FAIR sweep on).
    std::optional<double> onset_after_fair_s;
    std::optional<double> onset_after_fair_lo_s;

    double criterion_ms = 0.0;
    double alpha = 0.0;
    int permutations = 0;
    int bootstrap_resamples = 0;
};

}  // namespace edx::evoked
