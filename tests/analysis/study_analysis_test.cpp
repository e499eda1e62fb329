#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "edx/analysis/edx_markers.hpp"
#include "edx/analysis/study_analysis.hpp"
#include "edx/diagnosis/edx_findings.hpp"
#include "edx/sim/study_sim.hpp"

using namespace edx;

namespace {

sim::SimulatedStudy simulated(sim::LesionSite lesion, std::uint64_t seed, double fair_delay_ms = 2.66) {
    sim::StudySpec spec;
    spec.lesion = lesion;
    spec.side = "left";
    spec.axon_loss = 0.6;
    spec.lesion_age_months = 6.0;
    if (lesion == sim::LesionSite::sciatic_deep_gluteal) spec.fair_delay_ms = fair_delay_ms;
    spec.needle_rest_s = 4.0;
    spec.needle_minimal_s = 4.0;
    return sim::simulate_study(spec, seed);
}

}  // namespace

TEST_CASE("a simulated sciatic lesion in the deep gluteal space: FAIR positive on its leg, the peroneal pattern, paraspinals and gluteals spared",
          "[analysis][study]") {
    const auto s = simulated(sim::LesionSite::sciatic_deep_gluteal, 11);
    const auto a = analysis::analyse_study(s.study);
    REQUIRE(a.not_analysed.empty());
    REQUIRE(a.fair.size() == 2);
    REQUIRE(a.emg.has_value());
    REQUIRE(a.fair_legs.has_value());

    const auto left = analysis::edx_markers(a, "left");
    REQUIRE(left.fair_delay.has_value());
    REQUIRE(left.fair_delay->positive);
    const double true_delay = s.truth.at("recordings").at("soleus_h_left").at("fair").at("delay_ms").get<double>();
    REQUIRE(std::abs(*left.fair_delay->delay_ms - true_delay) < 0.5);
    REQUIRE(left.peroneal_division_denervation_pattern == true);
    REQUIRE(left.paraspinal_spontaneous_activity == false);
    REQUIRE(left.gluteal_involvement == false);

    const auto right = analysis::edx_markers(a, "right");
    REQUIRE(right.fair_delay.has_value());
    REQUIRE_FALSE(right.fair_delay->positive);
    // Needle EMG was done on the lesion side only: the other leg's EMG markers are unknown, not negative.
    REQUIRE_FALSE(right.peroneal_division_denervation_pattern.has_value());
    REQUIRE_FALSE(right.paraspinal_spontaneous_activity.has_value());
    REQUIRE_FALSE(right.gluteal_involvement.has_value());
}

TEST_CASE("a simulated L5 root lesion: paraspinal fibrillations, no peroneal-division pattern, FAIR negative",
          "[analysis][study]") {
    const auto s = simulated(sim::LesionSite::L5_root, 12);
    const auto a = analysis::analyse_study(s.study);
    const auto left = analysis::edx_markers(a, "left");
    REQUIRE(left.paraspinal_spontaneous_activity == true);
    REQUIRE(left.peroneal_division_denervation_pattern == false);
    REQUIRE(left.fair_delay.has_value());
    REQUIRE_FALSE(left.fair_delay->positive);
    // The dorsal root ganglion lies distal to a root lesion: SNAPs are kept.
    REQUIRE(left.sural_snap_reduced == false);
    REQUIRE(left.superficial_peroneal_snap_reduced == false);
}

TEST_CASE("the results document carries the markers the diagnosis reads back unchanged", "[analysis][study]") {
    const auto s = simulated(sim::LesionSite::sciatic_deep_gluteal, 13);
    const auto a = analysis::analyse_study(s.study);
    const nlohmann::json doc = nlohmann::json::parse(analysis::results_document(a).dump());
    for (const char* side : {"left", "right"}) {
        const auto direct = analysis::edx_markers(a, side);
        const auto read = diagnosis::edx_findings_from_results(doc, side);
        REQUIRE(diagnosis::to_results_json(read) == diagnosis::to_results_json(direct));
    }
    for (const char* key : {"h_reflex", "fair", "nerve_conduction", "conduction_velocities", "f_waves", "emg", "not_analysed",
                            "edx_findings"}) {
        REQUIRE(doc.contains(key));
    }
    REQUIRE(doc.at("h_reflex").size() == 2);
    // No NaN reaches the document: the dump would have written null, never a bare NaN.
    REQUIRE(doc.dump().find("NaN") == std::string::npos);
}

TEST_CASE("a recording no analysis can read is named with its reason, and the others are still analysed", "[analysis][study]") {
    auto s = simulated(sim::LesionSite::none, 14);
    // Every sample of the left H-reflex non-finite: nothing to measure.
    Recording* h = nullptr;
    for (auto& r : s.study.recordings) {
        if (r.info.name == "soleus_h_left") h = &r;
    }
    REQUIRE(h != nullptr);
    for (auto& v : h->samples) v = std::numeric_limits<float>::quiet_NaN();
    const auto a = analysis::analyse_study(s.study);
    bool named = false;
    for (const auto& n : a.not_analysed) named = named || (n.recording == "soleus_h_left" && !n.reason.empty());
    const bool measured_absent = a.h_reflex.size() == 2 && !a.h_reflex[0].h_present;
    REQUIRE((named || measured_absent));
    REQUIRE(a.emg.has_value());
    REQUIRE_FALSE(a.ncs.empty());
}

TEST_CASE("without needle EMG or SNAPs the markers they decide stay unknown", "[analysis][study]") {
    sim::StudySpec spec;
    spec.needle_emg = false;
    spec.nerve_conduction = false;
    const auto s = sim::simulate_study(spec, 15);
    const auto a = analysis::analyse_study(s.study);
    const auto left = analysis::edx_markers(a, "left");
    REQUIRE(left.fair_delay.has_value());
    REQUIRE_FALSE(left.peroneal_division_denervation_pattern.has_value());
    REQUIRE_FALSE(left.paraspinal_spontaneous_activity.has_value());
    REQUIRE_FALSE(left.gluteal_involvement.has_value());
    REQUIRE_FALSE(left.sural_snap_reduced.has_value());
    REQUIRE_FALSE(left.superficial_peroneal_snap_reduced.has_value());
    REQUIRE(left.h_side_to_side_abnormal.has_value());
    REQUIRE_THROWS_AS(analysis::edx_markers(a, "both"), std::invalid_argument);
}
