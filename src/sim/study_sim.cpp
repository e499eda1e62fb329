#include "edx/sim/study_sim.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "edx/signals/table.hpp"
#include "edx/sim/f_wave_sim.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "edx/sim/ncs_sim.hpp"
#include "edx/sim/needle_emg.hpp"
#include "edx/sim/random.hpp"
#include "motor_norms.hpp"
#include "physiology_table.hpp"

namespace edx::sim {

namespace {

constexpr std::string_view anatomy_table = "anatomy/lower_limb_muscles.json";
constexpr std::string_view lesion_table = "physiology/lesion_effects.json";
constexpr std::string_view anthropometry_table = "physiology/anthropometry.json";
constexpr std::string_view h_reflex_table = "physiology/h_reflex.json";

const std::vector<std::string>& default_needle_muscles() {
    static const std::vector<std::string> muscles = {
        "tibialis_anterior",    "peroneus_longus", "short_head_biceps_femoris",
        "tibialis_posterior",   "medial_gastrocnemius", "gluteus_medius",
        "gluteus_maximus",      "lumbar_paraspinal_l5", "lumbar_paraspinal_s1"};
    return muscles;
}

std::string other_side(const std::string& side) { return side == "left" ? "right" : "left"; }

bool passes(const nlohmann::json& entry, std::string_view site) {
    for (const auto& p : entry.at("passes")) {
        if (p.get<std::string>() == site) return true;
    }
    return false;
}

// The involvement of one muscle (or, for sensory nerves, `sensory` true) at a
// lesion site, before any draw. `patchiness` scales plexus lesions.
Involvement involvement_of(const std::string& name, const nlohmann::json& entry, const StudySpec& spec,
                           bool sensory, double patchiness) {
    Involvement inv{name, 0.0, "not reached by the lesion"};
    const double loss = spec.axon_loss;
    switch (spec.lesion) {
        case LesionSite::none:
            inv.why = "no lesion";
            break;
        case LesionSite::L5_root:
        case LesionSite::S1_root: {
            const std::string root = spec.lesion == LesionSite::L5_root ? "L5" : "S1";
            if (sensory) {
                inv.why = "the dorsal root ganglion lies distal to a root lesion";
                break;
            }
            const auto& roots = entry.at("roots");
            if (!roots.contains(root)) {
                inv.why = root + " is not among its roots";
                break;
            }
            const bool paraspinal = entry.at("nerve") == "dorsal_ramus";
            const double weight =
                paraspinal ? signals::constant(lesion_table, "/root/paraspinal_involvement")
                : roots.at(root) == "major" ? 1.0
                                            : signals::constant(lesion_table, "/root/minor_root_involvement");
            inv.fraction = loss * weight;
            inv.why = paraspinal ? root + " paraspinal (dorsal ramus)"
                                 : root + (roots.at(root) == "major" ? " is its main root" : " is a minor root of it");
            break;
        }
        case LesionSite::lumbosacral_plexus: {
            const auto& roots = entry.at("roots");
            const bool sacral = (roots.contains("L5") && roots.at("L5") == "major") ||
                                (roots.contains("S1") && roots.at("S1") == "major");
            if (!passes(entry, "plexus") || (!sensory && !sacral)) {
                inv.why = "outside the lumbosacral trunk and sacral plexus";
                break;
            }
            inv.fraction = loss * patchiness;
            inv.why = "its axons pass the sacral plexus";
            break;
        }
        case LesionSite::sciatic_deep_gluteal: {
            if (!passes(entry, "sciatic_deep_gluteal")) {
                inv.why = "its nerve leaves above the deep gluteal space";
                break;
            }
            if (sensory) {
                const bool sural = name == "sural";
                inv.fraction = loss * (sural ? signals::constant(lesion_table, "/sciatic/sural_ratio") : 1.0);
                inv.why = sural ? "sural fibres run in both sciatic divisions" : "peroneal-division sensory fibres";
            } else if (entry.at("sciatic_division") == "peroneal") {
                inv.fraction = loss;
                inv.why = "peroneal division of the sciatic nerve";
            } else {
                inv.fraction = loss * signals::constant(lesion_table, "/sciatic/tibial_division_ratio");
                inv.why = "tibial division of the sciatic nerve (peroneal predominance)";
            }
            break;
        }
        case LesionSite::peroneal_fibular_head:
            if (!passes(entry, "peroneal_fibular_head")) {
                inv.why = "its axons do not pass the fibular head";
                break;
            }
            inv.fraction = loss;
            inv.why = "its axons pass the common peroneal nerve at the fibular head";
            break;
    }
    return inv;
}

int grade_for(double fraction) {
    const auto& thresholds = signals::table(lesion_table).at("needle").at("grade_involvement_thresholds").at("value");
    int grade = 0;
    for (const auto& t : thresholds) {
        if (fraction >= t.get<double>()) ++grade;
    }
    return grade;
}

struct Subject {
    double age_years;
    double height_cm;
    double leg_length_cm;
};

Subject resolve_subject(const StudySpec& spec, std::uint64_t seed) {
    Random random = Random::stream(seed, "subject");
    const double drawn_age = detail::draw(anthropometry_table, "/age_years", random);
    const double drawn_height = detail::draw(anthropometry_table, "/height_cm", random);
    Subject s;
    s.age_years = detail::given_or(spec.age_years, drawn_age);
    s.height_cm = detail::given_or(spec.height_cm, drawn_height);
    s.leg_length_cm = spec.leg_length_cm ? *spec.leg_length_cm
                                         : s.height_cm * signals::constant(anthropometry_table, "/leg_length_per_height");
    return s;
}

void add(SimulatedStudy& out, SimulatedRecording&& r) {
    out.truth["recordings"][r.recording.info.name] = std::move(r.truth);
    out.study.recordings.push_back(std::move(r.recording));
}

}  // namespace

std::string_view to_string(LesionSite site) noexcept {
    switch (site) {
        case LesionSite::none: return "none";
        case LesionSite::L5_root: return "L5_root";
        case LesionSite::S1_root: return "S1_root";
        case LesionSite::lumbosacral_plexus: return "lumbosacral_plexus";
        case LesionSite::sciatic_deep_gluteal: return "sciatic_deep_gluteal";
        case LesionSite::peroneal_fibular_head: return "peroneal_fibular_head";
    }
    return "unknown";
}

std::optional<LesionSite> parse_lesion_site(std::string_view text) noexcept {
    for (auto site : {LesionSite::none, LesionSite::L5_root, LesionSite::S1_root, LesionSite::lumbosacral_plexus,
                      LesionSite::sciatic_deep_gluteal, LesionSite::peroneal_fibular_head}) {
        if (to_string(site) == text) return site;
    }
    return std::nullopt;
}

void StudySpec::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("study spec: " + what); };
    if (subject_id.empty()) fail("subject_id must not be empty");
    if (side != "left" && side != "right") fail("side must be left or right, not '" + side + "'");
    if (!(axon_loss >= 0.0 && axon_loss <= 1.0)) fail("axon_loss must be in [0, 1]");
    if (!(lesion_age_months >= 0.0) || !std::isfinite(lesion_age_months)) fail("lesion_age_months must be >= 0");
    if (fair_delay_ms && !(*fair_delay_ms >= 0.0)) fail("fair_delay_ms must be >= 0");
    if (fair_onset_tau_s && !(*fair_onset_tau_s >= 0.0)) fail("fair_onset_tau_s must be >= 0");
    if (age_years && !(*age_years >= 18.0 && *age_years <= 100.0)) fail("age_years must be in [18, 100]");
    if (height_cm && !(*height_cm >= 120.0 && *height_cm <= 230.0)) fail("height_cm must be in [120, 230]");
    if (leg_length_cm && !(*leg_length_cm >= 25.0 && *leg_length_cm <= 60.0)) fail("leg_length_cm must be in [25, 60]");
    if (!(evoked_sample_rate_hz >= 4000.0)) fail("evoked_sample_rate_hz must be >= 4000");
    if (!(needle_sample_rate_hz >= 10000.0)) fail("needle_sample_rate_hz must be >= 10000 (needle EMG needs it)");
    if (fair_sweeps_per_position < 1) fail("fair_sweeps_per_position must be >= 1");
    if (!(needle_rest_s > 0.0) || !(needle_minimal_s > 0.0)) fail("needle_rest_s and needle_minimal_s must be > 0");
    const auto& muscles = signals::table(anatomy_table).at("muscles");
    for (const auto& m : needle_muscles) {
        if (!muscles.contains(m)) fail("needle_muscles: '" + m + "' is not in signals/" + std::string(anatomy_table));
    }
    if (!h_reflex && !nerve_conduction && !needle_emg) fail("at least one of h_reflex, nerve_conduction, needle_emg");
}

