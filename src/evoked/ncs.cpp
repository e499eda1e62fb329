#include "edx/evoked/ncs.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "edx/evoked/evoked_pipeline.hpp"
#include "edx/evoked/response_segments.hpp"
#include "edx/signals/table.hpp"
#include "wave_template.hpp"

namespace edx::evoked {

namespace {
constexpr std::string_view kTable = "norms/evoked_measurement.json";
double value(const char* pointer) { return signals::constant(kTable, pointer); }
}  // namespace

void NcsOptions::validate() const {
    if (presence_alpha && !(*presence_alpha > 0.0 && *presence_alpha < 1.0)) {
        throw std::invalid_argument("NcsOptions.presence_alpha must be in (0, 1)");
    }
}

NcsMeasure measure_ncs(const Recording& rec, const NcsOptions& options) {
    options.validate();
    if (rec.info.kind != RecordingKind::motor_ncs && rec.info.kind != RecordingKind::sensory_ncs) {
        throw std::invalid_argument("measure_ncs: recording '" + rec.info.name + "' is of kind " +
                                    std::string(to_string(rec.info.kind)) + ", not motor_ncs or sensory_ncs");
    }
    NcsMeasure m;
    m.recording = rec.info.name;
    m.kind = std::string(to_string(rec.info.kind));
    m.nerve = rec.info.nerve;
    m.muscle = rec.info.muscle;
    m.side = rec.info.side;
    m.stim_site = rec.info.stim_site;
    m.distance_mm = rec.info.distance_mm;

    PipelineConfig pc = PipelineConfig::defaults_for(rec.info.kind, rec.info.sample_rate_hz);
    if (options.filter) {
        pc.filter = *options.filter;
        pc.filter.zero_phase = true;
    }
    PreparedSweeps ps = prepare_sweeps(rec, pc);
    m.filter = ps.filter;
    const SegmentSearch seg = detail::clean_and_locate(ps, pc);
    m.sweeps_total = ps.sweeps_total;
    m.sweeps_used = ps.rows();
    m.excluded_by_reason = ps.excluded;
    m.sweeps_excluded = ps.excluded.total();
    if (ps.rows() == 0) {
        m.notes.push_back("every sweep was excluded");
        return m;
    }
    const double fs = ps.sample_rate_hz;
    auto samples_of = [fs](double ms) { return static_cast<std::size_t>(std::lround(ms * fs / 1000.0)); };
    std::vector<std::size_t> all(ps.rows());
    std::iota(all.begin(), all.end(), 0);

    const std::size_t end_margin = samples_of(value("/identification/end_margin_ms"));
    const std::size_t region_end = ps.frames > end_margin ? ps.frames - end_margin : ps.frames;
    PresenceConfig presence = PresenceConfig::from_signals();
    if (options.presence_alpha) presence.alpha = *options.presence_alpha;
    m.presence = test_presence(ps, all, ps.blank_end_index, region_end, seg.mains_hz, presence);
    // With too few sweeps for the test, a response the envelope finds stands for presence.
    m.present = m.presence.tested ? m.presence.present : !seg.segments.empty();
    if (!m.presence.tested) {
        m.notes.push_back("presence not tested (" + std::to_string(ps.rows()) +
                          " sweeps); taken from the envelope of the mean sweep");
    }
    if (!m.present) return m;
    if (seg.segments.empty()) {
        m.notes.push_back("a response is present by the test but too weak to locate");
        return m;
    }

    // The response is the first one after the stimulus artefact that carries
    // a tenth of the strongest one's energy (smaller early stretches are what
    // is left of the artefact, or noise).
    double strongest = 0.0;
    for (const auto& s : seg.segments) strongest = std::max(strongest, s.energy);
    const ResponseSegment* chosen = &seg.segments.front();
    for (const auto& s : seg.segments) {
        if (s.energy >= 0.1 * strongest) {
            chosen = &s;
            break;
        }
    }
    const ResponseSegment& first = *chosen;
    const std::size_t before = samples_of(value("/alignment/window_before_ms"));
    const std::size_t after = samples_of(value("/alignment/window_after_ms"));
    const std::size_t w0 = std::max(ps.blank_end_index, first.begin > before ? first.begin - before : 0);
    const std::size_t w1 = std::min(region_end, first.end + after);
    const std::size_t half_ms = samples_of(0.5);
    const std::size_t base_end = std::max(w0 + 2, first.begin > half_ms ? first.begin - half_ms : 0);
    const WaveTemplate w = detail::measure_wave(ps, all, w0, w1, w0, base_end, first.begin, first.end,
                                                AlignmentConfig::for_ncs(), OnsetCriterion::from_signals());
    std::vector<double> amps = w.alignment.amplitude;
    std::nth_element(amps.begin(), amps.begin() + static_cast<std::ptrdiff_t>(amps.size() / 2), amps.end());
    const double scale = amps[amps.size() / 2];
    if (!w.onset.found) {
        m.notes.push_back("onset not measurable: " + w.onset.reason);
    } else {
        m.onset_latency_ms = w.measures.onset_ms;
    }
    m.peak_latency_ms = w.measures.negative_peak_ms;
    m.amplitude_mv = w.measures.amplitude_mv * scale;
    m.peak_to_peak_mv = w.measures.peak_to_peak_mv * scale;
    m.negative_duration_ms = w.measures.negative_duration_ms;
    m.negative_area_mv_ms = w.measures.negative_area_mv_ms * scale;
    if (ps.tail_fitted) {
        m.notes.push_back("stimulus artefact tail removed (tau " + std::to_string(ps.tail_tau_ms).substr(0, 5) +
                          " ms, fitted " + std::to_string(ps.tail_fit_start_ms).substr(0, 5) + "-" +
                          std::to_string(ps.tail_fit_end_ms).substr(0, 5) + " ms)");
    }
    return m;
}

std::optional<ConductionVelocity> motor_conduction_velocity(const NcsMeasure& distal, const NcsMeasure& proximal) {
    if (!distal.distance_mm || !proximal.distance_mm || !distal.onset_latency_ms || !proximal.onset_latency_ms) {
        return std::nullopt;
    }
    const double dd = *proximal.distance_mm - *distal.distance_mm;
    const double dt = *proximal.onset_latency_ms - *distal.onset_latency_ms;
    if (!(dd > 0.0 && dt > 0.0)) return std::nullopt;
    ConductionVelocity v;
    v.kind = distal.kind;
    v.nerve = distal.nerve;
    v.side = distal.side;
    v.from_site = distal.stim_site;
    v.to_site = proximal.stim_site;
    v.distance_mm = dd;
    v.latency_ms = dt;
    v.cv_m_per_s = dd / dt;
    return v;
}

std::optional<ConductionVelocity> sensory_conduction_velocity(const NcsMeasure& site) {
    if (!site.distance_mm || !site.onset_latency_ms || !(*site.onset_latency_ms > 0.0)) return std::nullopt;
    ConductionVelocity v;
    v.kind = site.kind;
    v.nerve = site.nerve;
    v.side = site.side;
    v.to_site = site.stim_site;
    v.distance_mm = *site.distance_mm;
    v.latency_ms = *site.onset_latency_ms;
    v.cv_m_per_s = v.distance_mm / v.latency_ms;
    return v;
}

std::vector<ConductionVelocity> conduction_velocities(std::span<const NcsMeasure> measures) {
    std::vector<ConductionVelocity> out;
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<const NcsMeasure*>> motor;
    for (const auto& m : measures) {
        if (m.kind == "sensory_ncs") {
            if (auto v = sensory_conduction_velocity(m)) out.push_back(*v);
        } else if (m.kind == "motor_ncs" && m.distance_mm) {
            motor[{m.nerve, m.muscle, m.side}].push_back(&m);
        }
    }
    for (auto& [key, sites] : motor) {
        std::sort(sites.begin(), sites.end(), [](const NcsMeasure* a, const NcsMeasure* b) {
            return *a->distance_mm < *b->distance_mm;
        });
        for (std::size_t i = 1; i < sites.size(); ++i) {
            if (auto v = motor_conduction_velocity(*sites[i - 1], *sites[i])) out.push_back(*v);
        }
    }
    return out;
}

}  // namespace edx::evoked
