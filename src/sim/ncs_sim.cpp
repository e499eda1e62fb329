#include "edx/sim/ncs_sim.hpp"

#include <cmath>
#include <stdexcept>

#include "evoked_recording.hpp"
#include "motor_norms.hpp"
#include "physiology_table.hpp"

namespace edx::sim {

namespace {

constexpr std::string_view kSubject = "physiology/anthropometry.json";

// One stimulation site after resolution.
struct SiteTruth {
    std::string stim_site;
    double distance_mm = 0.0;
    double onset_ms = 0.0;
    double segment_cv_m_per_s = 0.0;  // from the previous site; 0 for the first
    double amplitude_mv = 0.0;        // before sweep-to-sweep variation
    double stretch = 1.0;             // duration relative to the first site
};

void check_sites(const std::vector<NcsSite>& sites) {
    for (std::size_t i = 0; i < sites.size(); ++i) {
        const auto& s = sites[i];
        const std::string where = "sites[" + std::to_string(i) + "]";
        if (s.stim_site.empty() || s.stim_site.find('/') != std::string::npos) {
            throw std::invalid_argument(where + ".stim_site must be non-empty, without '/'");
        }
        detail::check_optional(s.distance_mm, (where + ".distance_mm").c_str(), 10.0, 1500.0);
        if (!(s.segment_velocity_factor > 0.05 && s.segment_velocity_factor <= 2.0)) {
            throw std::invalid_argument(where + ".segment_velocity_factor must be in (0.05, 2]");
        }
        if (!(s.segment_amplitude_factor >= 0.0 && s.segment_amplitude_factor <= 1.0)) {
            throw std::invalid_argument(where + ".segment_amplitude_factor must be in [0, 1]");
        }
        if (i > 0 && s.distance_mm && sites[i - 1].distance_mm && !(*s.distance_mm > *sites[i - 1].distance_mm)) {
            throw std::invalid_argument(where + ".distance_mm must exceed the previous site's (distal first)");
        }
    }
}

void check_lesion(const NcsLesion& l) {
    if (!(l.amplitude_factor >= 0.0 && l.amplitude_factor <= 3.0))
        throw std::invalid_argument("lesion.amplitude_factor must be in [0, 3]");
    if (!(l.velocity_factor > 0.05 && l.velocity_factor <= 2.0))
        throw std::invalid_argument("lesion.velocity_factor must be in (0.05, 2]");
    if (!(l.dispersion_factor >= 0.0 && l.dispersion_factor <= 20.0))
        throw std::invalid_argument("lesion.dispersion_factor must be in [0, 20]");
}

// Everything the per-site recordings of one nerve share.
struct NcsSetup {
    RecordingKind kind;
    std::string simulator;
    std::string name;
    std::string nerve;
    std::string muscle;
    std::string side;
    double sample_rate_hz, sweep_s, pre_trigger_s, inter_stimulus_s;
    int sweeps_per_site;
    double intensity_ma, pulse_ms, amplitude_cv;
    double duration_ms;
    WaveformShape shape;
    std::vector<SiteTruth> sites;
    NcsLesion lesion;
    EvokedBackground background;
    ArtefactSettings artefact;
    SubjectMeasures subject;
    nlohmann::json parameters;  // what the study was built from, for every truth
};

// The settings a motor and a sensory configuration share, given or drawn;
// `common` is the table's block of settings common to the kind.
template <typename Config>
NcsSetup setup_from(const Config& c, RecordingKind kind, const std::string& common, double intensity_drawn,
                    double duration_drawn, double age, std::uint64_t seed) {
    using detail::given_or;
    NcsSetup s;
    s.kind = kind;
    s.simulator = kind == RecordingKind::motor_ncs ? "edx.sim.motor_ncs" : "edx.sim.sensory_ncs";
    s.name = c.name;
    s.nerve = c.nerve;
    s.side = c.side;
    s.sample_rate_hz = c.sample_rate_hz;
    s.sweep_s = c.sweep_s;
    s.pre_trigger_s = c.pre_trigger_s;
    s.inter_stimulus_s = c.inter_stimulus_s;
    s.sweeps_per_site = c.sweeps_per_site;
    s.intensity_ma = given_or(c.intensity_ma, intensity_drawn);
    s.pulse_ms = given_or(c.pulse_width_ms, detail::value(detail::ncs_table, common + "/pulse_width_ms"));
    s.amplitude_cv = given_or(c.amplitude_cv, detail::value(detail::ncs_table, common + "/amplitude_cv"));
    s.duration_ms = given_or(c.duration_ms, duration_drawn);
    Random shapes = Random::stream(seed, c.name + "/shapes");
    s.shape = draw_shape(detail::shape_ranges(detail::ncs_table, common), shapes);
    s.lesion = c.lesion;
    s.background = c.background;
    s.artefact = c.artefact;
    s.subject.age_years = age;
    return s;
}

std::vector<SimulatedRecording> render(const NcsSetup& s, std::uint64_t seed) {
    const EvokedPotential unit(s.shape, 0.0, s.duration_ms, 1.0);
    const double post_ms = (s.sweep_s - s.pre_trigger_s) * 1000.0;
    for (const auto& site : s.sites) {
        const double end = site.onset_ms + s.duration_ms * site.stretch;
        if (!s.lesion.absent && end > post_ms) {
            throw std::invalid_argument("sweep_s too short: the response at " + site.stim_site + " ends " +
                                        std::to_string(end) + " ms after the stimulus, the sweep " +
                                        std::to_string(post_ms));
        }
    }
    // One noise level for every site, set from the first site's response.
    const double reference = s.lesion.absent ? 0.0 : s.sites.front().amplitude_mv;
    Random background_random = Random::stream(seed, s.name + "/background");
    const ResolvedBackground background = resolve_background(s.background, s.kind, reference, background_random);
    Random artefact_random = Random::stream(seed, s.name + "/artefact");
    const StimulusArtefact artefact = draw_artefact(s.artefact, s.kind, s.pulse_ms, artefact_random);

    std::vector<SimulatedRecording> out;
    for (std::size_t k = 0; k < s.sites.size(); ++k) {
        const SiteTruth& site = s.sites[k];
        RecordingInfo info;
        info.name = s.name + "_" + site.stim_site;
        info.kind = s.kind;
        info.sample_rate_hz = s.sample_rate_hz;
        info.units = Units::mV;
        info.muscle = s.muscle;
        info.nerve = s.nerve;
        info.side = s.side;
        info.stim_site = site.stim_site;
        info.distance_mm = site.distance_mm;
        info.subject = s.subject;
        std::vector<Stimulus> stimuli;
        for (int j = 0; j < s.sweeps_per_site; ++j) stimuli.push_back({1.0 + j * s.inter_stimulus_s, s.intensity_ma});
        Recording rec = detail::empty_sweep_recording(info, s.sweep_s, s.pre_trigger_s, stimuli);

        const bool present = !s.lesion.absent && site.amplitude_mv > 0.0;
        const EvokedPotential placed =
            unit.stretched(site.stretch).shifted(site.onset_ms).scaled(present ? site.amplitude_mv : 0.0);
        Random sweep_random = Random::stream(seed, info.name + "/sweeps");
        const double t0_ms = detail::first_sample_ms(rec);
        nlohmann::json sweeps = nlohmann::json::array();
        double amplitude_sum = 0.0;
        for (int j = 0; j < s.sweeps_per_site; ++j) {
            const double z = detail::bounded(sweep_random.normal(), 3.0);
            auto sweep = rec.sweep(static_cast<std::size_t>(j));
            PotentialMeasures m;
            if (present) {
                const EvokedPotential p = placed.scaled(std::max(0.0, 1.0 + s.amplitude_cv * z));
                p.add_to(sweep, s.sample_rate_hz, t0_ms);
                m = p.measures();
                amplitude_sum += m.amplitude_mv;
            }
            artefact.add_to(sweep, s.sample_rate_hz, t0_ms);
            sweeps.push_back({{"index", j},
                              {"time_s", stimuli[static_cast<std::size_t>(j)].time_s},
                              {"present", present},
                              {"amplitude_mv", m.amplitude_mv},
                              {"peak_to_peak_mv", m.peak_to_peak_mv},
                              {"negative_phase_area_mv_ms", m.negative_phase_area_mv_ms}});
        }
        Random noise_random = Random::stream(seed, info.name + "/noise");
        const double realised_rms = add_background(rec, background.spec, noise_random);
        rec.check_consistent();

        const PotentialMeasures m = placed.measures();
        nlohmann::json truth = detail::truth_header(s.simulator, rec, seed);
        truth["study"] = s.name;
        truth["nerve"] = s.nerve;
        truth["muscle"] = s.muscle;
        truth["site_index"] = k;
        truth["stim_site"] = site.stim_site;
        truth["distance_mm"] = site.distance_mm;
        truth["present"] = present;
        truth["onset_latency_ms"] = detail::or_null(present, site.onset_ms);
        truth["peak_latency_ms"] = detail::or_null(present, m.negative_peak_ms);
        truth["amplitude_mv"] = present ? m.amplitude_mv : 0.0;
        truth["peak_to_peak_mv"] = present ? m.peak_to_peak_mv : 0.0;
        truth["negative_phase_duration_ms"] = detail::or_null(present, m.negative_phase_duration_ms);
        truth["negative_phase_area_mv_ms"] = present ? m.negative_phase_area_mv_ms : 0.0;
        truth["duration_ms"] = detail::or_null(present, m.duration_ms);
        truth["mean_sweep_amplitude_mv"] = present ? amplitude_sum / s.sweeps_per_site : 0.0;
        truth["potential"] = present ? placed.to_json() : nlohmann::json(nullptr);
        if (k > 0) {
            truth["segment_from"] = s.sites[k - 1].stim_site;
            truth["segment_mm"] = site.distance_mm - s.sites[k - 1].distance_mm;
            truth["segment_cv_m_per_s"] = site.segment_cv_m_per_s;
            truth["segment_latency_ms"] = site.onset_ms - s.sites[k - 1].onset_ms;
        }
        if (s.kind == RecordingKind::sensory_ncs) {
            truth["cv_m_per_s"] = site.distance_mm / site.onset_ms;  // onset-latency sensory CV
        }
        nlohmann::json all = nlohmann::json::array();
        for (const auto& st : s.sites) {
            all.push_back({{"stim_site", st.stim_site},
                           {"distance_mm", st.distance_mm},
                           {"onset_latency_ms", st.onset_ms},
                           {"amplitude_mv", s.lesion.absent ? 0.0 : st.amplitude_mv},
                           {"segment_cv_m_per_s", st.segment_cv_m_per_s},
                           {"duration_factor", st.stretch}});
        }
        truth["sites"] = all;
        truth["parameters"] = s.parameters;
        truth["lesion"] = {{"absent", s.lesion.absent},
                           {"amplitude_factor", s.lesion.amplitude_factor},
                           {"velocity_factor", s.lesion.velocity_factor},
                           {"dispersion_factor", s.lesion.dispersion_factor}};
        truth["artefact"] = artefact.to_json();
        truth["noise"] = background.to_json();
        truth["noise"]["noise_rms_mv_realised"] = realised_rms;
        truth["noise"]["snr_reference"] = "first site's baseline-to-negative-peak amplitude before sweep variation";
        truth["sweeps"] = std::move(sweeps);
        out.push_back({std::move(rec), std::move(truth)});
    }
    return out;
}

}  // namespace

void MotorNcsConfig::validate() const {
    if (name.empty() || name.find('/') != std::string::npos)
        throw std::invalid_argument("name must be non-empty, without '/'");
    if (nerve != "peroneal" && nerve != "tibial") throw std::invalid_argument("nerve must be peroneal or tibial");
    detail::check_acquisition(sample_rate_hz, sweep_s, pre_trigger_s, side);
    check_sites(sites);
    if (sweeps_per_site < 1 || sweeps_per_site > 1000)
        throw std::invalid_argument("sweeps_per_site must be in 1..1000");
    if (!(inter_stimulus_s >= sweep_s && inter_stimulus_s <= 600.0))
        throw std::invalid_argument("inter_stimulus_s must be in [sweep_s, 600]");
    detail::check_optional(leg_length_cm, "leg_length_cm", 20.0, 70.0);
    detail::check_optional(height_cm, "height_cm", 100.0, 230.0);
    detail::check_optional(age_years, "age_years", 1.0, 110.0);
    detail::check_optional(distal_latency_ms, "distal_latency_ms", 0.5, 30.0);
    detail::check_optional(cv_m_per_s, "cv_m_per_s", 5.0, 100.0);
    detail::check_optional(amplitude_mv, "amplitude_mv", 0.0, 50.0);
    detail::check_optional(duration_ms, "duration_ms", 2.0, 40.0);
    detail::check_optional(dispersion_per_100mm, "dispersion_per_100mm", 0.0, 2.0);
    detail::check_optional(amplitude_cv, "amplitude_cv", 0.0, 0.5);
    detail::check_optional(intensity_ma, "intensity_ma", 0.01, 200.0);
    detail::check_optional(pulse_width_ms, "pulse_width_ms", 0.05, 2.0);
    check_lesion(lesion);
    background.validate();
    artefact.validate();
}

void SensoryNcsConfig::validate() const {
    if (name.empty() || name.find('/') != std::string::npos)
        throw std::invalid_argument("name must be non-empty, without '/'");
    if (nerve != "sural" && nerve != "superficial_peroneal")
        throw std::invalid_argument("nerve must be sural or superficial_peroneal");
    detail::check_acquisition(sample_rate_hz, sweep_s, pre_trigger_s, side);
    check_sites(sites);
    if (sweeps_per_site < 1 || sweeps_per_site > 1000)
        throw std::invalid_argument("sweeps_per_site must be in 1..1000");
    if (!(inter_stimulus_s >= sweep_s && inter_stimulus_s <= 600.0))
        throw std::invalid_argument("inter_stimulus_s must be in [sweep_s, 600]");
    detail::check_optional(age_years, "age_years", 1.0, 110.0);
    detail::check_optional(cv_m_per_s, "cv_m_per_s", 5.0, 100.0);
    detail::check_optional(amplitude_mv, "amplitude_mv", 0.0, 1.0);
    detail::check_optional(duration_ms, "duration_ms", 0.5, 20.0);
    detail::check_optional(dispersion_per_100mm, "dispersion_per_100mm", 0.0, 2.0);
    detail::check_optional(amplitude_distance_exponent, "amplitude_distance_exponent", 0.0, 5.0);
    detail::check_optional(amplitude_cv, "amplitude_cv", 0.0, 0.5);
    detail::check_optional(intensity_ma, "intensity_ma", 0.01, 200.0);
    detail::check_optional(pulse_width_ms, "pulse_width_ms", 0.05, 2.0);
    check_lesion(lesion);
    background.validate();
    artefact.validate();
}

std::vector<SimulatedRecording> simulate_motor_ncs(const MotorNcsConfig& c, std::uint64_t seed) {
    using detail::draw;
    using detail::given_or;
    using detail::ncs_table;
    c.validate();
    Random p = Random::stream(seed, c.name + "/parameters");
    const double height_drawn = draw(kSubject, "/height_cm", p);
    const double age = given_or(c.age_years, draw(kSubject, "/age_years", p));
    const auto norms = detail::motor_norms(c.nerve, age);
    const double latency_drawn = norms.distal_latency_ms.draw_normal(p);
    const double cv_drawn = norms.cv_m_per_s.draw_normal(p);
    const double amplitude_drawn = norms.amplitude_mv.draw_lognormal(p);
    const double duration_drawn = draw(ncs_table, "/motor/common/duration_ms", p);
    const double dispersion_drawn = draw(ncs_table, "/motor/common/dispersion_per_100mm", p);
    const double intensity_drawn = draw(ncs_table, "/motor/common/supramaximal_intensity_ma", p);

    const double per_height = detail::value(kSubject, "/leg_length_per_height");
    const double height = given_or(c.height_cm, height_drawn);
    const double leg_cm = c.leg_length_cm ? *c.leg_length_cm : per_height * height;

    std::vector<NcsSite> sites = c.sites;
    if (sites.empty()) sites = {NcsSite{norms.distal_site, {}, 1.0, 1.0}, NcsSite{norms.proximal_site, {}, 1.0, 1.0}};
    const double vf = c.lesion.velocity_factor;
    const double cv = given_or(c.cv_m_per_s, cv_drawn) * vf;
    const double dispersion = given_or(c.dispersion_per_100mm, dispersion_drawn) * c.lesion.dispersion_factor;

    NcsSetup s = setup_from(c, RecordingKind::motor_ncs, "/motor/common", intensity_drawn, duration_drawn, age, seed);
    s.muscle = norms.muscle;
    s.subject.leg_length_cm = leg_cm;
    if (c.height_cm || !c.leg_length_cm) s.subject.height_cm = height;

    const double distal_latency = given_or(c.distal_latency_ms, latency_drawn) / vf;
    double amplitude = given_or(c.amplitude_mv, amplitude_drawn) * c.lesion.amplitude_factor;
    for (std::size_t k = 0; k < sites.size(); ++k) {
        SiteTruth t;
        t.stim_site = sites[k].stim_site;
        if (sites[k].distance_mm) {
            t.distance_mm = *sites[k].distance_mm;
        } else if (k == 0) {
            t.distance_mm = norms.distal_distance_mm;
        } else if (sites[k].stim_site == norms.proximal_site) {
            t.distance_mm = norms.distal_distance_mm + leg_cm * 10.0 + norms.proximal_segment_minus_leg_length_mm;
        } else {
            throw std::invalid_argument("sites[" + std::to_string(k) + "].distance_mm is needed for stim_site '" +
                                        t.stim_site + "' (the table only knows " + norms.distal_site + " and " +
                                        norms.proximal_site + ")");
        }
        if (k == 0) {
            t.onset_ms = distal_latency;
        } else {
            const SiteTruth& prev = s.sites.back();
            if (!(t.distance_mm > prev.distance_mm)) {
                throw std::invalid_argument("sites must be ordered distal first with increasing distance_mm");
            }
            t.segment_cv_m_per_s = cv * sites[k].segment_velocity_factor;
            t.onset_ms = prev.onset_ms + (t.distance_mm - prev.distance_mm) / t.segment_cv_m_per_s;
            amplitude *= sites[k].segment_amplitude_factor;
        }
        t.stretch = 1.0 + dispersion * (t.distance_mm - (k == 0 ? t.distance_mm : s.sites.front().distance_mm)) / 100.0;
        // Dispersion spreads the same area over a longer time: the amplitude falls by the stretch.
        t.amplitude_mv = amplitude / t.stretch;
        s.sites.push_back(t);
    }
    s.parameters = {{"distal_latency_ms", distal_latency},
                    {"cv_m_per_s", cv},
                    {"first_site_amplitude_mv", s.sites.front().amplitude_mv},
                    {"duration_ms", s.duration_ms},
                    {"dispersion_per_100mm", dispersion},
                    {"amplitude_cv", s.amplitude_cv},
                    {"intensity_ma", s.intensity_ma},
                    {"pulse_width_ms", s.pulse_ms},
                    {"age_years", age},
                    {"leg_length_cm", leg_cm},
                    {"shape", s.shape.to_json()}};
    return render(s, seed);
}

std::vector<SimulatedRecording> simulate_sensory_ncs(const SensoryNcsConfig& c, std::uint64_t seed) {
    using detail::draw;
    using detail::given_or;
    using detail::ncs_table;
    c.validate();
    const std::string base = "/sensory/" + c.nerve;
    Random p = Random::stream(seed, c.name + "/parameters");
    const double age = given_or(c.age_years, draw(kSubject, "/age_years", p));
    double cv_drawn = 0.0;
    if (c.nerve == "sural") {
        const bool older = age >= detail::value(ncs_table, base + "/older_from_age_years");
        cv_drawn =
            detail::distribution(ncs_table, base + (older ? "/cv_m_per_s_older" : "/cv_m_per_s_young")).draw_normal(p);
    } else {
        cv_drawn = draw(ncs_table, base + "/cv_m_per_s", p);
    }
    const double amplitude_drawn = detail::distribution(ncs_table, base + "/amplitude_mv").draw_lognormal(p);
    const double duration_drawn = draw(ncs_table, "/sensory/common/duration_ms", p);
    const double dispersion_drawn = draw(ncs_table, "/sensory/common/dispersion_per_100mm", p);
    const double exponent_drawn = draw(ncs_table, "/sensory/common/amplitude_distance_exponent", p);
    const double intensity_drawn = draw(ncs_table, "/sensory/common/supramaximal_intensity_ma", p);

    std::vector<NcsSite> sites = c.sites;
    if (sites.empty()) sites = {NcsSite{detail::text(ncs_table, base + "/stim_site"), {}, 1.0, 1.0}};
    const double cv = given_or(c.cv_m_per_s, cv_drawn) * c.lesion.velocity_factor;
    const double dispersion = given_or(c.dispersion_per_100mm, dispersion_drawn) * c.lesion.dispersion_factor;
    const double exponent = given_or(c.amplitude_distance_exponent, exponent_drawn);

    NcsSetup s = setup_from(c, RecordingKind::sensory_ncs, "/sensory/common", intensity_drawn, duration_drawn, age, seed);

    double amplitude = given_or(c.amplitude_mv, amplitude_drawn) * c.lesion.amplitude_factor;
    for (std::size_t k = 0; k < sites.size(); ++k) {
        SiteTruth t;
        t.stim_site = sites[k].stim_site;
        if (sites[k].distance_mm) {
            t.distance_mm = *sites[k].distance_mm;
        } else if (k == 0) {
            t.distance_mm = detail::value(ncs_table, base + "/distance_mm");
        } else {
            throw std::invalid_argument("sites[" + std::to_string(k) + "].distance_mm is needed beyond the first site");
        }
        if (k == 0) {
            t.segment_cv_m_per_s = 0.0;
            t.onset_ms = t.distance_mm / (cv * sites[k].segment_velocity_factor);
        } else {
            const SiteTruth& prev = s.sites.back();
            if (!(t.distance_mm > prev.distance_mm)) {
                throw std::invalid_argument("sites must be ordered distal first with increasing distance_mm");
            }
            t.segment_cv_m_per_s = cv * sites[k].segment_velocity_factor;
            t.onset_ms = prev.onset_ms + (t.distance_mm - prev.distance_mm) / t.segment_cv_m_per_s;
            amplitude *= sites[k].segment_amplitude_factor;
        }
        const double d0 = k == 0 ? t.distance_mm : s.sites.front().distance_mm;
        t.stretch = 1.0 + dispersion * (t.distance_mm - d0) / 100.0;
        // SNAP amplitude falls with conduction distance (Horowitz & Krarup); the
        // first site's amplitude is the configured one.
        t.amplitude_mv = amplitude * std::pow(d0 / t.distance_mm, exponent);
        s.sites.push_back(t);
    }
    s.parameters = {{"cv_m_per_s", cv},
                    {"first_site_amplitude_mv", s.sites.front().amplitude_mv},
                    {"duration_ms", s.duration_ms},
                    {"dispersion_per_100mm", dispersion},
                    {"amplitude_distance_exponent", exponent},
                    {"amplitude_cv", s.amplitude_cv},
                    {"intensity_ma", s.intensity_ma},
                    {"pulse_width_ms", s.pulse_ms},
                    {"age_years", age},
                    {"shape", s.shape.to_json()}};
    return render(s, seed);
}

}  // namespace edx::sim
