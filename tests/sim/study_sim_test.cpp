#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "edx/signals/table.hpp"
#include "edx/sim/study_sim.hpp"

using namespace edx;
using namespace edx::sim;

namespace {
std::map<std::string, double> by_name(const std::vector<Involvement>& list) {
    std::map<std::string, double> out;
    for (const auto& i : list) out[i.name] = i.fraction;
    return out;
}

StudySpec lesion(LesionSite site, double loss = 0.6) {
    StudySpec spec;
    spec.lesion = site;
    spec.axon_loss = loss;
    return spec;
}

const Recording& find(const Study& study, const std::string& name) {
    const Recording* r = study.find(name);
    INFO(name);
    REQUIRE(r != nullptr);
    return *r;
}
}  // namespace

TEST_CASE("a deep gluteal sciatic lesion spares paraspinal and gluteal muscles and hits the peroneal division hardest",
          "[study_sim]") {
    const auto m = by_name(muscle_involvement(lesion(LesionSite::sciatic_deep_gluteal), 1));
    const double tibial_ratio = signals::constant("physiology/lesion_effects.json", "/sciatic/tibial_division_ratio");
    REQUIRE(m.at("short_head_biceps_femoris") == Approx(0.6));
    REQUIRE(m.at("tibialis_anterior") == Approx(0.6));
    REQUIRE(m.at("peroneus_longus") == Approx(0.6));
    REQUIRE(m.at("tibialis_posterior") == Approx(0.6 * tibial_ratio));
    REQUIRE(m.at("medial_gastrocnemius") == Approx(0.6 * tibial_ratio));
    for (const char* spared : {"gluteus_medius", "gluteus_maximus", "tensor_fasciae_latae", "lumbar_paraspinal_l5",
                               "lumbar_paraspinal_s1", "vastus_lateralis"}) {
        INFO(spared);
        REQUIRE(m.at(spared) == 0.0);
    }
    const auto s = by_name(sensory_involvement(lesion(LesionSite::sciatic_deep_gluteal)));
    REQUIRE(s.at("superficial_peroneal") == Approx(0.6));
    REQUIRE(s.at("sural") > 0.0);
}

TEST_CASE("root lesions follow the myotome and spare the SNAPs", "[study_sim]") {
    const auto l5 = by_name(muscle_involvement(lesion(LesionSite::L5_root), 1));
    REQUIRE(l5.at("lumbar_paraspinal_l5") > 0.5);
    REQUIRE(l5.at("lumbar_paraspinal_s1") == 0.0);
    REQUIRE(l5.at("tibialis_posterior") == Approx(0.6));  // L5 outside the peroneal territory
    REQUIRE(l5.at("gluteus_medius") == Approx(0.6));
    REQUIRE(l5.at("medial_gastrocnemius") == 0.0);
    REQUIRE(l5.at("gluteus_maximus") < l5.at("gluteus_medius"));  // L5 is a minor root of gluteus maximus
    const auto s1 = by_name(muscle_involvement(lesion(LesionSite::S1_root), 1));
    REQUIRE(s1.at("medial_gastrocnemius") == Approx(0.6));
    REQUIRE(s1.at("gluteus_maximus") == Approx(0.6));
    REQUIRE(s1.at("lumbar_paraspinal_s1") > 0.5);
    REQUIRE(s1.at("tibialis_anterior") == 0.0);
    for (const auto& i : sensory_involvement(lesion(LesionSite::L5_root))) REQUIRE(i.fraction == 0.0);
}

TEST_CASE("a peroneal lesion at the fibular head spares the short head of biceps femoris and the sural nerve",
          "[study_sim]") {
    const auto m = by_name(muscle_involvement(lesion(LesionSite::peroneal_fibular_head), 1));
    REQUIRE(m.at("tibialis_anterior") == Approx(0.6));
    REQUIRE(m.at("short_head_biceps_femoris") == 0.0);
    REQUIRE(m.at("tibialis_posterior") == 0.0);
    const auto s = by_name(sensory_involvement(lesion(LesionSite::peroneal_fibular_head)));
    REQUIRE(s.at("superficial_peroneal") == Approx(0.6));
    REQUIRE(s.at("sural") == 0.0);
}

