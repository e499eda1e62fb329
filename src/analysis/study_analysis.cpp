#include "edx/analysis/study_analysis.hpp"

#include <map>
#include <stdexcept>
#include <utility>

#include "edx/analysis/edx_markers.hpp"
#include "edx/evoked/fair_recording.hpp"
#include "edx/emg/localisation.hpp"
#include "edx/evoked/result_json.hpp"
#include "snap_findings.hpp"

namespace edx::analysis {

void StudyAnalysisOptions::validate() const {
    if (!(fair.criterion_ms > 0.0)) throw std::invalid_argument("fair.criterion_ms must be a positive number of milliseconds");
}

namespace {

// The first recording of each side with an H latency is compared; the note
// says why not when both legs were recorded but one lacks an H-wave.
HSideToSide h_side_to_side(const std::vector<evoked::HReflexResult>& results, std::optional<double> age_years) {
    HSideToSide out;
    const evoked::HReflexResult* left = nullptr;
    const evoked::HReflexResult* right = nullptr;
    bool has_left = false, has_right = false;
    for (const auto& r : results) {
        has_left = has_left || r.side == "left";
        has_right = has_right || r.side == "right";
        if (r.side == "left" && !left && r.h_latency_ms) left = &r;
        if (r.side == "right" && !right && r.h_latency_ms) right = &r;
    }
    if (left && right) {
        out.comparison = evoked::compare_sides(*left->h_latency_ms, *right->h_latency_ms, age_years);
        out.left_recording = left->recording;
        out.right_recording = right->recording;
    } else if (has_left && has_right) {
        out.note = std::string("not computed: no H latency on the ") +
                   (!left && !right ? "left or the right" : (!left ? "left" : "right")) +
                   " (H absent or not measurable)";
    }
    return out;
}

template <class F>
void guarded(std::vector<NotAnalysed>& failures, const std::string& recording, F&& run) {
    try {
        run();
    } catch (const std::invalid_argument& e) {
        failures.push_back({recording, e.what()});
    }
}

}  // namespace

StudyAnalysis analyse_study(const Study& study, const StudyAnalysisOptions& options) {
    options.validate();
    StudyAnalysis out;
    out.subject_id = study.subject_id;
    std::vector<evoked::FairTimeCourse> courses;
    std::vector<const Recording*> needle;
    for (const auto& rec : study.recordings) {
        const std::string& name = rec.info.name;
        switch (rec.info.kind) {
            case RecordingKind::h_reflex:
                guarded(out.not_analysed, name, [&] {
                    out.h_reflex.push_back(evoked::measure_h_reflex(rec, study.measures_for(rec)));
                    if (evoked::has_fair_protocol(rec, options.fair)) {
                        courses.push_back(evoked::fair_time_course(rec, out.h_reflex.back()));
                        out.fair.push_back(evoked::analyze_fair(courses.back(), options.fair));
                    }
                });
                break;
            case RecordingKind::motor_ncs:
            case RecordingKind::sensory_ncs:
                guarded(out.not_analysed, name, [&] { out.ncs.push_back(evoked::measure_ncs(rec)); });
                break;
            case RecordingKind::f_wave:
                guarded(out.not_analysed, name, [&] { out.f_waves.push_back(evoked::measure_f_wave(rec)); });
                break;
            case RecordingKind::needle_emg:
                needle.push_back(&rec);
                break;
            default:
                out.not_analysed.push_back({name, "no analysis reads recordings of kind " + std::string(to_string(rec.info.kind))});
        }
    }
    out.h_side_to_side = h_side_to_side(out.h_reflex, study.subject.age_years);
    out.conduction_velocities = evoked::conduction_velocities(out.ncs);

    std::map<std::string, std::vector<std::size_t>> by_side;
    for (std::size_t i = 0; i < courses.size(); ++i) by_side[courses[i].side].push_back(i);
    if (by_side["left"].size() == 1 && by_side["right"].size() == 1) {
        guarded(out.not_analysed, courses[by_side["left"][0]].name + " / " + courses[by_side["right"][0]].name, [&] {
            out.fair_legs = evoked::compare_fair_legs(courses[by_side["left"][0]], courses[by_side["right"][0]], options.fair);
        });
    }

    if (!needle.empty()) {
        // As emg::analyse_study_emg, one recording at a time, so a recording
        // the EMG analysis cannot read is named and the others still count.
        const auto config = emg::NeedleEmgConfig::from_tables();
        emg::StudyEmgResult result;
        result.snaps = snap_findings(out.ncs);
        std::vector<emg::MuscleFinding> findings;
        for (const Recording* rec : needle) {
            guarded(out.not_analysed, rec->info.name, [&] {
                result.recordings.push_back(emg::analyse_needle_emg(*rec, config));
                findings.push_back(emg::muscle_finding(result.recordings.back()));
            });
        }
        if (!result.recordings.empty()) {
            result.localisations = emg::localise(findings, result.snaps);
            out.emg = std::move(result);
        }
    }
    return out;
}

nlohmann::ordered_json results_document(const StudyAnalysis& a) {
    nlohmann::ordered_json doc;
    doc["version"] = 1;
    doc["generator"] = "edx analyze";
    doc["notice"] = "Decision support for a clinical neurophysiologist, not a diagnosis.";
    doc["subject_id"] = a.subject_id;
    auto list = [](const auto& items) {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& x : items) arr.push_back(evoked::to_json(x));
        return arr;
    };
    doc["h_reflex"] = list(a.h_reflex);
    if (a.h_side_to_side.comparison) {
        doc["h_side_to_side"] = evoked::to_json(*a.h_side_to_side.comparison, a.h_side_to_side.left_recording,
                                                a.h_side_to_side.right_recording);
    } else {
        doc["h_side_to_side"] = nullptr;
        if (!a.h_side_to_side.note.empty()) doc["h_side_to_side_note"] = a.h_side_to_side.note;
    }
    doc["fair"] = list(a.fair);
    doc["fair_legs"] = a.fair_legs ? evoked::to_json(*a.fair_legs) : nlohmann::ordered_json(nullptr);
    doc["nerve_conduction"] = list(a.ncs);
    doc["conduction_velocities"] = list(a.conduction_velocities);
    doc["f_waves"] = list(a.f_waves);
    doc["emg"] = a.emg ? emg::to_json(*a.emg) : nlohmann::ordered_json(nullptr);
    doc["not_analysed"] = nlohmann::ordered_json::array();
    for (const auto& n : a.not_analysed) doc["not_analysed"].push_back({{"recording", n.recording}, {"reason", n.reason}});
    nlohmann::ordered_json findings;
    findings["version"] = 1;
    for (const char* side : {"left", "right"}) findings[side] = diagnosis::to_results_json(edx_markers(a, side));
    doc["edx_findings"] = findings;
    return doc;
}

}  // namespace edx::analysis
