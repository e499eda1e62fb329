// Soleus H-reflex measurement: M- and H-waves identified from the structure of
// the data (no fixed latency windows), H presence decided by a test with a
// controlled false-positive rate (an absent H is reported absent, never given
// a latency), per-sweep sub-sample onset latencies and amplitudes, H/M ratio,
// Hmax/Mmax, the recruitment curve, and the expected latency from the norms.
//
// Onset convention (signals/norms/evoked_measurement.json, /onset): a
// per-recording template is built by iterative alignment of the sweeps
// (Woody's method); its onset is the first departure from baseline beyond
// k x the template's pre-stimulus noise SD, refined to a fraction of a sample
// by a two-phase regression (flat baseline, then a rise with a free slope and
// curvature) whose break point is the onset. Each sweep's onset is the
// template's onset plus the sweep's sub-sample shift against the template
// (found by correlation with the template band-limited to the H-wave's band),
// shrunk towards the median shift of its run of sweeps in one limb position
// as far as the shift's standard error, against the sweeps' spread, calls for
// (empirical Bayes; nothing moves when the H-wave stands well out of the noise).
// Filtering does not delay the onset: the high-pass runs causally (it barely
// touches a fast take-off), the low-pass zero-phase (see evoked_pipeline.hpp;
// noiseless simulated onsets come out within half a sample).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "edx/dsp/filter_settings.hpp"
#include "edx/evoked/h_norms.hpp"
#include "edx/evoked/recruitment_fit.hpp"
#include "edx/evoked/response_presence.hpp"
#include "edx/evoked/sweep_screen.hpp"
#include "edx/io/recording.hpp"

namespace edx::evoked {

// One sweep of the recording, in recording order (excluded sweeps included).
struct HSweepMeasure {
    std::size_t sweep_index = 0;  // index in the recording
    double time_s = 0.0;          // stimulus time
    double intensity_ma = 0.0;    // NaN when the recording has none
    std::string position;         // position=... marker state at the stimulus; empty when none
    bool excluded = false;
    std::string exclusion_reason;  // to_string(ExclusionReason) when excluded, else empty
    std::string exclusion_detail;
    // Unset when the sweep is excluded or the wave is absent in this sweep.
    std::optional<double> m_onset_ms;
    std::optional<double> m_amplitude_mv;  // baseline to negative peak
    std::optional<double> h_onset_ms;
    std::optional<double> h_amplitude_mv;  // baseline to negative peak
};

struct HReflexOptions {
    // Unset: the machine defaults for h_reflex (signals/filters/machine_defaults.json).
    // Either way the high-pass runs causally and the rest zero-phase (evoked_pipeline.hpp).
    std::optional<dsp::FilterSettings> filter;
    // Unset: /presence/alpha of signals/norms/evoked_measurement.json.
    std::optional<double> presence_alpha;
    bool fit_recruitment = true;

    void validate() const;  // throws std::invalid_argument naming the field
};

struct HReflexResult {
    std::string recording;
    std::string side;
    std::string muscle;
    std::string nerve;
    double sample_rate_hz = 0.0;
    std::string filter;  // FilterSettings::describe() of what was run

    std::size_t sweeps_total = 0;
    std::size_t sweeps_used = 0;
    std::size_t sweeps_excluded = 0;
    ExclusionCounts excluded_by_reason;

    // M-wave. Latency: median over the sweeps with an M of the per-sweep onsets;
    // amplitude: median baseline-to-negative-peak over those sweeps.
    bool m_present = false;
    std::size_t m_sweeps = 0;
    std::optional<double> m_latency_ms;
    // The main negative peak of the M template, at the sweeps' median timing
    // (the onset latency's): the peak-latency cursor of a display.
    std::optional<double> m_peak_latency_ms;
    std::optional<double> m_amplitude_mv;
    std::optional<double> m_peak_to_peak_mv;

    // H-wave. Latency: median of the per-sweep onsets over the sweeps with an H.
    bool h_present = false;
    PresenceTest h_presence;
    std::size_t h_sweeps = 0;
    std::optional<double> h_latency_ms;
    std::optional<double> h_latency_min_ms;      // shortest per-sweep onset [Sung99]
    std::optional<double> h_latency_at_hmax_ms;  // onset of the largest H [Jank94]
    std::optional<double> h_latency_sd_ms;       // sweep-to-sweep SD of the onsets before shrinkage (as measured)
    std::optional<double> h_peak_latency_ms;     // main negative peak of the H template, as m_peak_latency_ms
    std::optional<double> h_amplitude_mv;        // median baseline-to-negative-peak
    std::optional<double> h_peak_to_peak_mv;     // of the template, scaled to h_amplitude_mv
    // True when some sweeps hold an H but no M (the H threshold lies below M's, [Sung99]).
    bool h_without_m = false;

    // Ratios. h_m_ratio: median H amplitude / median M amplitude over the
    // same sweeps. hmax_mmax: largest H / Mmax, only when Mmax is established
    // (the recruitment curve reached its plateau); otherwise unset, see mmax_basis.
    std::optional<double> hmax_mv;
    std::optional<double> mmax_mv;
    std::string mmax_basis;
    std::optional<double> h_m_ratio;
    std::optional<double> hmax_mmax;

    // Normative: expected latency (unset without age and leg length or height).
    std::optional<ExpectedHLatency> expected;
    std::optional<double> h_latency_minus_expected_ms;

    RecruitmentFit recruitment;
    std::vector<HSweepMeasure> sweeps;
    std::vector<std::string> notes;  // anything a reader must know (e.g. why a value is missing)
};

// `recording`: kind h_reflex, in sweep form (or continuous with stimuli, cut
// into sweeps of the default length), with a pre-stimulus baseline. `subject`:
// the recording's anthropometrics completed from the study's
// (Study::measures_for). Throws std::invalid_argument naming what is wrong
// (kind, no sweeps, no pre-stimulus baseline, bad options).
HReflexResult measure_h_reflex(const Recording& recording, const SubjectMeasures& subject,
                               const HReflexOptions& options = {});

}  // namespace edx::evoked
