// edx analyze FILE [--json]: validates a study, lists its recordings and the
// analyses that apply to them (and those that do not, with the reason).
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/analysis/analysis_plan.hpp"
#include "edx/emg/needle_emg_analysis.hpp"
#include "edx/io/layout_reader.hpp"
#include "emg_report.hpp"

namespace edx::cli {

namespace {

constexpr const char* disclaimer =
    "Decision support for a clinical neurophysiologist, not a diagnosis.";

std::string recording_line(const RecordingHeader& h, const NonFiniteReport& nf) {
    std::string line = h.info.name + "  " + std::string(to_string(h.info.kind));
    if (!h.info.side.empty()) line += ", " + h.info.side;
    if (!h.info.muscle.empty()) line += ", " + h.info.muscle;
    if (h.form == SampleForm::sweeps) {
        line += ", " + std::to_string(h.sweep_count) + " sweeps";
    } else {
        char duration[32];
        std::snprintf(duration, sizeof duration, "%.1f s", h.duration_s());
        line += std::string(", ") + duration;
    }
    std::string states;
    for (const auto& m : h.markers) {
        for (const char* key : {"position", "contraction"}) {
            if (auto v = m.value_of(key)) states += (states.empty() ? "" : " > ") + std::string(*v);
        }
    }
    if (!states.empty()) line += ", " + states;
    if (nf.count) line += ", " + std::to_string(nf.count) + " non-finite samples (excluded from measurement)";
    return line;
}

}  // namespace

int run_analyze(const std::vector<std::string>& args) {
    po::options_description options("options");
    bool json = false;
    options.add_options()("json", po::bool_switch(&json), "print one JSON document instead of text")(
        "file", po::value<std::string>(), "the layout-v1 study file (also accepted as the first argument)");
    po::positional_options_description positional;
    positional.add("file", 1);
    const auto vm = parse(args, "edx analyze FILE [--json]",
                          "Runs every analysis that applies to a study and summarises it. Lists the recordings\n"
                          "and, for each analysis, whether it applies and why (e.g. FAIR delay needs\n"
                          "position=anatomic and position=fair markers).",
                          options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing FILE");

    const LayoutReader reader(vm->at("file").as<std::string>());
    std::vector<RecordingHeader> headers;
    std::vector<NonFiniteReport> non_finite;
    for (const auto& name : reader.recording_names()) {
        headers.push_back(reader.header(name));
        non_finite.push_back(reader.scan_non_finite(name));
    }
    const Study& study = reader.study_info();
    const auto plan = analysis::plan_analyses(headers, study.clinical_findings_json.has_value());

    // Needle EMG of every needle_emg recording, and the localisation across them.
    std::optional<emg::StudyEmgResult> needle;
    {
        Study needle_study;
        for (const auto& h : headers) {
            if (h.info.kind == RecordingKind::needle_emg) needle_study.recordings.push_back(reader.read(h.info.name));
        }
        if (!needle_study.recordings.empty()) needle = emg::analyse_study_emg(needle_study, {}, emg::NeedleEmgConfig::from_tables());
    }

    if (json) {
        nlohmann::ordered_json doc;
        doc["file"] = reader.path().string();
        doc["notice"] = disclaimer;
        doc["subject_id"] = study.subject_id;
        doc["recordings"] = nlohmann::ordered_json::array();
        for (std::size_t i = 0; i < headers.size(); ++i) {
            doc["recordings"].push_back({{"name", headers[i].info.name},
                                         {"kind", to_string(headers[i].info.kind)},
                                         {"side", headers[i].info.side},
                                         {"muscle", headers[i].info.muscle},
                                         {"non_finite_samples", non_finite[i].count}});
        }
        for (const auto* list : {"planned", "skipped"}) doc[list] = nlohmann::ordered_json::array();
        for (const auto& a : plan.planned) {
            doc["planned"].push_back({{"analysis", analysis::to_string(a.kind)}, {"recordings", a.recordings}, {"reason", a.reason}});
        }
        for (const auto& a : plan.skipped) {
            doc["skipped"].push_back({{"analysis", analysis::to_string(a.kind)}, {"recordings", a.recordings}, {"reason", a.reason}});
        }
        if (needle) doc["emg"] = emg::to_json(*needle);
        std::cout << doc.dump(2) << "\n";
        return 0;
    }

    std::cout << "edx analyze  " << reader.path().string() << "\n" << disclaimer << "\n\n";
    std::cout << "subject " << (study.subject_id.empty() ? "(no id)" : study.subject_id);
    if (study.subject.age_years) std::cout << ", age " << *study.subject.age_years << " y";
    if (study.subject.height_cm) std::cout << ", height " << *study.subject.height_cm << " cm";
    std::cout << "\n\n" << headers.size() << " recordings\n";
    for (std::size_t i = 0; i < headers.size(); ++i) std::cout << "  " << recording_line(headers[i], non_finite[i]) << "\n";

    std::map<analysis::AnalysisKind, std::vector<const analysis::PlannedAnalysis*>> planned;
    for (const auto& a : plan.planned) planned[a.kind].push_back(&a);
    std::cout << "\nanalyses that apply\n";
    for (const auto& [kind, items] : planned) {
        std::cout << "  " << analysis::to_string(kind) << " (" << items.size() << ")\n";
        for (const auto* a : items) std::cout << "      " << a->reason << "\n";
    }
    if (!plan.skipped.empty()) {
        std::cout << "\nnot applicable\n";
        for (const auto& a : plan.skipped) std::cout << "  " << analysis::to_string(a.kind) << ": " << a.reason << "\n";
    }
    if (needle) {
        std::cout << "\nneedle EMG\n";
        print_emg_text(std::cout, *needle);
    }
    return 0;
}

}  // namespace edx::cli
