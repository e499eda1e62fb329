#include "edx/analysis/analysis_plan.hpp"

#include <map>
#include <set>
#include <tuple>

namespace edx::analysis {

std::string_view to_string(AnalysisKind kind) noexcept {
    switch (kind) {
        case AnalysisKind::h_reflex: return "h_reflex";
        case AnalysisKind::fair_delay: return "fair_delay";
        case AnalysisKind::h_side_to_side: return "h_side_to_side";
        case AnalysisKind::motor_ncs: return "motor_ncs";
        case AnalysisKind::conduction_velocity: return "conduction_velocity";
        case AnalysisKind::f_wave: return "f_wave";
        case AnalysisKind::sensory_ncs: return "sensory_ncs";
        case AnalysisKind::spontaneous_activity: return "spontaneous_activity";
        case AnalysisKind::muap: return "muap";
        case AnalysisKind::localisation: return "localisation";
        case AnalysisKind::diagnosis: return "diagnosis";
    }
    return "unknown";
}

namespace {

std::set<std::string> marker_values(const RecordingHeader& h, std::string_view key) {
    std::set<std::string> values;
    for (const auto& m : h.markers) {
        if (auto v = m.value_of(key)) values.emplace(*v);
    }
    return values;
}

std::string describe(const RecordingHeader& h) {
    std::string text = h.info.name;
    if (!h.info.side.empty()) text += " (" + h.info.side + ")";
    return text;
}

void plan_h_reflex(const std::vector<const RecordingHeader*>& hs, AnalysisPlan& plan) {
    std::map<std::string, std::vector<std::string>> by_side;
    for (const auto* h : hs) {
        plan.planned.push_back({AnalysisKind::h_reflex, {h->info.name},
                                describe(*h) + ": H-reflex recorded at " + h->info.muscle});
        const auto positions = marker_values(*h, "position");
        if (positions.count("fair") && positions.count("anatomic")) {
            plan.planned.push_back({AnalysisKind::fair_delay, {h->info.name},
                                    describe(*h) + ": position=anatomic and position=fair markers present"});
        } else {
            plan.skipped.push_back(
                {AnalysisKind::fair_delay, {h->info.name},
                 describe(*h) + (positions.empty() ? ": no position markers"
                                                   : std::string(": position markers lack ") +
                                                         (positions.count("fair") ? "anatomic" : "fair"))});
        }
        by_side[h->info.side].push_back(h->info.name);
    }
    if (by_side.count("left") && by_side.count("right")) {
        std::vector<std::string> both = by_side["left"];
        both.insert(both.end(), by_side["right"].begin(), by_side["right"].end());
        plan.planned.push_back({AnalysisKind::h_side_to_side, both, "H-reflex recorded on both legs"});
    } else if (!hs.empty()) {
        std::vector<std::string> names;
        for (const auto* h : hs) names.push_back(h->info.name);
        plan.skipped.push_back({AnalysisKind::h_side_to_side, names, "H-reflex not recorded on both legs (side attribute)"});
    }
}

void plan_motor(const std::vector<const RecordingHeader*>& hs, AnalysisPlan& plan) {
    // Two stimulation sites of one nerve recorded at one muscle on one side give a velocity.
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<const RecordingHeader*>> groups;
    for (const auto* h : hs) {
        plan.planned.push_back({AnalysisKind::motor_ncs, {h->info.name},
                                describe(*h) + ": " + h->info.nerve + " to " + h->info.muscle +
                                    (h->info.stim_site.empty() ? "" : ", stimulated at " + h->info.stim_site)});
        groups[{h->info.nerve, h->info.muscle, h->info.side}].push_back(h);
    }
    for (const auto& [key, members] : groups) {
        std::set<std::string> sites;
        std::vector<std::string> names;
        bool distances = true;
        for (const auto* h : members) {
            sites.insert(h->info.stim_site);
            names.push_back(h->info.name);
            distances = distances && h->info.distance_mm.has_value();
        }
        const std::string what = std::get<0>(key) + " to " + std::get<1>(key);
        if (members.size() < 2 || sites.size() < 2) {
            plan.skipped.push_back({AnalysisKind::conduction_velocity, names, what + ": one stimulation site only"});
        } else if (!distances) {
            plan.skipped.push_back({AnalysisKind::conduction_velocity, names, what + ": distance_mm missing"});
        } else {
            plan.planned.push_back({AnalysisKind::conduction_velocity, names,
                                    what + ": " + std::to_string(sites.size()) + " stimulation sites with distances"});
        }
    }
}

void plan_needle(const std::vector<const RecordingHeader*>& hs, AnalysisPlan& plan) {
    for (const auto* h : hs) {
        const auto efforts = marker_values(*h, "contraction");
        const std::string where = describe(*h) + ", " + h->info.muscle;
        if (efforts.empty() || efforts.count("rest")) {
            plan.planned.push_back({AnalysisKind::spontaneous_activity, {h->info.name},
                                    efforts.empty() ? where + ": no effort markers, read whole as rest"
                                                    : where + ": contraction=rest segment"});
        } else {
            plan.skipped.push_back({AnalysisKind::spontaneous_activity, {h->info.name}, where + ": no contraction=rest segment"});
        }
        if (efforts.count("minimal")) {
            plan.planned.push_back({AnalysisKind::muap, {h->info.name}, where + ": contraction=minimal segment"});
        } else {
            plan.skipped.push_back({AnalysisKind::muap, {h->info.name}, where + ": no contraction=minimal segment"});
        }
    }
}

}  // namespace

AnalysisPlan plan_analyses(const std::vector<RecordingHeader>& recordings, bool has_clinical_findings) {
    AnalysisPlan plan;
    std::map<RecordingKind, std::vector<const RecordingHeader*>> by_kind;
    for (const auto& h : recordings) by_kind[h.info.kind].push_back(&h);

    plan_h_reflex(by_kind[RecordingKind::h_reflex], plan);
    plan_motor(by_kind[RecordingKind::motor_ncs], plan);
    for (const auto* h : by_kind[RecordingKind::f_wave]) {
        plan.planned.push_back({AnalysisKind::f_wave, {h->info.name}, describe(*h) + ": F-waves of the " + h->info.nerve + " nerve"});
    }
    for (const auto* h : by_kind[RecordingKind::sensory_ncs]) {
        plan.planned.push_back({AnalysisKind::sensory_ncs, {h->info.name}, describe(*h) + ": " + h->info.nerve + " SNAP"});
    }
    plan_needle(by_kind[RecordingKind::needle_emg], plan);
    for (const auto* h : by_kind[RecordingKind::surface_emg]) {
        plan.skipped.push_back({AnalysisKind::muap, {h->info.name}, "surface EMG is kept and shown but not measured"});
    }

    const auto& needle = by_kind[RecordingKind::needle_emg];
    if (!needle.empty()) {
        std::vector<std::string> names;
        for (const auto* h : needle) names.push_back(h->info.name);
        for (const auto* h : by_kind[RecordingKind::sensory_ncs]) names.push_back(h->info.name);
        plan.planned.push_back({AnalysisKind::localisation, names,
                                std::to_string(needle.size()) + (needle.size() == 1 ? " muscle" : " muscles") + " sampled with the needle"});
    } else {
        plan.skipped.push_back({AnalysisKind::localisation, {}, "no needle EMG recording"});
    }
    if (has_clinical_findings) {
        plan.planned.push_back({AnalysisKind::diagnosis, {}, "clinical findings present"});
    } else {
        plan.skipped.push_back({AnalysisKind::diagnosis, {}, "no clinical findings (/clinical in the file, or --clinical)"});
    }
    return plan;
}

}  // namespace edx::analysis
