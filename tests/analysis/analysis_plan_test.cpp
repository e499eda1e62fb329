#include <catch2/catch.hpp>

#include <algorithm>

#include "edx/analysis/analysis_plan.hpp"

using namespace edx;
using namespace edx::analysis;

namespace {
RecordingHeader header(std::string name, RecordingKind kind, std::string side, std::vector<std::string> markers = {}) {
    RecordingHeader h;
    h.info.name = std::move(name);
    h.info.kind = kind;
    h.info.side = std::move(side);
    h.info.muscle = "extensor_digitorum_brevis";
    h.info.nerve = "peroneal";
    double t = 0.0;
    for (auto& label : markers) h.markers.push_back({t += 1.0, label});
    return h;
}

template <typename List>
auto find(const List& list, AnalysisKind kind) {
    return std::find_if(list.begin(), list.end(), [kind](const auto& a) { return a.kind == kind; });
}
}  // namespace

TEST_CASE("FAIR delay needs both anatomic and FAIR positions", "[plan]") {
    auto plan = plan_analyses({header("h", RecordingKind::h_reflex, "left", {"position=anatomic", "position=fair"})}, false);
    REQUIRE(find(plan.planned, AnalysisKind::h_reflex) != plan.planned.end());
    REQUIRE(find(plan.planned, AnalysisKind::fair_delay) != plan.planned.end());

    plan = plan_analyses({header("h", RecordingKind::h_reflex, "left", {"position=anatomic"})}, false);
    const auto skipped = find(plan.skipped, AnalysisKind::fair_delay);
    REQUIRE(skipped != plan.skipped.end());
    REQUIRE(skipped->reason == "h (left): position markers lack fair");
    plan = plan_analyses({header("h", RecordingKind::h_reflex, "left")}, false);
    REQUIRE(find(plan.skipped, AnalysisKind::fair_delay)->reason == "h (left): no position markers");
}

TEST_CASE("side-to-side H comparison needs both legs", "[plan]") {
    auto plan = plan_analyses({header("l", RecordingKind::h_reflex, "left"), header("r", RecordingKind::h_reflex, "right")}, false);
    const auto both = find(plan.planned, AnalysisKind::h_side_to_side);
    REQUIRE(both != plan.planned.end());
    REQUIRE(both->recordings == std::vector<std::string>{"l", "r"});
    plan = plan_analyses({header("l", RecordingKind::h_reflex, "left")}, false);
    REQUIRE(find(plan.skipped, AnalysisKind::h_side_to_side) != plan.skipped.end());
}

TEST_CASE("conduction velocity needs two sites with distances", "[plan]") {
    auto ankle = header("ankle", RecordingKind::motor_ncs, "left");
    ankle.info.stim_site = "ankle";
    ankle.info.distance_mm = 80.0;
    auto knee = header("knee", RecordingKind::motor_ncs, "left");
    knee.info.stim_site = "fibular_head";
    knee.info.distance_mm = 380.0;
    auto plan = plan_analyses({ankle, knee}, false);
    REQUIRE(find(plan.planned, AnalysisKind::conduction_velocity) != plan.planned.end());
    knee.info.distance_mm.reset();
    plan = plan_analyses({ankle, knee}, false);
    REQUIRE(find(plan.skipped, AnalysisKind::conduction_velocity)->reason == "peroneal to extensor_digitorum_brevis: distance_mm missing");
    plan = plan_analyses({ankle}, false);
    REQUIRE(find(plan.skipped, AnalysisKind::conduction_velocity)->reason == "peroneal to extensor_digitorum_brevis: one stimulation site only");
}

TEST_CASE("needle EMG effort markers decide spontaneous and MUAP analyses", "[plan]") {
    auto plan = plan_analyses({header("ta", RecordingKind::needle_emg, "left", {"contraction=rest", "contraction=minimal"})}, true);
    REQUIRE(find(plan.planned, AnalysisKind::spontaneous_activity) != plan.planned.end());
    REQUIRE(find(plan.planned, AnalysisKind::muap) != plan.planned.end());
    REQUIRE(find(plan.planned, AnalysisKind::localisation) != plan.planned.end());
    REQUIRE(find(plan.planned, AnalysisKind::diagnosis) != plan.planned.end());

    plan = plan_analyses({header("ta", RecordingKind::needle_emg, "left")}, false);
    REQUIRE(find(plan.planned, AnalysisKind::spontaneous_activity) != plan.planned.end());  // whole recording as rest
    REQUIRE(find(plan.skipped, AnalysisKind::muap) != plan.skipped.end());
    REQUIRE(find(plan.skipped, AnalysisKind::diagnosis) != plan.skipped.end());

    plan = plan_analyses({header("ta", RecordingKind::needle_emg, "left", {"contraction=minimal"})}, false);
    REQUIRE(find(plan.skipped, AnalysisKind::spontaneous_activity) != plan.skipped.end());
}
