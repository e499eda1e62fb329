#include "edx/stream/event_json.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace edx::stream {

Json number_or_null(std::optional<double> value) {
    if (!value || !std::isfinite(*value)) return nullptr;
    return *value;
}

Json number_or_null(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

namespace {

Json string_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

template <class T>
Json bool_or_null(const std::optional<T>& v) {
    return v ? Json(static_cast<bool>(*v)) : Json(nullptr);
}

}  // namespace

Json h_sweep_fields(const evoked::HSweepMeasure& s) {
    Json j;
    j["intensity_ma"] = number_or_null(s.intensity_ma);
    j["position"] = string_or_null(s.position);
    j["excluded"] = s.excluded;
    j["exclusion_reason"] = string_or_null(s.exclusion_reason);
    j["m_latency_ms"] = number_or_null(s.m_onset_ms);
    j["m_amplitude_mv"] = number_or_null(s.m_amplitude_mv);
    j["h_latency_ms"] = number_or_null(s.h_onset_ms);
    j["h_amplitude_mv"] = number_or_null(s.h_amplitude_mv);
    return j;
}

Json h_reflex_json(const evoked::HReflexResult& r) {
    Json j;
    j["recording"] = r.recording;
    j["side"] = string_or_null(r.side);
    j["muscle"] = string_or_null(r.muscle);
    j["nerve"] = string_or_null(r.nerve);
    j["sample_rate_hz"] = number_or_null(r.sample_rate_hz);
    j["filter"] = r.filter;
    j["sweeps_total"] = r.sweeps_total;
    j["sweeps_used"] = r.sweeps_used;
    j["sweeps_excluded"] = r.sweeps_excluded;
    j["excluded_by_reason"] = {{"non_finite", r.excluded_by_reason.non_finite},
                               {"clipping", r.excluded_by_reason.clipping},
                               {"artefact_overload", r.excluded_by_reason.artefact_overload}};
    j["m_present"] = r.m_present;
    j["m_sweeps"] = r.m_sweeps;
    j["m_latency_ms"] = number_or_null(r.m_latency_ms);
    j["m_amplitude_mv"] = number_or_null(r.m_amplitude_mv);
    j["m_peak_to_peak_mv"] = number_or_null(r.m_peak_to_peak_mv);
    j["h_present"] = r.h_present;
    j["h_presence"] = {{"tested", r.h_presence.tested},
                       {"p_value", number_or_null(r.h_presence.p_value)},
                       {"alpha", number_or_null(r.h_presence.alpha)},
                       {"method", r.h_presence.method}};
    j["h_sweeps"] = r.h_sweeps;
    j["h_latency_ms"] = number_or_null(r.h_latency_ms);
    j["h_latency_min_ms"] = number_or_null(r.h_latency_min_ms);
    j["h_latency_at_hmax_ms"] = number_or_null(r.h_latency_at_hmax_ms);
    j["h_latency_sd_ms"] = number_or_null(r.h_latency_sd_ms);
    j["h_amplitude_mv"] = number_or_null(r.h_amplitude_mv);
    j["h_peak_to_peak_mv"] = number_or_null(r.h_peak_to_peak_mv);
    j["h_without_m"] = r.h_without_m;
    j["hmax_mv"] = number_or_null(r.hmax_mv);
    j["mmax_mv"] = number_or_null(r.mmax_mv);
    j["mmax_basis"] = r.mmax_basis;
    j["h_m_ratio"] = number_or_null(r.h_m_ratio);
    j["hmax_mmax"] = number_or_null(r.hmax_mmax);
    if (r.expected) {
        j["expected_h_latency_ms"] = number_or_null(r.expected->latency_ms);
        j["expected_source"] = r.expected->source;
    } else {
        j["expected_h_latency_ms"] = nullptr;
    }
    j["h_latency_minus_expected_ms"] = number_or_null(r.h_latency_minus_expected_ms);
    j["notes"] = r.notes;
    Json sweeps = Json::array();
    for (const auto& s : r.sweeps) {
        Json e;
        e["sweep_index"] = s.sweep_index;
        e["t"] = number_or_null(s.time_s);
        merge_fields(e, h_sweep_fields(s));
        sweeps.push_back(std::move(e));
    }
    j["sweeps"] = std::move(sweeps);
    return j;
}

Json f_sweep_fields(const evoked::FSweepMeasure& s) {
    Json j;
    j["excluded"] = s.excluded;
    j["exclusion_reason"] = string_or_null(s.exclusion_reason);
    j["f_latency_ms"] = number_or_null(s.f_latency_ms);
    j["f_amplitude_mv"] = number_or_null(s.f_amplitude_mv);
    j["f_peak_to_peak_mv"] = number_or_null(s.f_peak_to_peak_mv);
    return j;
}

namespace {
Json exclusions(const evoked::ExclusionCounts& c) {
    return {{"non_finite", c.non_finite}, {"clipping", c.clipping}, {"artefact_overload", c.artefact_overload}};
}
}  // namespace

Json f_wave_json(const evoked::FWaveResult& r) {
    Json j;
    j["recording"] = r.recording;
    j["side"] = string_or_null(r.side);
    j["muscle"] = string_or_null(r.muscle);
    j["nerve"] = string_or_null(r.nerve);
    j["filter"] = r.filter;
    j["sweeps_total"] = r.sweeps_total;
    j["sweeps_used"] = r.sweeps_used;
    j["sweeps_excluded"] = r.sweeps_excluded;
    j["excluded_by_reason"] = exclusions(r.excluded_by_reason);
    j["m_present"] = r.m_present;
    j["m_latency_ms"] = number_or_null(r.m_latency_ms);
    j["m_amplitude_mv"] = number_or_null(r.m_amplitude_mv);
    j["f_count"] = r.f_count;
    j["persistence"] = number_or_null(r.persistence);
    j["f_min_latency_ms"] = number_or_null(r.f_min_latency_ms);
    j["f_mean_latency_ms"] = number_or_null(r.f_mean_latency_ms);
    j["f_max_latency_ms"] = number_or_null(r.f_max_latency_ms);
    j["chronodispersion_ms"] = number_or_null(r.chronodispersion_ms);
    j["f_min_minus_m_ms"] = number_or_null(r.f_min_minus_m_ms);
    j["f_mean_amplitude_mv"] = number_or_null(r.f_mean_amplitude_mv);
    j["notes"] = r.notes;
    Json sweeps = Json::array();
    for (const auto& s : r.sweeps) {
        Json e;
        e["sweep_index"] = s.sweep_index;
        e["t"] = number_or_null(s.time_s);
        merge_fields(e, f_sweep_fields(s));
        sweeps.push_back(std::move(e));
    }
    j["sweeps"] = std::move(sweeps);
    return j;
}

Json ncs_fields(const evoked::NcsMeasure& m) {
    Json j;
    j["present"] = m.present;
    j["onset_latency_ms"] = number_or_null(m.onset_latency_ms);
    j["peak_latency_ms"] = number_or_null(m.peak_latency_ms);
    j["amplitude_mv"] = number_or_null(m.amplitude_mv);
    j["peak_to_peak_mv"] = number_or_null(m.peak_to_peak_mv);
    j["negative_duration_ms"] = number_or_null(m.negative_duration_ms);
    j["negative_area_mv_ms"] = number_or_null(m.negative_area_mv_ms);
    j["sweeps_used"] = m.sweeps_used;
    return j;
}

Json ncs_json(const evoked::NcsMeasure& m) {
    Json j;
    j["recording"] = m.recording;
    j["kind"] = m.kind;
    j["side"] = string_or_null(m.side);
    j["muscle"] = string_or_null(m.muscle);
    j["nerve"] = string_or_null(m.nerve);
    j["stim_site"] = string_or_null(m.stim_site);
    j["distance_mm"] = number_or_null(m.distance_mm);
    j["filter"] = m.filter;
    j["sweeps_total"] = m.sweeps_total;
    j["sweeps_excluded"] = m.sweeps_excluded;
    j["excluded_by_reason"] = exclusions(m.excluded_by_reason);
    merge_fields(j, ncs_fields(m));
    j["presence_p_value"] = number_or_null(m.presence.p_value);
    j["notes"] = m.notes;
    return j;
}

std::vector<std::string> sweep_field_names(RecordingKind kind) {
    switch (kind) {
        case RecordingKind::h_reflex:
            return {"position", "excluded", "exclusion_reason", "m_latency_ms", "m_amplitude_mv", "h_latency_ms", "h_amplitude_mv"};
        case RecordingKind::f_wave:
            return {"excluded", "exclusion_reason", "f_latency_ms", "f_amplitude_mv", "f_peak_to_peak_mv"};
        default:
            return {"present", "onset_latency_ms", "peak_latency_ms", "amplitude_mv", "peak_to_peak_mv",
                    "negative_duration_ms", "negative_area_mv_ms", "sweeps_used"};
    }
}

Json fair_delay_fields(const evoked::FairEstimate& e) {
    Json j;
    j["status"] = std::string(evoked::to_string(e.status));
    j["shortfall"] = std::string(evoked::to_string(e.shortfall));
    j["delay_ms"] = number_or_null(e.delay_ms);
    if (e.ci95_lo_ms && e.ci95_hi_ms && std::isfinite(*e.ci95_lo_ms) && std::isfinite(*e.ci95_hi_ms)) {
        j["ci95_ms"] = Json::array({*e.ci95_lo_ms, *e.ci95_hi_ms});
    } else {
        j["ci95_ms"] = nullptr;
    }
    j["n_anatomic"] = e.n_anatomic;
    j["n_fair"] = e.n_fair;
    j["n_plateau"] = e.n_plateau;
    j["positive"] = bool_or_null(e.positive);
    j["significant"] = bool_or_null(e.significant);
    j["p_value"] = number_or_null(e.p_value);
    j["anatomic_latency_ms"] = number_or_null(e.anatomic_latency_ms);
    j["fair_latency_ms"] = number_or_null(e.fair_latency_ms);
    j["onset_after_fair_s"] = number_or_null(e.onset_after_fair_s);
    j["criterion_ms"] = number_or_null(e.criterion_ms);
    return j;
}

void merge_fields(Json& event, const Json& fields) {
    for (auto it = fields.begin(); it != fields.end(); ++it) event[it.key()] = it.value();
}

std::string event_line(const Json& event) {
    // nlohmann writes a non-finite double as null; every field above is
    // already filtered, this only guarantees the line's form.
    return event.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace edx::stream
