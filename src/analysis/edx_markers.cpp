#include "edx/analysis/edx_markers.hpp"

#include <stdexcept>
#include <string>

#include "edx/signals/table.hpp"
#include "snap_findings.hpp"

namespace edx::analysis {

namespace {

enum class Region { paraspinal, gluteal, peroneal_division, tibial_division, other };

// From the anatomy table: dorsal rami are the paraspinals, the gluteal nerves
// the gluteal muscles, and the sciatic division the rest of the leg.
Region region_of(const std::string& muscle) {
    const auto& muscles = signals::table("anatomy/lower_limb_muscles.json").at("muscles");
    const auto it = muscles.find(muscle);
    if (it == muscles.end()) return Region::other;
    const std::string nerve = it->value("nerve", "");
    const std::string division = it->value("sciatic_division", "");
    if (nerve == "dorsal_ramus") return Region::paraspinal;
    if (nerve == "superior_gluteal" || nerve == "inferior_gluteal") return Region::gluteal;
    if (division == "peroneal") return Region::peroneal_division;
    if (division == "tibial") return Region::tibial_division;
    return Region::other;
}

// Whether a muscle's examination says anything: a rest segment was read, or
// the motor units were enough for a call.
bool examined(const emg::NeedleEmgResult& r) {
    return r.spontaneous.has_value() || r.call.call != emg::MuscleCall::insufficient_data;
}

struct RegionTally {
    int examined = 0;
    int abnormal = 0;
    int fibrillating = 0;  // grade 1+ or more
};

void emg_markers(const emg::StudyEmgResult& emg, const std::string& side, diagnosis::EdxFindings& f) {
    RegionTally paraspinal, gluteal, peroneal, tibial;
    bool shbf_examined = false, shbf_abnormal = false;
    for (const auto& r : emg.recordings) {
        if (r.side != side || !examined(r)) continue;
        const bool abnormal = emg::muscle_finding(r).abnormal;
        const bool fibrillating = r.spontaneous && r.spontaneous->grade >= 1;
        RegionTally* tally = nullptr;
        switch (region_of(r.muscle)) {
            case Region::paraspinal: tally = &paraspinal; break;
            case Region::gluteal: tally = &gluteal; break;
            case Region::peroneal_division: tally = &peroneal; break;
            case Region::tibial_division: tally = &tibial; break;
            case Region::other: break;
        }
        if (!tally) continue;
        ++tally->examined;
        tally->abnormal += abnormal ? 1 : 0;
        tally->fibrillating += fibrillating ? 1 : 0;
        if (r.muscle == "short_head_biceps_femoris") {
            shbf_examined = true;
            shbf_abnormal = shbf_abnormal || abnormal;
        }
    }
    if (paraspinal.examined) f.paraspinal_spontaneous_activity = paraspinal.fibrillating > 0;
    if (gluteal.examined) f.gluteal_involvement = gluteal.abnormal > 0;
    if (shbf_examined && paraspinal.examined && gluteal.examined) {
        const double peroneal_share = peroneal.examined ? double(peroneal.abnormal) / peroneal.examined : 0.0;
        const double tibial_share = tibial.examined ? double(tibial.abnormal) / tibial.examined : 0.0;
        f.peroneal_division_denervation_pattern =
            shbf_abnormal && paraspinal.abnormal == 0 && gluteal.abnormal == 0 && peroneal_share >= tibial_share;
    }
}

void snap_markers(const StudyAnalysis& a, const std::string& side, diagnosis::EdxFindings& f) {
    const double ratio_below =
        signals::constant("anatomy/localisation_rules.json", "/snap/reduced_ratio_below");
    for (const auto& s : snap_findings(a.ncs)) {
        if (s.side != side) continue;
        const auto reduced = s.is_reduced(ratio_below);
        if (!reduced) continue;
        if (s.nerve == "sural") f.sural_snap_reduced = *reduced;
        if (s.nerve == "superficial_peroneal") f.superficial_peroneal_snap_reduced = *reduced;
    }
}

void h_marker(const StudyAnalysis& a, const std::string& side, diagnosis::EdxFindings& f) {
    const std::string other = side == "left" ? "right" : "left";
    if (const auto& c = a.h_side_to_side.comparison) {
        const double mine = side == "left" ? c->left_latency_ms : c->right_latency_ms;
        const double theirs = side == "left" ? c->right_latency_ms : c->left_latency_ms;
        f.h_side_to_side_abnormal = c->beyond_limit && mine > theirs;
        return;
    }
    // One leg without an H-wave while the other has one.
    bool mine_absent = false, theirs_present = false;
    for (const auto& r : a.h_reflex) {
        if (r.side == side && r.sweeps_used > 0 && !r.h_present) mine_absent = true;
        if (r.side == other && r.h_latency_ms) theirs_present = true;
    }
    if (mine_absent && theirs_present) f.h_side_to_side_abnormal = true;
}

}  // namespace

diagnosis::EdxFindings edx_markers(const StudyAnalysis& a, std::string_view side_view) {
    const std::string side(side_view);
    if (side != "left" && side != "right") throw std::invalid_argument("side must be left or right, not '" + side + "'");
    diagnosis::EdxFindings f;
    for (const auto& fa : a.fair) {
        if (fa.side != side || fa.estimate.status != evoked::FairStatus::ok) continue;
        // The diagnosis reads the FAIR analysis in its JSON form, whatever its source.
        nlohmann::json doc = {{"edx_findings", {{"version", 1}, {side, {{"fair_delay", evoked::to_json(fa)}}}}}};
        f.fair_delay = diagnosis::edx_findings_from_results(doc, side).fair_delay;
        break;
    }
    if (a.emg) emg_markers(*a.emg, side, f);
    snap_markers(a, side, f);
    h_marker(a, side, f);
    return f;
}

}  // namespace edx::analysis
