#include "edx/evoked/result_json.hpp"

#include <cmath>
#include <optional>
#include <string>

namespace edx::evoked {

namespace {

nlohmann::ordered_json value(const std::optional<double>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json text_or_null(const std::string& s) {
    return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

}  // namespace

nlohmann::ordered_json to_json(const HReflexResult& r) {
    nlohmann::ordered_json j;
    j["recording"] = r.recording;
    j["side"] = r.side.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.side);
    j["m_latency_ms"] = value(r.m_latency_ms);
    j["m_peak_latency_ms"] = value(r.m_peak_latency_ms);
    j["m_amplitude_mv"] = value(r.m_amplitude_mv);
    j["h_present"] = r.h_present;
    j["h_latency_ms"] = value(r.h_latency_ms);
    j["h_peak_latency_ms"] = value(r.h_peak_latency_ms);
    j["h_amplitude_mv"] = value(r.h_amplitude_mv);
    j["h_m_ratio"] = value(r.h_m_ratio);
    j["hmax_mmax"] = value(r.hmax_mmax);
    j["expected_h_latency_ms"] = r.expected ? nlohmann::ordered_json(r.expected->latency_ms) : nlohmann::ordered_json(nullptr);
    j["expected_h_latency_source"] =
        r.expected ? nlohmann::ordered_json(r.expected->source) : nlohmann::ordered_json(nullptr);
    j["expected_h_latency_status"] =
        r.expected ? nlohmann::ordered_json(r.expected->status) : nlohmann::ordered_json(nullptr);
    j["h_latency_minus_expected_ms"] = value(r.h_latency_minus_expected_ms);
    j["sweeps_used"] = r.sweeps_used;
    j["sweeps_excluded"] = r.sweeps_excluded;
    j["excluded_by_reason"] = {{"non_finite", r.excluded_by_reason.non_finite},
                               {"clipping", r.excluded_by_reason.clipping},
                               {"artefact_overload", r.excluded_by_reason.artefact_overload}};
    j["h_latency_min_ms"] = value(r.h_latency_min_ms);
    j["h_latency_at_hmax_ms"] = value(r.h_latency_at_hmax_ms);
    j["h_latency_sd_ms"] = value(r.h_latency_sd_ms);
    j["h_peak_to_peak_mv"] = value(r.h_peak_to_peak_mv);
    j["m_peak_to_peak_mv"] = value(r.m_peak_to_peak_mv);
    j["hmax_mv"] = value(r.hmax_mv);
    j["mmax_mv"] = value(r.mmax_mv);
    j["mmax_basis"] = r.mmax_basis;
    j["h_without_m"] = r.h_without_m;
    j["h_presence"] = {{"tested", r.h_presence.tested},
                       {"statistic", r.h_presence.statistic},
                       {"critical_value", r.h_presence.critical_value},
                       {"p_value", r.h_presence.p_value},
                       {"alpha", r.h_presence.alpha},
                       {"method", r.h_presence.method}};
    auto fit = [](bool fitted, const std::string& reason) {
        return nlohmann::ordered_json{{"fitted", fitted}, {"reason", reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(reason)}};
    };
    nlohmann::ordered_json rec;
    rec["intensities"] = r.recruitment.intensities;
    rec["m"] = fit(r.recruitment.m.fitted, r.recruitment.m.reason);
    if (r.recruitment.m.fitted) {
        rec["m"]["mmax_mv"] = r.recruitment.m.mmax_mv;
        rec["m"]["i50_ma"] = r.recruitment.m.i50_ma;
        rec["m"]["threshold_ma"] = r.recruitment.m.threshold_ma;
        rec["m"]["plateau_reached"] = r.recruitment.m.plateau_reached;
    }
    rec["h"] = fit(r.recruitment.h.fitted, r.recruitment.h.reason);
    if (r.recruitment.h.fitted) {
        rec["h"]["model"] = r.recruitment.h.model;
        rec["h"]["hmax_mv"] = r.recruitment.h.hmax_mv;
        rec["h"]["intensity_at_hmax_ma"] = r.recruitment.h.intensity_at_hmax_ma;
        rec["h"]["threshold_ma"] = r.recruitment.h.threshold_ma;
        rec["h"]["i50_ma"] = r.recruitment.h.i50_ma;
    }
    rec["threshold_fraction"] = r.recruitment.threshold_fraction;
    j["recruitment"] = rec;
    j["filter"] = r.filter;
    j["notes"] = r.notes;
    nlohmann::ordered_json sweeps = nlohmann::ordered_json::array();
    for (const auto& s : r.sweeps) {
        sweeps.push_back({{"sweep", s.sweep_index},
                          {"time_s", s.time_s},
                          {"intensity_ma", std::isfinite(s.intensity_ma) ? nlohmann::ordered_json(s.intensity_ma) : nlohmann::ordered_json(nullptr)},
                          {"position", s.position.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.position)},
                          {"excluded", s.excluded ? nlohmann::ordered_json(s.exclusion_reason) : nlohmann::ordered_json(nullptr)},
                          {"m_onset_ms", value(s.m_onset_ms)},
                          {"m_amplitude_mv", value(s.m_amplitude_mv)},
                          {"h_onset_ms", value(s.h_onset_ms)},
                          {"h_amplitude_mv", value(s.h_amplitude_mv)}});
    }
    j["sweeps"] = sweeps;
    return j;
}

nlohmann::ordered_json to_json(const NcsMeasure& m) {
    return {{"recording", m.recording},
            {"kind", m.kind},
            {"nerve", m.nerve},
            {"muscle", m.muscle.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.muscle)},
            {"side", m.side.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.side)},
            {"stim_site", m.stim_site},
            {"distance_mm", value(m.distance_mm)},
            {"present", m.present},
            {"onset_latency_ms", value(m.onset_latency_ms)},
            {"peak_latency_ms", value(m.peak_latency_ms)},
            {"amplitude_mv", value(m.amplitude_mv)},
            {"peak_to_peak_mv", value(m.peak_to_peak_mv)},
            {"negative_duration_ms", value(m.negative_duration_ms)},
            {"negative_area_mv_ms", value(m.negative_area_mv_ms)},
            {"sweeps_used", m.sweeps_used},
            {"sweeps_excluded", m.sweeps_excluded},
            {"presence_p_value", m.presence.tested ? nlohmann::ordered_json(m.presence.p_value) : nlohmann::ordered_json(nullptr)},
            {"filter", m.filter},
            {"notes", m.notes}};
}

