#include "edx/evoked/f_wave.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "batch_zero_phase.hpp"
#include "edx/dsp/butterworth.hpp"
#include "edx/evoked/evoked_pipeline.hpp"
#include "edx/evoked/onset.hpp"
#include "edx/evoked/response_measures.hpp"
#include "edx/evoked/response_segments.hpp"
#include "edx/signals/table.hpp"
#include "nuisance.hpp"
#include "wave_template.hpp"

namespace edx::evoked {

namespace {
constexpr std::string_view kTable = "norms/evoked_measurement.json";
double value(const char* pointer) { return signals::constant(kTable, pointer); }

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}
}  // namespace

void FWaveOptions::validate() const {}

FWaveResult measure_f_wave(const Recording& rec, const FWaveOptions& options) {
    options.validate();
    if (rec.info.kind != RecordingKind::f_wave) {
        throw std::invalid_argument("measure_f_wave: recording '" + rec.info.name + "' is of kind " +
                                    std::string(to_string(rec.info.kind)) + ", not f_wave");
    }
    FWaveResult res;
    res.recording = rec.info.name;
    res.nerve = rec.info.nerve;
    res.muscle = rec.info.muscle;
    res.side = rec.info.side;
    PipelineConfig pc = PipelineConfig::defaults_for(rec.info.kind, rec.info.sample_rate_hz);
    if (options.filter) {
        pc.filter = *options.filter;
        pc.filter.zero_phase = true;
    }
    PreparedSweeps ps = prepare_sweeps(rec, pc);
    res.filter = ps.filter;
    const SegmentSearch seg = detail::clean_and_locate(ps, pc);
    res.sweeps_total = ps.sweeps_total;
    res.sweeps_used = ps.rows();
    res.excluded_by_reason = ps.excluded;
    res.sweeps_excluded = ps.excluded.total();
    res.sweeps.resize(ps.sweeps_total);
    for (std::size_t s = 0; s < ps.sweeps_total; ++s) {
        res.sweeps[s].sweep_index = s;
        res.sweeps[s].time_s = s < rec.stimuli.size() ? rec.stimuli[s].time_s : 0.0;
        if (ps.screen[s].reason != ExclusionReason::none) {
            res.sweeps[s].excluded = true;
            res.sweeps[s].exclusion_reason = std::string(to_string(ps.screen[s].reason));
        }
    }
    if (ps.rows() == 0) {
        res.notes.push_back("every sweep was excluded");
        return res;
    }
    const double fs = ps.sample_rate_hz;
    auto samples_of = [fs](double ms) { return static_cast<std::size_t>(std::lround(ms * fs / 1000.0)); };
    std::vector<std::size_t> all(ps.rows());
    std::iota(all.begin(), all.end(), 0);
    const std::size_t end_margin = samples_of(value("/identification/end_margin_ms"));
    const std::size_t region_end = ps.frames > end_margin ? ps.frames - end_margin : ps.frames;
    const OnsetCriterion criterion = OnsetCriterion::from_signals();

    // The M-wave: the first response after the artefact (supramaximal
    // stimulation: every sweep holds it). F-waves come after it.
    std::size_t region_begin = ps.blank_end_index + samples_of(value("/identification/margin_after_m_ms"));
    if (!seg.segments.empty()) {
        // The M-wave's stretches: those the envelope of the mean finds strongest
        // early on; a late stretch of the mean is the blurred average of the F-waves.
        // The high-pass's recovery from a large M-wave runs on into the F
        // region and may join the M's stretch of the envelope: the M window is
        // capped at the start of the F search.
        const ResponseSegment& first = seg.segments.front();
        const std::size_t search_after = samples_of(value("/f_wave/search_after_m_ms"));
        std::size_t m_end = std::min(first.end, first.begin + search_after);
        const std::size_t before = samples_of(value("/alignment/window_before_ms"));
        const std::size_t w0 = std::max(ps.blank_end_index, first.begin > before ? first.begin - before : 0);
        const std::size_t w1 = std::min(region_end, m_end + samples_of(2.0));
        const std::size_t base_end = std::max(w0 + 2, first.begin > samples_of(0.5) ? first.begin - samples_of(0.5) : 0);
        const WaveTemplate m = detail::measure_wave(ps, all, w0, w1, w0, base_end, first.begin, m_end,
                                                    AlignmentConfig::for_m_wave(), criterion);
        res.m_present = true;
        if (m.onset.found) {
            res.m_latency_ms = m.measures.onset_ms;
        } else {
            res.notes.push_back("M-wave onset not measurable: " + m.onset.reason);
        }
        res.m_amplitude_mv = m.measures.amplitude_mv * median(m.alignment.amplitude);
        const double m_onset = m.onset.found ? m.onset_index : static_cast<double>(first.begin);
        region_begin = std::max(std::min(first.end, first.begin + search_after) +
                                    samples_of(value("/identification/margin_after_m_ms")),
                                static_cast<std::size_t>(m_onset) + search_after);
    } else {
        res.notes.push_back("no M-wave found: F-waves searched from the end of the blanking");
    }
    if (region_begin + samples_of(5.0) >= region_end) {
        res.notes.push_back("no room after the M-wave to search for F-waves");
        return res;
    }

    // Per sweep: the region cleared of locked slow tails and mains, low-passed for detection.
    const std::size_t len = region_end - region_begin;
    const Eigen::MatrixXd q = detail::nuisance_basis(len, static_cast<double>(region_begin), 1.0, fs,
                                                     static_cast<int>(value("/presence/polynomial_degree")),
                                                     seg.mains_hz, static_cast<int>(value("/presence/mains_harmonics")),
                                                     ps.highpass_poles);
    // What every sweep shares there, locked to the stimulus (the high-pass's
    // recovery from the M-wave, mains), is fitted and removed sweep by sweep
    // by the nuisance basis. Not by subtracting the median sweep: with a
    // persistence near 90% and a few ms of chronodispersion, F-waves overlap
    // in most sweeps at their usual latency, the median holds an F of its
    // own, and a sweep without one was left with its inverse (a quarter of
    // the F-free sweeps of simulated recordings at 30 dB then showed an "F").
    std::vector<double> cleaned(ps.rows() * len);
    for (std::size_t r = 0; r < ps.rows(); ++r) {
        const auto x = ps.row(r);
        Eigen::VectorXd y(static_cast<Eigen::Index>(len));
        for (std::size_t k = 0; k < len; ++k) y(static_cast<Eigen::Index>(k)) = x[region_begin + k];
        if (q.cols() > 0) y -= q * (q.transpose() * y);
        for (std::size_t k = 0; k < len; ++k) cleaned[r * len + k] = y(static_cast<Eigen::Index>(k));
    }
    std::vector<float> det(cleaned.begin(), cleaned.end());
    if (criterion.detection_lowpass_hz < 0.45 * fs) {
        detail::zero_phase_rows(dsp::butterworth_lowpass(2, criterion.detection_lowpass_hz, fs), det, ps.rows(), len);
    }
    const double k_f = value("/f_wave/k_noise_sd");
    const auto smooth = std::max<std::size_t>(1, samples_of(value("/f_wave/smoothing_ms")));
    const auto min_len = std::max<std::size_t>(2, samples_of(value("/f_wave/min_duration_ms")));
    std::vector<double> latencies, amplitudes;
    for (std::size_t r = 0; r < ps.rows(); ++r) {
        const float* d = det.data() + r * len;
        // Robust noise SD of the detection trace (F-waves occupy a minority of the region).
        std::vector<double> mag(len);
        for (std::size_t k = 0; k < len; ++k) mag[k] = std::abs(static_cast<double>(d[k]));
        const double sd = 1.4826 * median(mag);
        // Moving average of the detection trace's magnitude, then runs above threshold.
        std::vector<double> prefix(len + 1, 0.0);
        for (std::size_t k = 0; k < len; ++k) prefix[k + 1] = prefix[k] + mag[k];
        std::size_t best_begin = 0, best_end = 0;
        double best_area = 0.0;
        std::size_t run_begin = 0;
        bool in_run = false;
        for (std::size_t k = 0; k <= len; ++k) {
            bool above = false;
            if (k < len) {
                const std::size_t a = k > smooth / 2 ? k - smooth / 2 : 0, b = std::min(len, k + smooth / 2 + 1);
                above = (prefix[b] - prefix[a]) / static_cast<double>(b - a) > k_f * sd;
            }
            if (above && !in_run) {
                run_begin = k;
                in_run = true;
            } else if (!above && in_run) {
                in_run = false;
                if (k - run_begin >= min_len) {
                    const double area = prefix[k] - prefix[run_begin];
                    if (area > best_area) {
                        best_area = area;
                        best_begin = run_begin;
                        best_end = k;
                    }
                }
            }
        }
        if (best_area <= 0.0) continue;
        // The F-wave's onset on the cleaned sweep, from the baseline before it.
        std::vector<double> trace(cleaned.begin() + static_cast<std::ptrdiff_t>(r * len),
                                  cleaned.begin() + static_cast<std::ptrdiff_t>((r + 1) * len));
        std::size_t peak = best_begin;
        for (std::size_t k = best_begin; k < best_end; ++k) {
            if (std::abs(trace[k]) > std::abs(trace[peak])) peak = k;
        }
        const std::size_t lookback = samples_of(8.0);
        const std::size_t earliest = best_begin > lookback ? best_begin - lookback : 0;
        const std::size_t base_end = std::max(earliest + 2, best_begin > samples_of(1.5) ? best_begin - samples_of(1.5) : 0);
        const OnsetEstimate onset = estimate_onset(trace, fs, sd, peak, earliest, base_end, criterion);
        if (!onset.found) continue;
        const std::size_t f_end = std::min(len, best_end + samples_of(2.0));
        const ResponseMeasures rm = measure_response(trace, fs, ps.ms_at(static_cast<double>(region_begin)),
                                                     onset.onset_index, onset.baseline, f_end);
        auto& out = res.sweeps[ps.source[r]];
        out.f_latency_ms = rm.onset_ms;
        out.f_amplitude_mv = rm.amplitude_mv;
        out.f_peak_to_peak_mv = rm.peak_to_peak_mv;
        latencies.push_back(rm.onset_ms);
        amplitudes.push_back(rm.amplitude_mv);
    }
    res.f_count = latencies.size();
    res.persistence = static_cast<double>(res.f_count) / static_cast<double>(ps.rows());
    if (!latencies.empty()) {
        const auto [lo, hi] = std::minmax_element(latencies.begin(), latencies.end());
        res.f_min_latency_ms = *lo;
        res.f_max_latency_ms = *hi;
        res.f_mean_latency_ms = std::accumulate(latencies.begin(), latencies.end(), 0.0) / static_cast<double>(latencies.size());
        res.chronodispersion_ms = *hi - *lo;
        res.f_mean_amplitude_mv = std::accumulate(amplitudes.begin(), amplitudes.end(), 0.0) / static_cast<double>(amplitudes.size());
        if (res.m_latency_ms) res.f_min_minus_m_ms = *lo - *res.m_latency_ms;
        const double needed = value("/f_wave/stimuli_for_chronodispersion");
        if (static_cast<double>(res.f_count) < needed) {
            res.notes.push_back("chronodispersion from " + std::to_string(res.f_count) + " F-waves; " +
                                std::to_string(static_cast<int>(needed)) + "-60 stimuli are needed for a stable value [Fisher-F]");
        }
    }
    return res;
}

}  // namespace edx::evoked
