// F-waves: the late responses of motoneurons backfiring after supramaximal
// stimulation, whose latency, shape and presence change from stimulus to
// stimulus. Each sweep is searched on its own, after the M-wave: stimulus-
// locked interference (the high-pass tail of the M-wave, locked mains) is
// regressed out, an F-wave is an excursion beyond k robust noise SDs lasting
// at least min_duration_ms (signals/norms/evoked_measurement.json, /f_wave),
// and its latency is its onset by the criterion of onset.hpp. Reported [KNF-F],
// [Fnorm04]: minimal, mean and maximal latency, persistence (share of sweeps
// with an F-wave), chronodispersion (maximal minus minimal latency).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "edx/dsp/filter_settings.hpp"
#include "edx/evoked/sweep_screen.hpp"
#include "edx/io/recording.hpp"

namespace edx::evoked {

struct FWaveOptions {
    std::optional<dsp::FilterSettings> filter;  // unset: machine defaults for f_wave; high-pass causal, rest zero-phase

    void validate() const;
};

struct FSweepMeasure {
    std::size_t sweep_index = 0;
    double time_s = 0.0;
    bool excluded = false;
    std::string exclusion_reason;
    std::optional<double> f_latency_ms;      // onset; unset: no F-wave in this sweep
    std::optional<double> f_amplitude_mv;    // baseline to negative peak
    std::optional<double> f_peak_to_peak_mv;
};

struct FWaveResult {
    std::string recording;
    std::string nerve;
    std::string muscle;
    std::string side;
    std::string filter;
    std::size_t sweeps_total = 0;
    std::size_t sweeps_used = 0;
    std::size_t sweeps_excluded = 0;
    ExclusionCounts excluded_by_reason;

    bool m_present = false;
    std::optional<double> m_latency_ms;   // onset of the M-wave template
    std::optional<double> m_amplitude_mv;

    std::size_t f_count = 0;
    std::optional<double> persistence;  // f_count / sweeps_used
    std::optional<double> f_min_latency_ms;
    std::optional<double> f_mean_latency_ms;
    std::optional<double> f_max_latency_ms;
    std::optional<double> chronodispersion_ms;  // max - min
    std::optional<double> f_min_minus_m_ms;     // minimal F latency minus M latency [KNF-F]
    std::optional<double> f_mean_amplitude_mv;
    std::vector<FSweepMeasure> sweeps;
    std::vector<std::string> notes;
};

// `recording`: kind f_wave. Throws std::invalid_argument for another kind or
// unusable sweeps.
FWaveResult measure_f_wave(const Recording& recording, const FWaveOptions& options = {});

}  // namespace edx::evoked
