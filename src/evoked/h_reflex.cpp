#include "edx/evoked/h_reflex.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "edx/evoked/alignment.hpp"
#include "edx/evoked/evoked_pipeline.hpp"
#include "edx/evoked/onset.hpp"
#include "edx/evoked/response_measures.hpp"
#include "edx/evoked/response_segments.hpp"
#include "edx/signals/table.hpp"
#include "shift_shrinkage.hpp"
#include "wave_template.hpp"

namespace edx::evoked {

namespace {

constexpr std::string_view kTable = "norms/evoked_measurement.json";

double value(const char* pointer) { return signals::constant(kTable, pointer); }

// The measurement's constants, read once (the tables are compiled in).
struct Constants {
    double population_h_latency_ms = value("/identification/population_h_latency_ms");
    double m_h_boundary_fraction = value("/identification/m_h_boundary_fraction");
    double margin_after_m_ms = value("/identification/margin_after_m_ms");
    double end_margin_ms = value("/identification/end_margin_ms");
    double sweep_z = value("/presence/sweep_z");
    double window_before_ms = value("/alignment/window_before_ms");
    double window_after_ms = value("/alignment/window_after_ms");
    double baseline_ms = value("/alignment/baseline_ms");
    double max_shift_ms = value("/alignment/max_shift_ms");
};

const Constants& constants() {
    static const Constants c;
    return c;
}

std::optional<double> median_of(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The template's main negative peak moved as its onset is to the sweeps'
// median onset (the template's time axis is its own alignment's, the onset
// latency is the median over sweeps); the template's peak when its onset was
// not measured.
std::optional<double> peak_at_median_timing(const WaveTemplate& w, const std::optional<double>& median_onset_ms,
                                            const PreparedSweeps& ps) {
    if (!w.onset.found || !median_onset_ms) return w.measures.negative_peak_ms;
    return w.measures.negative_peak_ms + (*median_onset_ms - ps.ms_at(w.onset_index));
}

}  // namespace

void HReflexOptions::validate() const {
    if (presence_alpha && !(*presence_alpha > 0.0 && *presence_alpha < 1.0)) {
        throw std::invalid_argument("HReflexOptions.presence_alpha must be in (0, 1)");
    }
}

HReflexResult measure_h_reflex(const Recording& rec, const SubjectMeasures& subject, const HReflexOptions& options) {
    options.validate();
    if (rec.info.kind != RecordingKind::h_reflex) {
        throw std::invalid_argument("measure_h_reflex: recording '" + rec.info.name + "' is of kind " +
                                    std::string(to_string(rec.info.kind)) + ", not h_reflex");
    }
    HReflexResult res;
    res.recording = rec.info.name;
    res.side = rec.info.side;
    res.muscle = rec.info.muscle;
    res.nerve = rec.info.nerve;
    res.sample_rate_hz = rec.info.sample_rate_hz;
    res.expected = expected_h_latency(subject);

    PipelineConfig pc = PipelineConfig::defaults_for(rec.info.kind, rec.info.sample_rate_hz);
    if (options.filter) {
        pc.filter = *options.filter;
        pc.filter.zero_phase = true;
    }
    // One sweep buffer per thread, reused from recording to recording.
    thread_local PreparedSweeps buffer;
    prepare_sweeps(rec, pc, buffer);
    PreparedSweeps& ps = buffer;
    res.filter = ps.filter;
    const SegmentSearch seg = detail::clean_and_locate(ps, pc);

    res.sweeps.resize(ps.sweeps_total);
    for (std::size_t s = 0; s < ps.sweeps_total; ++s) {
        auto& m = res.sweeps[s];
        m.sweep_index = s;
        m.time_s = s < rec.stimuli.size() ? rec.stimuli[s].time_s : 0.0;
        m.intensity_ma = s < rec.stimuli.size() ? rec.stimuli[s].intensity_ma : std::numeric_limits<double>::quiet_NaN();
        if (const auto pos = rec.marker_state("position", m.time_s)) m.position = std::string(*pos);
    }

    const double fs = ps.sample_rate_hz;
    auto samples_of = [fs](double ms) { return static_cast<std::size_t>(std::lround(ms * fs / 1000.0)); };
    std::vector<std::size_t> all(ps.rows());
    std::iota(all.begin(), all.end(), 0);

    if (ps.rows() > 0) {
        const Constants& kc = constants();
        const double h_expected_ms =
            res.expected ? res.expected->latency_ms : kc.population_h_latency_ms;
        const double boundary = ps.index_at(kc.m_h_boundary_fraction * h_expected_ms);

        // M: every response that starts before the boundary.
        std::optional<std::pair<std::size_t, std::size_t>> m_span;
        for (const auto& s : seg.segments) {
            if (static_cast<double>(s.begin) >= boundary) break;
            if (!m_span) m_span = std::pair{s.begin, s.end};
            m_span->second = s.end;
        }
        const std::size_t region_begin =
            (m_span ? m_span->second : ps.blank_end_index) + samples_of(kc.margin_after_m_ms);
        const std::size_t end_margin = samples_of(kc.end_margin_ms);
        const std::size_t region_end = ps.frames > end_margin ? ps.frames - end_margin : ps.frames;

        PresenceConfig presence = PresenceConfig::from_signals();
        if (options.presence_alpha) presence.alpha = *options.presence_alpha;
        res.h_presence = test_presence(ps, all, region_begin, region_end, seg.mains_hz, presence);
        res.h_present = res.h_presence.present;
        if (!res.h_presence.tested) {
            res.notes.push_back("H presence not tested: " + std::to_string(ps.rows()) +
                                " usable sweeps (at least " + std::to_string(presence.min_sweeps) +
                                " are needed) or too short a search region; H reported absent");
        }

        const OnsetCriterion criterion = OnsetCriterion::from_signals();
        const double sweep_z = kc.sweep_z;
        const std::size_t before = samples_of(kc.window_before_ms);
        const std::size_t after = samples_of(kc.window_after_ms);
        const std::size_t baseline = samples_of(kc.baseline_ms);
        const std::size_t half_ms = samples_of(0.5);

        if (m_span) {
            const std::size_t w0 = std::max(ps.blank_end_index, m_span->first > before ? m_span->first - before : 0);
            const std::size_t w1 = std::min({region_begin, m_span->second + after, ps.frames});
            // Baseline: from the window's start, short of the located M-wave.
            const std::size_t base_end = std::max(w0 + 2, m_span->first > half_ms ? m_span->first - half_ms : 0);
            const WaveTemplate m = detail::measure_wave(ps, all, w0, w1, w0, base_end, m_span->first, m_span->second,
                                                        AlignmentConfig::for_m_wave(), criterion);
            if (!m.onset.found) res.notes.push_back("M-wave onset not measurable: " + m.onset.reason);
            for (std::size_t i = 0; i < all.size(); ++i) {
                if (m.z[i] < sweep_z) continue;
                auto& out = res.sweeps[ps.source[all[i]]];
                out.m_amplitude_mv = m.alignment.amplitude[i] * m.measures.amplitude_mv;
                if (m.onset.found) out.m_onset_ms = ps.ms_at(m.onset_index + m.alignment.shift_samples[i]);
            }
            res.m_peak_to_peak_mv = m.measures.peak_to_peak_mv;  // rescaled below
            res.m_present = true;
            const double template_amplitude = m.measures.amplitude_mv;
            std::vector<double> on, amp;
            for (const auto& s : res.sweeps) {
                if (s.m_amplitude_mv) amp.push_back(*s.m_amplitude_mv);
                if (s.m_onset_ms) on.push_back(*s.m_onset_ms);
            }
            res.m_sweeps = amp.size();
            res.m_latency_ms = median_of(on);
            res.m_peak_latency_ms = peak_at_median_timing(m, res.m_latency_ms, ps);
            res.m_amplitude_mv = median_of(amp);
            if (res.m_amplitude_mv && template_amplitude > 0.0) {
                res.m_peak_to_peak_mv = *res.m_peak_to_peak_mv * *res.m_amplitude_mv / template_amplitude;
            } else {
                res.m_peak_to_peak_mv.reset();
            }
            if (res.m_sweeps == 0) res.m_present = false;
        }

        if (res.h_present && region_begin + samples_of(2.0) >= region_end) {
            // The M-wave's located span reaches the end of the sweep: no room left to measure an H-wave in.
            res.h_present = false;
            res.notes.push_back("no room for an H-wave after the located M-wave; H reported absent");
        }
        if (res.h_present) {
            // The H-wave: the strongest response in the search region.
            const ResponseSegment* best = nullptr;
            for (const auto& s : seg.segments) {
                if (s.end <= region_begin || s.begin >= region_end) continue;
                if (!best || s.energy > best->energy) best = &s;
            }
            std::size_t h_begin, h_end;
            if (best) {
                h_begin = std::max(best->begin, region_begin);
                h_end = std::min(best->end, region_end);
            } else {
                // Present by the test but below the envelope's threshold: centre on the largest excursion.
                std::size_t peak = region_begin;
                for (std::size_t t = region_begin; t < region_end; ++t) {
                    if (std::abs(seg.difference[t]) > std::abs(seg.difference[peak])) peak = t;
                }
                const std::size_t half = samples_of(5.0);
                h_begin = std::max(region_begin, peak > half ? peak - half : 0);
                h_end = std::min(region_end, peak + half);
                res.notes.push_back("the H-wave is below the envelope threshold of the mean sweep; located at its largest excursion");
            }
            const std::size_t w0 = std::max(region_begin, h_begin > before ? h_begin - before : 0);
            const std::size_t w1 = std::min(region_end, h_end + after);
            // Baseline: the window up to 2.5 ms before the located H-wave
            // (room for an initial phase the envelope did not reach).
            const std::size_t base_end = std::max(w0 + baseline, h_begin > 5 * half_ms ? h_begin - 5 * half_ms : 0);
            // Noise for the per-sweep test: after the H window (and its shifts).
            const std::size_t late = std::min(region_end, w1 + samples_of(kc.max_shift_ms));
            const WaveTemplate h = detail::measure_wave(ps, all, w0, w1, w0, base_end, h_begin, h_end,
                                                        AlignmentConfig::for_h_wave(), criterion, late, region_end,
                                                        /*shift_errors=*/true);
            if (!h.onset.found) res.notes.push_back("H-wave onset not measurable: " + h.onset.reason);
            // Each sweep's shift is measured in its own noise: where that is
            // as large as the sweeps' jitter (a small H-wave), the shifts are
            // shrunk towards the median of their run of sweeps in one limb
            // position by how much of their spread the noise explains
            // (shift_shrinkage.hpp); runs keep their own level, so a FAIR
            // delay between positions is not pulled towards the others.
            std::vector<std::size_t> held;
            for (std::size_t i = 0; i < all.size(); ++i) {
                if (h.z[i] >= sweep_z) held.push_back(i);
            }
            std::vector<double> shift(held.size()), shift_se(held.size()), raw_onsets;
            std::vector<int> run(held.size(), 0);
            for (std::size_t k = 0; k < held.size(); ++k) {
                const std::size_t i = held[k];
                shift[k] = h.alignment.shift_samples[i];
                shift_se[k] = h.shift_se.empty() ? 0.0 : h.shift_se[i];
                if (k > 0) {
                    const std::string& here = res.sweeps[ps.source[all[i]]].position;
                    const std::string& before_here = res.sweeps[ps.source[all[held[k - 1]]]].position;
                    run[k] = run[k - 1] + (here == before_here ? 0 : 1);
                }
            }
            if (!h.shift_se.empty()) shift = detail::shrink_delays(shift, shift_se, run).delay;
            for (std::size_t k = 0; k < held.size(); ++k) {
                const std::size_t i = held[k];
                auto& out = res.sweeps[ps.source[all[i]]];
                out.h_amplitude_mv = h.alignment.amplitude[i] * h.measures.amplitude_mv;
                if (h.onset.found) {
                    out.h_onset_ms = ps.ms_at(h.onset_index + shift[k]);
                    raw_onsets.push_back(ps.ms_at(h.onset_index + h.alignment.shift_samples[i]));
                }
            }
            std::vector<double> on, amp;
            double largest = -1.0;
            for (const auto& s : res.sweeps) {
                if (!s.h_amplitude_mv) continue;
                amp.push_back(*s.h_amplitude_mv);
                if (s.h_onset_ms) on.push_back(*s.h_onset_ms);
                if (*s.h_amplitude_mv > largest) {
                    largest = *s.h_amplitude_mv;
                    res.h_latency_at_hmax_ms = s.h_onset_ms;
                }
                if (!s.m_amplitude_mv) res.h_without_m = true;
            }
            res.h_sweeps = amp.size();
            res.h_latency_ms = median_of(on);
            if (res.h_sweeps > 0) res.h_peak_latency_ms = peak_at_median_timing(h, res.h_latency_ms, ps);
            if (!on.empty()) res.h_latency_min_ms = *std::min_element(on.begin(), on.end());
            // The spread as measured (before shrinkage, which would understate it).
            if (raw_onsets.size() > 1) {
                const double mean =
                    std::accumulate(raw_onsets.begin(), raw_onsets.end(), 0.0) / static_cast<double>(raw_onsets.size());
                double ss = 0.0;
                for (double v : raw_onsets) ss += (v - mean) * (v - mean);
                res.h_latency_sd_ms = std::sqrt(ss / static_cast<double>(raw_onsets.size() - 1));
            }
            res.h_amplitude_mv = median_of(amp);
            if (res.h_amplitude_mv && h.measures.amplitude_mv > 0.0) {
                res.h_peak_to_peak_mv = h.measures.peak_to_peak_mv * *res.h_amplitude_mv / h.measures.amplitude_mv;
            }
            if (!amp.empty()) res.hmax_mv = *std::max_element(amp.begin(), amp.end());
            if (res.h_sweeps == 0) {
                res.notes.push_back("the recording holds an H-wave on average, but no single sweep clears the per-sweep test");
            }
        }

        // H/M over the sweeps holding both.
        std::vector<double> hb, mb;
        for (const auto& s : res.sweeps) {
            if (s.h_amplitude_mv && s.m_amplitude_mv) {
                hb.push_back(*s.h_amplitude_mv);
                mb.push_back(*s.m_amplitude_mv);
            }
        }
        if (!hb.empty() && *median_of(mb) > 0.0) res.h_m_ratio = *median_of(hb) / *median_of(mb);

        if (options.fit_recruitment) {
            std::vector<double> in, ma, ha;
            for (std::size_t r : all) {
                const auto& s = res.sweeps[ps.source[r]];
                in.push_back(s.intensity_ma);
                ma.push_back(s.m_amplitude_mv.value_or(0.0));
                ha.push_back(s.h_amplitude_mv.value_or(0.0));
            }
            res.recruitment = fit_recruitment(in, ma, ha);
        }
        if (res.recruitment.m.fitted && res.recruitment.m.plateau_reached && res.m_present) {
            double mmax = 0.0;
            for (const auto& s : res.sweeps) mmax = std::max(mmax, s.m_amplitude_mv.value_or(0.0));
            res.mmax_mv = mmax;
            res.mmax_basis = "largest M-wave; the recruitment fit shows the M plateau reached at the highest intensity";
            if (res.hmax_mv && mmax > 0.0) res.hmax_mmax = *res.hmax_mv / mmax;
        } else if (res.recruitment.m.fitted) {
            res.mmax_basis = "the M-wave had not reached its plateau at the highest intensity: Mmax unknown";
        } else {
            res.mmax_basis = "no M recruitment curve (" +
                             (res.recruitment.m.reason.empty() ? std::string("not fitted") : res.recruitment.m.reason) +
                             "): Mmax unknown";
        }
    }

    res.sweeps_total = ps.sweeps_total;
    res.sweeps_used = ps.rows();
    res.excluded_by_reason = ps.excluded;
    res.sweeps_excluded = ps.excluded.total();
    for (auto& s : res.sweeps) {
        const auto& screen = ps.screen[s.sweep_index];
        if (screen.reason != ExclusionReason::none) {
            s.excluded = true;
            s.exclusion_reason = std::string(to_string(screen.reason));
            s.exclusion_detail = screen.detail;
        }
    }
    if (res.expected && res.h_latency_ms) res.h_latency_minus_expected_ms = *res.h_latency_ms - res.expected->latency_ms;
    if (!res.expected) {
        res.notes.push_back("no expected H latency: the subject's age and leg length (or height) are needed");
    }
    return res;
}

}  // namespace edx::evoked
