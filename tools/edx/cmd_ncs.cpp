// edx ncs FILE [--json]: motor and sensory nerve conduction (onset and peak
// latency, amplitudes, negative-phase duration and area, conduction
// velocities between sites) and F-waves (minimal and mean latency,
// persistence, chronodispersion) of every recording of those kinds.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/evoked/f_wave.hpp"
#include "edx/evoked/ncs.hpp"
#include "edx/evoked/result_json.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"

namespace edx::cli {

namespace {

}  // namespace

int run_ncs(const std::vector<std::string>& args) {
    po::options_description options("options");
    bool json = false;
    options.add_options()("json", po::bool_switch(&json), "print one JSON document instead of text")(
        "file", po::value<std::string>(), "the layout-v1 study file (also accepted as the first argument)");
    po::positional_options_description positional;
    positional.add("file", 1);
    const auto vm = parse(
        args, "edx ncs FILE [--json]",
        "Measures every motor_ncs, sensory_ncs and f_wave recording. NCS: onset latency (first departure\n"
        "from baseline, criterion in signals/norms/evoked_measurement.json), negative peak latency,\n"
        "baseline-to-negative-peak and peak-to-peak amplitude, negative-phase duration and area, on the\n"
        "aligned sweeps; conduction velocity between the sites of a motor nerve ((distance difference) /\n"
        "(onset latency difference)) and, for a sensory nerve, distance / onset latency. F-waves: each\n"
        "sweep on its own; minimal, mean and maximal latency, persistence, chronodispersion.",
        options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing FILE");
    const LayoutReader reader(vm->at("file").as<std::string>());
    const std::string path = reader.path().string();
    std::vector<evoked::NcsMeasure> ncs;
    std::vector<evoked::FWaveResult> f_waves;
    for (const auto& name : reader.recording_names()) {
        const RecordingKind kind = reader.header(name).info.kind;
        if (kind != RecordingKind::motor_ncs && kind != RecordingKind::sensory_ncs && kind != RecordingKind::f_wave) continue;
        const Recording rec = reader.read(name);
        try {
            if (kind == RecordingKind::f_wave) {
                f_waves.push_back(evoked::measure_f_wave(rec));
            } else {
                ncs.push_back(evoked::measure_ncs(rec));
            }
        } catch (const std::invalid_argument& e) {
            throw InputError(path, "/recordings/" + name, e.what());
        }
    }
    const auto velocities = evoked::conduction_velocities(ncs);

    if (json) {
        nlohmann::ordered_json out;
        out["file"] = path;
        out["notice"] = kDecisionSupportNotice;
        out["nerve_conduction"] = nlohmann::ordered_json::array();
        for (const auto& m : ncs) out["nerve_conduction"].push_back(evoked::to_json(m));
        out["conduction_velocities"] = nlohmann::ordered_json::array();
        for (const auto& v : velocities) out["conduction_velocities"].push_back(evoked::to_json(v));
        out["f_waves"] = nlohmann::ordered_json::array();
        for (const auto& f : f_waves) out["f_waves"].push_back(evoked::to_json(f));
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << kDecisionSupportNotice << "\n\n";
    if (!ncs.empty()) {
        std::cout << "recording                                 onset_ms  peak_ms  amp_mV    p-p_mV    negdur_ms  area_mVms\n";
        for (const auto& m : ncs) {
            char line[256];
            std::snprintf(line, sizeof line, "%-40s  %8s  %7s  %8s  %8s  %9s  %9s", m.recording.c_str(),
                          fixed_text(m.onset_latency_ms).c_str(), fixed_text(m.peak_latency_ms).c_str(),
                          fixed_text(m.amplitude_mv, m.kind == "sensory_ncs" ? 4 : 2).c_str(),
                          fixed_text(m.peak_to_peak_mv, m.kind == "sensory_ncs" ? 4 : 2).c_str(),
                          fixed_text(m.negative_duration_ms).c_str(),
                          fixed_text(m.negative_area_mv_ms, m.kind == "sensory_ncs" ? 4 : 2).c_str());
            std::cout << line << (m.present ? "" : "  (absent)") << "\n";
            for (const auto& n : m.notes) std::cout << "    note: " << n << "\n";
        }
        std::cout << "\n";
    }
    for (const auto& v : velocities) {
        std::cout << "CV " << v.nerve << (v.side.empty() ? "" : " " + v.side) << " "
                  << (v.from_site.empty() ? std::string("stimulus") : v.from_site) << " -> " << v.to_site << ": "
                  << fixed_text(v.cv_m_per_s, 1) << " m/s (" << fixed_text(v.distance_mm, 0) << " mm in " << fixed_text(v.latency_ms)
                  << " ms)\n";
    }
    if (!velocities.empty()) std::cout << "\n";
    for (const auto& f : f_waves) {
        std::cout << f.recording << ": M " << fixed_text(f.m_latency_ms) << " ms; F-waves in " << f.f_count << " of "
                  << f.sweeps_used << " sweeps (persistence " << fixed_text(f.persistence) << "), latency min "
                  << fixed_text(f.f_min_latency_ms) << " / mean " << fixed_text(f.f_mean_latency_ms) << " / max "
                  << fixed_text(f.f_max_latency_ms) << " ms, chronodispersion " << fixed_text(f.chronodispersion_ms) << " ms\n";
        for (const auto& n : f.notes) std::cout << "    note: " << n << "\n";
    }
    if (ncs.empty() && f_waves.empty()) std::cout << "no nerve-conduction or F-wave recordings in " << path << "\n";
    return 0;
}

}  // namespace edx::cli
