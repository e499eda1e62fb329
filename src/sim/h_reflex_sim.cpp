#include "edx/sim/h_reflex_sim.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "evoked_recording.hpp"
#include "physiology_table.hpp"

namespace edx::sim {

namespace {

constexpr std::string_view kTable = "physiology/h_reflex.json";
constexpr std::string_view kNorms = "norms/h_reflex_latency.json";
constexpr std::string_view kSubject = "physiology/anthropometry.json";

// Everything the recording is built from, given or drawn.
struct Resolved {
    double leg_length_cm = 0.0;
    std::optional<double> height_cm;
    double age_years = 0.0;
    std::string leg_length_from;
    double expected_h_latency_ms = 0.0;
    double h_latency_ms = 0.0;
    double m_latency_ms = 0.0;
    double electrode_distance_mm = 0.0;
    double tibial_motor_cv_m_per_s = 0.0;
    double m_terminal_latency_ms = 0.0;
    double mmax_mv = 0.0;
    double hmax_mmax_ratio = 0.0;
    double hmax_mv = 0.0;  // after the lesion's amplitude factor
    double h_jitter_sd_ms = 0.0, m_jitter_sd_ms = 0.0, h_amplitude_cv = 0.0, m_amplitude_cv = 0.0;
    double floor_fraction = 0.0;
    double pulse_ms = 0.0, inter_stimulus_s = 0.0;
    double onset_tau_s = 0.0, recovery_tau_s = 0.0;
    std::optional<StimulusRecruitment> recruitment;
    double h_peak_scale = 1.0;  // Hmax with the lesion's threshold / Hmax without
    HMontage montage = HMontage::any;
    WaveformShape m_shape, h_shape;
    double m_duration_ms = 0.0, h_duration_ms = 0.0;
};

double hmax_mmax_for_age(double age_years) {
    const double young = detail::value(kTable, "/amplitude/hmax_mmax_young");
    const double old = detail::value(kTable, "/amplitude/hmax_mmax_old");
    const double a0 = detail::value(kTable, "/amplitude/young_age_years");
    const double a1 = detail::value(kTable, "/amplitude/old_age_years");
    const double f = std::clamp((age_years - a0) / (a1 - a0), 0.0, 1.0);
    return young + f * (old - young);
}

Resolved resolve(const HReflexConfig& c, std::uint64_t seed) {
    using detail::draw;
    using detail::given_or;
    Random p = Random::stream(seed, c.name + "/parameters");
    // Every candidate is drawn in a fixed order whether or not it is given.
    const double height_drawn = draw(kSubject, "/height_cm", p);
    const double age_drawn = draw(kSubject, "/age_years", p);
    const double residual_z = detail::bounded(p.normal(), 2.0);
    const double pulse_drawn = draw(kTable, "/protocol/pulse_width_ms", p);
    const double cv_drawn = draw(kTable, "/latency/tibial_motor_cv_m_per_s", p);
    const double terminal_drawn = draw(kTable, "/latency/m_terminal_latency_ms", p);
    const double mmax_drawn = draw(kTable, "/amplitude/mmax_mv", p);
    const double spread_drawn = draw(kTable, "/amplitude/hmax_mmax_relative_spread", p);
    const double h50_drawn = draw(kTable, "/recruitment/h50_ma", p);
    const double m_over_h_drawn = draw(kTable, "/recruitment/m50_over_h50", p);
    const double h_slope_drawn = draw(kTable, "/recruitment/h_slope_fraction", p);
    const double m_slope_drawn = draw(kTable, "/recruitment/m_slope_fraction", p);
    const double tau_drawn = draw(kTable, "/fair/onset_tau_s", p);
    const double montage_u = p.uniform();
    const double extra_phase_u = p.uniform();
    const double m_duration_drawn = draw(kTable, "/shape/m_wave/duration_ms", p);
    const double h_duration_drawn = draw(kTable, "/shape/h_wave/duration_ms", p);

    Resolved r;
    const double per_height = detail::value(kSubject, "/leg_length_per_height");
    r.age_years = given_or(c.age_years, age_drawn);
    if (c.leg_length_cm) {
        r.leg_length_cm = *c.leg_length_cm;
        r.height_cm = c.height_cm;
        r.leg_length_from = "given";
    } else {
        r.height_cm = given_or(c.height_cm, height_drawn);
        r.leg_length_cm = per_height * *r.height_cm;
        r.leg_length_from = c.height_cm ? "given height" : "drawn height";
    }
    r.expected_h_latency_ms = expected_h_latency_ms(r.leg_length_cm, r.age_years);
    r.h_latency_ms = given_or(
        c.h_latency_ms, r.expected_h_latency_ms + detail::value(kTable, "/latency/leg_residual_sd_ms") * residual_z);
    r.electrode_distance_mm = detail::value(kTable, "/latency/electrode_position_fraction") * r.leg_length_cm * 10.0;
    r.tibial_motor_cv_m_per_s = cv_drawn;
    r.m_terminal_latency_ms = terminal_drawn;
    // mm / (m/s) is ms.
    r.m_latency_ms = given_or(c.m_latency_ms, r.electrode_distance_mm / cv_drawn + terminal_drawn);
    r.mmax_mv = given_or(c.mmax_mv, mmax_drawn);
    r.hmax_mmax_ratio = given_or(c.hmax_mmax_ratio, hmax_mmax_for_age(r.age_years) * spread_drawn);
    r.hmax_mv = c.lesion.h_present ? r.hmax_mmax_ratio * r.mmax_mv * c.lesion.h_amplitude_factor : 0.0;
    r.h_jitter_sd_ms = given_or(c.h_jitter_sd_ms, detail::value(kTable, "/latency/h_jitter_sd_ms"));
    r.m_jitter_sd_ms = given_or(c.m_jitter_sd_ms, detail::value(kTable, "/latency/m_jitter_sd_ms"));
    r.h_amplitude_cv = given_or(c.h_amplitude_cv, detail::value(kTable, "/amplitude/h_amplitude_cv"));
    r.m_amplitude_cv = given_or(c.m_amplitude_cv, detail::value(kTable, "/amplitude/m_amplitude_cv"));
    r.floor_fraction = detail::value(kTable, "/amplitude/response_floor_fraction");
    r.pulse_ms = given_or(c.pulse_width_ms, pulse_drawn);
    r.inter_stimulus_s = given_or(c.inter_stimulus_s, 1.0 / detail::value(kTable, "/protocol/stimulus_rate_hz"));
    r.onset_tau_s = given_or(c.fair.onset_tau_s, tau_drawn);
    r.recovery_tau_s = given_or(c.fair.recovery_tau_s, r.onset_tau_s);

    const StimulusRecruitment base =
        c.recruitment ? *c.recruitment
                      : StimulusRecruitment(h50_drawn, h_slope_drawn * h50_drawn, m_over_h_drawn * h50_drawn,
                                            m_slope_drawn * m_over_h_drawn * h50_drawn);
    const double f = c.lesion.h_threshold_factor;
    r.recruitment.emplace(base.h50_ma() * f, base.h_slope_ma() * f, base.m50_ma(), base.m_slope_ma());
    // A raised threshold brings the H curve closer to M, so more of it is
    // occluded: Hmax falls with it rather than being rescaled to the norm.
    r.h_peak_scale = r.recruitment->occluded_peak() / base.occluded_peak();

    r.montage = c.montage != HMontage::any
                    ? c.montage
                    : (montage_u < 0.5 ? HMontage::hugon_braddom_johnson : HMontage::half_and_half);
    r.m_duration_ms = given_or(c.m_duration_ms, m_duration_drawn);
    r.h_duration_ms = given_or(c.h_duration_ms, h_duration_drawn);
    Random shapes = Random::stream(seed, c.name + "/shapes");
    r.m_shape = draw_shape(detail::shape_ranges(kTable, "/shape/m_wave"), shapes);
    const std::string family = r.montage == HMontage::hugon_braddom_johnson ? "/shape/h_wave/hugon_braddom_johnson"
                                                                            : "/shape/h_wave/half_and_half";
    const Polarity initial =
        detail::text(kTable, family + "/initial_polarity") == "positive" ? Polarity::positive : Polarity::negative;
    const int extra = extra_phase_u < detail::value(kTable, "/shape/h_wave/extra_phase_probability") ? 1 : 0;
    const int phases = static_cast<int>(detail::entry(kTable, family + "/phases").get<double>()) + extra;
    r.h_shape = draw_shape(detail::shape_ranges(kTable, "/shape/h_wave"), initial, phases, shapes);
    return r;
}

double median(std::vector<double> v) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

}  // namespace

std::string_view to_string(HMontage montage) noexcept {
    switch (montage) {
        case HMontage::any:
            return "any";
        case HMontage::hugon_braddom_johnson:
            return "hugon_braddom_johnson";
        case HMontage::half_and_half:
            return "half_and_half";
    }
    return "unknown";
}

double expected_h_latency_ms(double leg_length_cm, double age_years) {
    return detail::value(kNorms, "/regression/intercept_ms") +
           detail::value(kNorms, "/regression/per_leg_length_ms_per_cm") * leg_length_cm +
           detail::value(kNorms, "/regression/per_age_ms_per_year") * age_years;
}

std::vector<HReflexPhase> fair_protocol(int sweeps_per_position, double settle_s) {
    return {{"anatomic", sweeps_per_position, {}, {}, settle_s},
            {"fair", sweeps_per_position, {}, {}, settle_s},
            {"anatomic", sweeps_per_position, {}, {}, settle_s}};
}

std::vector<HReflexPhase> recruitment_protocol(double from_ma, double to_ma, int sweeps, std::string position) {
    return {{std::move(position), sweeps, from_ma, to_ma, 5.0}};
}

void HReflexConfig::validate() const {
    using detail::check_optional;
    if (name.empty() || name.find('/') != std::string::npos)
        throw std::invalid_argument("name must be non-empty, without '/'");
    detail::check_acquisition(sample_rate_hz, sweep_s, pre_trigger_s, side);
    check_optional(leg_length_cm, "leg_length_cm", 20.0, 70.0);
    check_optional(height_cm, "height_cm", 100.0, 230.0);
    check_optional(age_years, "age_years", 1.0, 110.0);
    check_optional(h_latency_ms, "h_latency_ms", 10.0, 80.0);
    check_optional(m_latency_ms, "m_latency_ms", 1.0, 20.0);
    check_optional(mmax_mv, "mmax_mv", 0.05, 50.0);
    check_optional(hmax_mmax_ratio, "hmax_mmax_ratio", 0.0, 1.5);
    check_optional(h_jitter_sd_ms, "h_jitter_sd_ms", 0.0, 3.0);
    check_optional(m_jitter_sd_ms, "m_jitter_sd_ms", 0.0, 1.0);
    check_optional(h_amplitude_cv, "h_amplitude_cv", 0.0, 0.5);
    check_optional(m_amplitude_cv, "m_amplitude_cv", 0.0, 0.5);
    check_optional(m_duration_ms, "m_duration_ms", 2.0, 40.0);
    check_optional(h_duration_ms, "h_duration_ms", 2.0, 40.0);
    check_optional(inter_stimulus_s, "inter_stimulus_s", sweep_s, 600.0);
    check_optional(pulse_width_ms, "pulse_width_ms", 0.05, 2.0);
    if (phases.empty()) throw std::invalid_argument("phases must not be empty");
    for (std::size_t i = 0; i < phases.size(); ++i) {
        const auto& ph = phases[i];
        const std::string where = "phases[" + std::to_string(i) + "]";
        if (ph.position.empty() || ph.position.find('=') != std::string::npos) {
            throw std::invalid_argument(where + ".position must be non-empty, without '='");
        }
        if (ph.sweeps < 1 || ph.sweeps > 10000) throw std::invalid_argument(where + ".sweeps must be in 1..10000");
        check_optional(ph.intensity_ma, (where + ".intensity_ma").c_str(), 0.01, 200.0);
        check_optional(ph.final_intensity_ma, (where + ".final_intensity_ma").c_str(), 0.01, 200.0);
        if (ph.final_intensity_ma && !ph.intensity_ma) {
            throw std::invalid_argument(where + ".final_intensity_ma needs intensity_ma (the start of the ramp)");
        }
        if (!(ph.settle_s >= (i == 0 ? pre_trigger_s : 0.0))) {
            throw std::invalid_argument(where + ".settle_s must be >= 0 (and >= pre_trigger_s for the first phase)");
        }
    }
    fair.validate();
    if (!(lesion.h_latency_shift_ms >= -10.0 && lesion.h_latency_shift_ms <= 30.0)) {
        throw std::invalid_argument("lesion.h_latency_shift_ms must be in [-10, 30]");
    }
    if (!(lesion.h_amplitude_factor >= 0.0 && lesion.h_amplitude_factor <= 3.0)) {
        throw std::invalid_argument("lesion.h_amplitude_factor must be in [0, 3]");
    }
    if (!(lesion.h_threshold_factor > 0.0 && lesion.h_threshold_factor <= 5.0)) {
        throw std::invalid_argument("lesion.h_threshold_factor must be in (0, 5]");
    }
    background.validate();
    artefact.validate();
}

SimulatedRecording simulate_h_reflex(const HReflexConfig& c, std::uint64_t seed) {
    c.validate();
    const Resolved r = resolve(c, seed);
    const StimulusRecruitment& rec = *r.recruitment;

    // Timeline: each phase opens with its marker; its stimuli follow after settling.
    std::vector<Marker> markers;
    std::vector<Stimulus> stimuli;
    std::vector<std::size_t> phase_of;
    double t = 0.0;
    for (std::size_t k = 0; k < c.phases.size(); ++k) {
        const auto& ph = c.phases[k];
        markers.push_back({t, "position=" + ph.position});
        const double first = t + ph.settle_s;
        const double from = ph.intensity_ma ? *ph.intensity_ma : rec.h_max_intensity_ma();
        const double to = ph.final_intensity_ma ? *ph.final_intensity_ma : from;
        for (int j = 0; j < ph.sweeps; ++j) {
            const double frac = ph.sweeps > 1 ? static_cast<double>(j) / (ph.sweeps - 1) : 0.0;
            stimuli.push_back({first + j * r.inter_stimulus_s, from + (to - from) * frac});
            phase_of.push_back(k);
        }
        t = stimuli.back().time_s + r.inter_stimulus_s;
    }

    // The latest H-wave must end inside the sweep.
    const double post_ms = (c.sweep_s - c.pre_trigger_s) * 1000.0;
    const double latest_h_end =
        r.h_latency_ms + c.lesion.h_latency_shift_ms + c.fair.delay_ms + 3.5 * r.h_jitter_sd_ms + r.h_duration_ms;
    if (c.lesion.h_present && latest_h_end > post_ms) {
        throw std::invalid_argument("sweep_s too short: the H-wave may end " + std::to_string(latest_h_end) +
                                    " ms after the stimulus, the sweep ends " + std::to_string(post_ms) +
                                    " ms after it");
    }

    RecordingInfo info;
    info.name = c.name;
    info.kind = RecordingKind::h_reflex;
    info.sample_rate_hz = c.sample_rate_hz;
    info.units = Units::mV;
    info.muscle = "soleus";
    info.nerve = "tibial";
    info.side = c.side;
    info.stim_site = "popliteal_fossa";
    info.distance_mm = r.electrode_distance_mm;
    info.subject.leg_length_cm = r.leg_length_cm;
    info.subject.age_years = r.age_years;
    info.subject.height_cm = r.height_cm;
    Recording out = detail::empty_sweep_recording(info, c.sweep_s, c.pre_trigger_s, stimuli);
    out.markers = markers;

    const FairDynamics fair(c.fair.delay_ms, r.onset_tau_s, r.recovery_tau_s, c.fair.amplitude_factor, c.fair.position,
                            markers);
    Random artefact_random = Random::stream(seed, c.name + "/artefact");
    const StimulusArtefact artefact = draw_artefact(c.artefact, RecordingKind::h_reflex, r.pulse_ms, artefact_random);
    double max_intensity = 0.0;
    for (const auto& s : stimuli) max_intensity = std::max(max_intensity, s.intensity_ma);

    const EvokedPotential m_unit(r.m_shape, 0.0, r.m_duration_ms, 1.0);
    const EvokedPotential h_unit(r.h_shape, 0.0, r.h_duration_ms, 1.0);
    const double t0_ms = detail::first_sample_ms(out);
    Random sweep_random = Random::stream(seed, c.name + "/sweeps");
    nlohmann::json sweeps = nlohmann::json::array();
    std::vector<double> h_amplitudes;
    std::map<std::string, std::vector<double>> h_onsets_by_position, delays_by_position;
    for (std::size_t i = 0; i < stimuli.size(); ++i) {
        // Four draws per sweep whatever is present, so streams stay aligned.
        const double z_h_latency = detail::bounded(sweep_random.normal(), 3.5);
        const double z_m_latency = detail::bounded(sweep_random.normal(), 3.5);
        const double z_h_amplitude = detail::bounded(sweep_random.normal(), 3.0);
        const double z_m_amplitude = detail::bounded(sweep_random.normal(), 3.0);

        const double time_s = stimuli[i].time_s;
        const double intensity = stimuli[i].intensity_ma;
        const auto& phase = c.phases[phase_of[i]];
        auto sweep = out.sweep(i);

        const double m_fraction = rec.m_fraction(intensity);
        const double m_amplitude = r.mmax_mv * m_fraction * std::max(0.0, 1.0 + r.m_amplitude_cv * z_m_amplitude);
        const bool m_present = m_fraction >= r.floor_fraction && m_amplitude > 0.0;
        PotentialMeasures m;
        if (m_present) {
            const EvokedPotential pot =
                m_unit.shifted(r.m_latency_ms + r.m_jitter_sd_ms * z_m_latency).scaled(m_amplitude);
            pot.add_to(sweep, c.sample_rate_hz, t0_ms);
            m = pot.measures();
        }

        const double progress = fair.progress(time_s);
        const double delay = fair.delay_ms(time_s);
        const double h_expected =
            r.hmax_mv * r.h_peak_scale * rec.h_fraction(intensity) * fair.amplitude_factor(time_s);
        const double h_amplitude = h_expected * std::max(0.0, 1.0 + r.h_amplitude_cv * z_h_amplitude);
        const bool h_present =
            r.hmax_mv > 0.0 && h_expected >= r.floor_fraction * r.hmax_mv * r.h_peak_scale && h_amplitude > 0.0;
        const double jitter = r.h_jitter_sd_ms * z_h_latency;
        PotentialMeasures h;
        if (h_present) {
            const EvokedPotential pot =
                h_unit.shifted(r.h_latency_ms + c.lesion.h_latency_shift_ms + delay + jitter).scaled(h_amplitude);
            pot.add_to(sweep, c.sample_rate_hz, t0_ms);
            h = pot.measures();
            h_amplitudes.push_back(h.amplitude_mv);
            h_onsets_by_position[phase.position].push_back(h.onset_ms);
        }
        delays_by_position[phase.position].push_back(delay);
        if (max_intensity > 0.0) artefact.scaled(intensity / max_intensity).add_to(sweep, c.sample_rate_hz, t0_ms);

        sweeps.push_back({{"index", i},
                          {"time_s", time_s},
                          {"intensity_ma", intensity},
                          {"position", phase.position},
                          {"time_in_position_s", time_s - markers[phase_of[i]].time_s},
                          {"m_present", m_present},
                          {"m_onset_ms", detail::or_null(m_present, m.onset_ms)},
                          {"m_negative_peak_ms", detail::or_null(m_present, m.negative_peak_ms)},
                          {"m_amplitude_mv", m.amplitude_mv},
                          {"m_peak_to_peak_mv", m.peak_to_peak_mv},
                          {"h_present", h_present},
                          {"h_onset_ms", detail::or_null(h_present, h.onset_ms)},
                          {"h_negative_peak_ms", detail::or_null(h_present, h.negative_peak_ms)},
                          {"h_amplitude_mv", h.amplitude_mv},
                          {"h_peak_to_peak_mv", h.peak_to_peak_mv},
                          {"h_jitter_ms", jitter},
                          {"delay_applied_ms", delay},
                          {"fair_progress", progress}});
    }

    double reference = 0.0;
    for (double a : h_amplitudes) reference += a;
    if (!h_amplitudes.empty()) reference /= static_cast<double>(h_amplitudes.size());
    Random background_random = Random::stream(seed, c.name + "/background");
    const ResolvedBackground background =
        resolve_background(c.background, RecordingKind::h_reflex, reference, background_random);
    Random noise_random = Random::stream(seed, c.name + "/noise");
    const double realised_rms = add_background(out, background.spec, noise_random);
    for (auto& s : sweeps) {
        const bool present = s["h_present"].get<bool>();
        const double a = s["h_amplitude_mv"].get<double>();
        s["h_snr_db"] = detail::or_null(present && realised_rms > 0.0, 20.0 * std::log10(a / realised_rms));
    }
    out.check_consistent();

    nlohmann::json truth = detail::truth_header("edx.sim.h_reflex", out, seed);
    truth["subject"] = {{"leg_length_cm", r.leg_length_cm},
                        {"leg_length_from", r.leg_length_from},
                        {"height_cm", detail::or_null(r.height_cm.has_value(), r.height_cm.value_or(0.0))},
                        {"age_years", r.age_years}};
    truth["expected_h_latency_ms"] = r.expected_h_latency_ms;
    truth["expected_h_latency_source"] =
        "norms/h_reflex_latency.json regression (Braddom & Johnson 1974 coefficients, status unverified)";
    truth["h_latency_ms"] = r.h_latency_ms;
    truth["h_latency_from"] = c.h_latency_ms ? "given" : "regression plus leg residual";
    truth["m_latency_ms"] = r.m_latency_ms;
    truth["electrode_distance_mm"] = r.electrode_distance_mm;
    truth["tibial_motor_cv_m_per_s"] = r.tibial_motor_cv_m_per_s;
    truth["m_terminal_latency_ms"] = r.m_terminal_latency_ms;
    truth["mmax_mv"] = r.mmax_mv;
    truth["hmax_mmax_ratio"] = r.hmax_mmax_ratio;
    truth["hmax_mv"] = r.hmax_mv * r.h_peak_scale;
    truth["h_present"] = c.lesion.h_present;
    truth["lesion"] = {{"h_present", c.lesion.h_present},
                       {"h_latency_shift_ms", c.lesion.h_latency_shift_ms},
                       {"h_amplitude_factor", c.lesion.h_amplitude_factor},
                       {"h_threshold_factor", c.lesion.h_threshold_factor}};
    truth["recruitment"] = rec.to_json();
    truth["montage"] = to_string(r.montage);
    truth["m_wave"] = {{"duration_ms", r.m_duration_ms}, {"unit_potential", m_unit.to_json()}};
    truth["h_wave"] = {{"duration_ms", r.h_duration_ms}, {"unit_potential", h_unit.to_json()}};
    truth["variability"] = {{"h_jitter_sd_ms", r.h_jitter_sd_ms},
                            {"m_jitter_sd_ms", r.m_jitter_sd_ms},
                            {"h_amplitude_cv", r.h_amplitude_cv},
                            {"m_amplitude_cv", r.m_amplitude_cv},
                            {"response_floor_fraction", r.floor_fraction}};
    truth["protocol"] = {{"inter_stimulus_s", r.inter_stimulus_s}, {"pulse_width_ms", r.pulse_ms}};
    truth["fair"] = fair.to_json();
    nlohmann::json marker_list = nlohmann::json::array();
    for (const auto& mk : markers) marker_list.push_back({{"time_s", mk.time_s}, {"label", mk.label}});
    truth["markers"] = marker_list;
    nlohmann::json by_position = nlohmann::json::object();
    for (const auto& [position, delays] : delays_by_position) {
        const auto& onsets = h_onsets_by_position[position];
        by_position[position] = {{"sweeps", delays.size()},
                                 {"h_sweeps", onsets.size()},
                                 {"median_h_onset_ms", detail::or_null(!onsets.empty(), median(onsets))},
                                 {"median_delay_applied_ms", median(delays)}};
    }
    truth["by_position"] = by_position;
    truth["artefact"] = artefact.to_json();
    truth["noise"] = background.to_json();
    truth["noise"]["noise_rms_mv_realised"] = realised_rms;
    truth["noise"]["snr_reference"] = "mean baseline-to-negative-peak H amplitude over sweeps with an H-wave";
    truth["sweeps"] = std::move(sweeps);
    return {std::move(out), std::move(truth)};
}

}  // namespace edx::sim
