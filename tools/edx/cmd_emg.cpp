// edx emg FILE [--json] [--needle concentric|monopolar] [--snap NERVE:SIDE:RATIO ...]:
// spontaneous activity, motor units and the call for every needle-EMG
// recording of a study, and the lesion localisation across them.
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "edx/emg/needle_emg_analysis.hpp"
#include "edx/io/layout_reader.hpp"
#include "emg_report.hpp"

namespace edx::cli {

int run_emg(const std::vector<std::string>& args) {
    po::options_description options("options");
    bool json = false;
    options.add_options()("json", po::bool_switch(&json), "print one JSON document instead of text")(
        "needle", po::value<std::string>(), "concentric or monopolar (default: concentric, reported as assumed)")(
        "snap", po::value<std::vector<std::string>>()->composing(),
        "a SNAP finding NERVE:SIDE:RATIO (amplitude, symptomatic / other side) or NERVE:SIDE:reduced|normal; repeatable")(
        "file", po::value<std::string>(), "the layout-v1 study file (also accepted as the first argument)");
    po::positional_options_description positional;
    positional.add("file", 1);
    const auto vm = parse(args, "edx emg FILE [--json] [--needle concentric|monopolar] [--snap NERVE:SIDE:RATIO ...]",
                          "Needle EMG: spontaneous activity at rest (fibrillations, positive sharp waves, fasciculations,\n"
                          "complex repetitive discharges, the 0-4+ grade), motor units at minimal effort (decomposition,\n"
                          "amplitude, duration, phases, recruitment) and the call per muscle (normal, neuropathic,\n"
                          "myopathic, insufficient_data); then the pattern across muscles and the lesion sites ranked.\n"
                          "Criteria and sources: signals/norms/spontaneous_activity_criteria.json,\n"
                          "signals/norms/muap_analysis_criteria.json, signals/anatomy/localisation_rules.json.",
                          options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing FILE");
    auto config = emg::NeedleEmgConfig::from_tables();
    if (vm->count("needle")) {
        const auto needle = emg::parse_needle_type(vm->at("needle").as<std::string>());
        if (!needle) throw UsageError("--needle takes concentric or monopolar, got '" + vm->at("needle").as<std::string>() + "'");
        config.needle = *needle;
        config.needle_given = true;
    }
    std::vector<emg::SnapFinding> snaps;
    if (vm->count("snap")) {
        for (const auto& s : vm->at("snap").as<std::vector<std::string>>()) snaps.push_back(parse_snap(s));
    }
    const LayoutReader reader(vm->at("file").as<std::string>());
    const Study study = reader.read_study();
    const auto result = emg::analyse_study_emg(study, snaps, config);
    if (json) {
        auto doc = emg::to_json(result);
        doc["file"] = reader.path().string();
        std::cout << doc.dump(2) << "\n";
        return 0;
    }
    std::cout << "edx emg  " << reader.path().string() << "\n\n";
    if (result.recordings.empty()) {
        std::cout << "no needle_emg recording in the file\n";
        return 0;
    }
    print_emg_text(std::cout, result);
    return 0;
}

}  // namespace edx::cli