nlohmann::ordered_json to_json(const FWaveResult& f) {
    nlohmann::ordered_json latencies = nlohmann::ordered_json::array();
    for (const auto& s : f.sweeps) latencies.push_back(value(s.f_latency_ms));
    return {{"recording", f.recording},
            {"nerve", f.nerve},
            {"muscle", f.muscle},
            {"side", f.side.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.side)},
            {"m_latency_ms", value(f.m_latency_ms)},
            {"m_amplitude_mv", value(f.m_amplitude_mv)},
            {"f_count", f.f_count},
            {"persistence", value(f.persistence)},
            {"f_min_latency_ms", value(f.f_min_latency_ms)},
            {"f_mean_latency_ms", value(f.f_mean_latency_ms)},
            {"f_max_latency_ms", value(f.f_max_latency_ms)},
            {"chronodispersion_ms", value(f.chronodispersion_ms)},
            {"f_min_minus_m_ms", value(f.f_min_minus_m_ms)},
            {"f_mean_amplitude_mv", value(f.f_mean_amplitude_mv)},
            {"sweeps_used", f.sweeps_used},
            {"sweeps_excluded", f.sweeps_excluded},
            {"f_latency_ms_per_sweep", latencies},
            {"filter", f.filter},
            {"notes", f.notes}};
}

nlohmann::ordered_json to_json(const ConductionVelocity& v) {
    return {{"kind", v.kind},
            {"nerve", v.nerve},
            {"side", text_or_null(v.side)},
            {"from_site", text_or_null(v.from_site)},
            {"to_site", v.to_site},
            {"distance_mm", v.distance_mm},
            {"latency_ms", v.latency_ms},
            {"cv_m_per_s", v.cv_m_per_s}};
}

nlohmann::ordered_json to_json(const SideToSideComparison& c, const std::string& left_recording,
                               const std::string& right_recording) {
    return {{"left_recording", left_recording},
            {"right_recording", right_recording},
            {"left_latency_ms", c.left_latency_ms},
            {"right_latency_ms", c.right_latency_ms},
            {"difference_ms", c.difference_ms},
            {"limit_ms", c.limit.limit_ms},
            {"limit_source", c.limit.source},
            {"limit_status", c.limit.status},
            {"limit_rule", c.limit.rule},
            {"beyond_limit", c.beyond_limit},
            {"classic_limit_ms", c.classic_limit_ms},
            {"beyond_classic_limit", c.beyond_classic_limit}};
}

}  // namespace edx::evoked