TEST_CASE("a simulated study holds every recording a work-up needs, on the right sides", "[study_sim]") {
    StudySpec spec = lesion(LesionSite::sciatic_deep_gluteal);
    spec.needle_rest_s = 4.0;
    spec.needle_minimal_s = 4.0;
    const auto sim = simulate_study(spec, 3);
    const Study& study = sim.study;
    for (const auto& r : study.recordings) REQUIRE_NOTHROW(r.check_consistent());

    for (const char* side : {"left", "right"}) {
        const auto& h = find(study, std::string("soleus_h_") + side);
        REQUIRE(h.info.kind == RecordingKind::h_reflex);
        REQUIRE(h.info.side == side);
        std::set<std::string> positions;
        for (const auto& m : h.markers) {
            if (auto v = m.value_of("position")) positions.emplace(*v);
        }
        REQUIRE(positions == std::set<std::string>{"anatomic", "fair"});
        REQUIRE(h.sweep_count == 30);
        REQUIRE(find(study, std::string("sural_") + side + "_calf").info.kind == RecordingKind::sensory_ncs);
        REQUIRE(find(study, std::string("superficial_peroneal_") + side + "_lateral_leg").info.kind ==
                RecordingKind::sensory_ncs);
    }
    for (const char* motor : {"peroneal_motor_left_ankle", "peroneal_motor_left_fibular_head", "tibial_motor_left_ankle",
                              "tibial_motor_left_popliteal_fossa"}) {
        const auto& r = find(study, motor);
        REQUIRE(r.info.kind == RecordingKind::motor_ncs);
        REQUIRE(r.info.distance_mm.has_value());
    }
    REQUIRE(find(study, "peroneal_f_left").info.kind == RecordingKind::f_wave);
    REQUIRE(find(study, "tibial_f_left").info.kind == RecordingKind::f_wave);
    for (const char* muscle : {"tibialis_anterior", "peroneus_longus", "short_head_biceps_femoris", "tibialis_posterior",
                               "medial_gastrocnemius", "gluteus_medius", "gluteus_maximus", "lumbar_paraspinal_l5",
                               "lumbar_paraspinal_s1"}) {
        const auto& r = find(study, std::string(muscle) + "_left");
        REQUIRE(r.info.kind == RecordingKind::needle_emg);
        REQUIRE(r.info.muscle == muscle);
        REQUIRE(r.marker_state("contraction", 1.0) == "rest");
        REQUIRE(r.marker_state("contraction", 6.0) == "minimal");
    }
    REQUIRE(sim.truth.at("recordings").size() == study.recordings.size());
}

TEST_CASE("the lesion reaches the recordings as the truth says", "[study_sim]") {
    StudySpec spec = lesion(LesionSite::sciatic_deep_gluteal, 0.8);
    spec.fair_delay_ms = 3.0;
    spec.needle_rest_s = 4.0;
    spec.needle_minimal_s = 4.0;
    const auto sim = simulate_study(spec, 11);
    const auto& rec = sim.truth.at("recordings");
    // FAIR delay on the lesioned leg only; the other leg draws a control delay.
    REQUIRE(rec.at("soleus_h_left").at("fair").at("delay_ms").get<double>() == Approx(3.0));
    REQUIRE(rec.at("soleus_h_right").at("fair").at("delay_ms").get<double>() < 2.0);
    // Denervation grade follows involvement: a peroneal-division muscle fibrillates, a gluteal muscle does not.
    REQUIRE(rec.at("short_head_biceps_femoris_left").at("spontaneous").at("grade").get<int>() >= 3);
    REQUIRE(rec.at("gluteus_medius_left").at("spontaneous").at("grade").get<int>() == 0);
    REQUIRE(rec.at("lumbar_paraspinal_l5_left").at("spontaneous").at("grade").get<int>() == 0);
    // Six months after onset, reinnervated muscles show neuropathic units; spared ones normal units.
    REQUIRE(rec.at("tibialis_anterior_left").at("muscle_state").at("muap_class") == "neuropathic");
    REQUIRE(rec.at("gluteus_maximus_left").at("muscle_state").at("muap_class") == "normal");

    spec.lesion_age_months = 0.25;  // one week: limb muscles cannot show denervation yet
    const auto early = simulate_study(spec, 11);
    REQUIRE(early.truth.at("recordings").at("short_head_biceps_femoris_left").at("spontaneous").at("grade") == 0);
    REQUIRE(early.truth.at("recordings").at("tibialis_anterior_left").at("muscle_state").at("muap_class") == "normal");
}

TEST_CASE("a study is the same for the same seed", "[study_sim]") {
    StudySpec spec = lesion(LesionSite::L5_root);
    spec.needle_emg = false;
    const auto a = simulate_study(spec, 5), b = simulate_study(spec, 5), c = simulate_study(spec, 6);
    REQUIRE(a.study.recordings.size() == b.study.recordings.size());
    for (std::size_t i = 0; i < a.study.recordings.size(); ++i) {
        REQUIRE(a.study.recordings[i].samples == b.study.recordings[i].samples);
    }
    REQUIRE(a.study.recordings[0].samples != c.study.recordings[0].samples);
}

TEST_CASE("a bad study spec names the field", "[study_sim]") {
    StudySpec spec;
    spec.side = "middle";
    REQUIRE_THROWS_WITH(spec.validate(), Catch::Contains("side"));
    spec = StudySpec{};
    spec.axon_loss = 1.5;
    REQUIRE_THROWS_WITH(spec.validate(), Catch::Contains("axon_loss"));
    spec = StudySpec{};
    spec.needle_muscles = {"biceps_brachii"};
    REQUIRE_THROWS_WITH(spec.validate(), Catch::Contains("biceps_brachii"));
}