std::vector<Involvement> muscle_involvement(const StudySpec& spec, std::uint64_t seed) {
    Random random = Random::stream(seed, "lesion_patchiness");
    const auto patchiness = detail::range(lesion_table, "/plexus/patchiness");
    std::vector<Involvement> out;
    for (const auto& [name, entry] : signals::table(anatomy_table).at("muscles").items()) {
        out.push_back(involvement_of(name, entry, spec, false, patchiness.draw(random)));
    }
    return out;
}

std::vector<Involvement> sensory_involvement(const StudySpec& spec) {
    // Sensory nerves carry the whole plexus loss: their fibres are not spread over several roots.
    std::vector<Involvement> out;
    for (const auto& [name, entry] : signals::table(anatomy_table).at("sensory_nerves").items()) {
        out.push_back(involvement_of(name, entry, spec, true, 1.0));
    }
    return out;
}

SimulatedStudy simulate_study(const StudySpec& spec, std::uint64_t seed) {
    spec.validate();
    const Subject subject = resolve_subject(spec, seed);
    const auto muscles = muscle_involvement(spec, seed);
    const auto sensory = sensory_involvement(spec);
    auto involvement = [&](const std::vector<Involvement>& list, const std::string& name) {
        for (const auto& i : list) {
            if (i.name == name) return i.fraction;
        }
        throw std::logic_error("no involvement for " + name);
    };

    SimulatedStudy out;
    Study& study = out.study;
    study.subject_id = spec.subject_id;
    study.subject = {subject.height_cm, subject.age_years, subject.leg_length_cm};
    study.clinical_findings_json = spec.clinical_findings_json;

    nlohmann::json& truth = out.truth;
    truth["generator"] = "edx simulate";
    truth["seed"] = seed;
    truth["spec"] = {{"subject_id", spec.subject_id},
                     {"lesion", to_string(spec.lesion)},
                     {"side", spec.side},
                     {"axon_loss", spec.axon_loss},
                     {"lesion_age_months", spec.lesion_age_months}};
    truth["subject"] = {{"age_years", subject.age_years},
                        {"height_cm", subject.height_cm},
                        {"leg_length_cm", subject.leg_length_cm}};
    for (const auto& i : muscles) {
        truth["lesion"]["muscles"][i.name] = {{"axon_loss_fraction", i.fraction}, {"why", i.why}};
    }
    for (const auto& i : sensory) {
        truth["lesion"]["sensory_nerves"][i.name] = {{"axon_loss_fraction", i.fraction}, {"why", i.why}};
    }
    truth["recordings"] = nlohmann::json::object();

    const std::string lesion_side = spec.side;
    const bool lesioned = spec.lesion != LesionSite::none;
    auto on_lesion_side = [&](const std::string& side) { return lesioned && side == lesion_side; };

    if (spec.h_reflex) {
        Random draws = Random::stream(seed, "study_h_reflex");
        for (const std::string& side : {lesion_side, other_side(lesion_side)}) {
            HReflexConfig h;
            h.name = "soleus_h_" + side;
            h.side = side;
            h.sample_rate_hz = spec.evoked_sample_rate_hz;
            h.leg_length_cm = subject.leg_length_cm;
            h.height_cm = subject.height_cm;
            h.age_years = subject.age_years;
            h.phases = fair_protocol(spec.fair_sweeps_per_position);

            // Every leg shows a small positional delay; a sciatic lesion in the
            // deep gluteal space adds the affected-leg delay in FAIR [Fish92].
            const double control_delay =
                std::max(0.0, draws.normal(signals::constant(h_reflex_table, "/fair/control_delay_mean_ms"),
                                           signals::constant(h_reflex_table, "/fair/control_delay_sd_ms")));
            const double affected_delay =
                spec.fair_delay_ms.value_or(signals::constant(lesion_table, "/h_reflex/sciatic_fair_delay_ms"));
            const bool sciatic = on_lesion_side(side) && spec.lesion == LesionSite::sciatic_deep_gluteal;
            h.fair.delay_ms = sciatic ? affected_delay : control_delay;
            h.fair.onset_tau_s = spec.fair_onset_tau_s;

            const double soleus = on_lesion_side(side) ? involvement(muscles, "soleus") : 0.0;
            h.lesion.h_amplitude_factor = 1.0 - soleus;
            const double absent_draw = draws.uniform();
            const double shift_draw =
                detail::distribution(h_reflex_table, "/radiculopathy_s1/latency_shift_ms").draw_normal(draws);
            if (on_lesion_side(side) && spec.lesion == LesionSite::S1_root) {
                // S1 radiculopathy: H prolonged (side difference 2.9 ms, 1.3-4.1) or absent [Schuch78].
                if (absent_draw < signals::constant(h_reflex_table, "/radiculopathy_s1/h_absent_fraction")) {
                    h.lesion.h_present = false;
                } else {
                    h.lesion.h_latency_shift_ms = shift_draw;
                }
            }
            add(out, simulate_h_reflex(h, seed));
        }
    }

    if (spec.nerve_conduction) {
        for (const std::string& nerve : {std::string("peroneal"), std::string("tibial")}) {
            const std::string muscle = nerve == "peroneal" ? "extensor_digitorum_brevis" : "abductor_hallucis";
            const double loss = lesioned ? involvement(muscles, muscle) : 0.0;
            MotorNcsConfig m;
            m.name = nerve + "_motor_" + lesion_side;
            m.nerve = nerve;
            m.side = lesion_side;
            m.sample_rate_hz = spec.evoked_sample_rate_hz;
            m.leg_length_cm = subject.leg_length_cm;
            m.height_cm = subject.height_cm;
            m.age_years = subject.age_years;
            m.lesion.amplitude_factor = 1.0 - loss;
            for (auto& r : simulate_motor_ncs(m, seed)) add(out, std::move(r));

            FWaveConfig f;
            f.name = nerve + "_f_" + lesion_side;
            f.nerve = nerve;
            f.side = lesion_side;
            f.sample_rate_hz = spec.evoked_sample_rate_hz;
            f.age_years = subject.age_years;
            f.m_amplitude_factor = 1.0 - loss;
            f.persistence_factor = 1.0 - 0.5 * loss;
            f.f_present = loss < 1.0;
            add(out, simulate_f_wave(f, seed));
        }
        // A subject's two legs have similar SNAPs: one amplitude per nerve for
        // the subject, and a small deviation per leg (independent draws per leg
        // would make healthy legs look asymmetric beyond the 0.5 ratio cut-off).
        Random snap_draws = Random::stream(seed, "study_snap_amplitudes");
        const double side_log_sd = detail::value(detail::ncs_table, "/sensory/common/side_to_side_log_sd");
        std::map<std::string, double> subject_snap_mv;
        for (const std::string& nerve : {std::string("sural"), std::string("superficial_peroneal")}) {
            subject_snap_mv[nerve] = detail::distribution(detail::ncs_table, "/sensory/" + nerve + "/amplitude_mv").draw_lognormal(snap_draws);
        }
        for (const std::string& side : {lesion_side, other_side(lesion_side)}) {
            for (const std::string& nerve : {std::string("sural"), std::string("superficial_peroneal")}) {
                SensoryNcsConfig s;
                s.amplitude_mv = subject_snap_mv[nerve] * std::exp(side_log_sd * snap_draws.normal());
                s.name = nerve + "_" + side;
                s.nerve = nerve;
                s.side = side;
                s.age_years = subject.age_years;
                s.sample_rate_hz = std::max(spec.evoked_sample_rate_hz, 20000.0);
                const double loss = on_lesion_side(side) ? involvement(sensory, nerve) : 0.0;
                s.lesion.amplitude_factor = 1.0 - loss;
                s.lesion.absent = loss >= 1.0;
                for (auto& r : simulate_sensory_ncs(s, seed)) add(out, std::move(r));
            }
        }
    }

    if (spec.needle_emg) {
        const double weeks = spec.lesion_age_months * 52.0 / 12.0;
        const double limb_onset = signals::constant(lesion_table, "/timing/limb_denervation_onset_weeks");
        const double paraspinal_onset = signals::constant(lesion_table, "/timing/paraspinal_denervation_onset_weeks");
        const double reinnervation = signals::constant(lesion_table, "/timing/reinnervation_months");
        const double neuropathic_at = signals::constant(lesion_table, "/needle/neuropathic_involvement");
        const auto& anatomy = signals::table(anatomy_table).at("muscles");
        const auto& list = spec.needle_muscles.empty() ? default_needle_muscles() : spec.needle_muscles;
        for (const auto& muscle : list) {
            const double loss = lesioned ? involvement(muscles, muscle) : 0.0;
            const bool paraspinal = anatomy.at(muscle).at("nerve") == "dorsal_ramus";
            const bool denervation_shows = weeks >= (paraspinal ? paraspinal_onset : limb_onset);
            NeedleEmgSpec n;
            n.name = muscle + "_" + lesion_side;
            n.muscle = muscle;
            n.side = lesion_side;
            n.sample_rate_hz = spec.needle_sample_rate_hz;
            n.rest_s = spec.needle_rest_s;
            n.minimal_s = spec.needle_minimal_s;
            n.spontaneous.grade = denervation_shows ? grade_for(loss) : 0;
            if (n.spontaneous.grade > 0) n.spontaneous.lesion_age_months = spec.lesion_age_months;
            n.muap_class = (loss >= neuropathic_at && spec.lesion_age_months >= reinnervation) ? MuapClass::neuropathic
                                                                                               : MuapClass::normal;
            add(out, simulate_needle_emg(n, seed));
        }
    }
    return out;
}

}  // namespace edx::sim
