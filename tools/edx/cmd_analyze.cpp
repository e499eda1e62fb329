// edx analyze FILE [--out results.h5] [--clinical CASE.json] [--json]: runs
// every analysis that applies to a study (edx::analysis::analyse_study), prints
// a summary a clinician reads at a glance, and stores the results document
// beside the recordings. With a case file, the diagnosis of the symptomatic leg.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/analysis/analysis_plan.hpp"
#include "edx/analysis/edx_markers.hpp"
#include "edx/analysis/study_analysis.hpp"
#include "edx/diagnosis/case_file.hpp"
#include "edx/diagnosis/diagnosis_report.hpp"
#include "edx/diagnosis/inference.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/io/layout_writer.hpp"
#include "emg_report.hpp"

namespace edx::cli {

namespace {

std::string label(const std::string& name, const std::string& side) {
    return name + (side.empty() ? "" : " (" + side + ")");
}

void print_h_reflex(const analysis::StudyAnalysis& a) {
    if (a.h_reflex.empty()) return;
    std::cout << "\nH-reflex\n";
    for (const auto& r : a.h_reflex) {
        std::cout << "  " << label(r.recording, r.side) << ": M " << fixed_text(r.m_latency_ms) << " ms " << fixed_text(r.m_amplitude_mv)
                  << " mV; ";
        if (r.h_present) {
            std::cout << "H " << fixed_text(r.h_latency_ms) << " ms " << fixed_text(r.h_amplitude_mv) << " mV, H/M " << fixed_text(r.h_m_ratio);
        } else {
            std::cout << "H absent";
        }
        if (r.expected) {
            std::cout << "; expected " << fixed_text(r.expected->latency_ms) << " ms [" << r.expected->source << "]";
        }
        std::cout << "; " << r.sweeps_used << " sweeps used, " << r.sweeps_excluded << " excluded\n";
    }
    const auto& s = a.h_side_to_side;
    if (s.comparison) {
        std::cout << "  side to side " << fixed_text(s.comparison->difference_ms) << " ms, limit " << fixed_text(s.comparison->limit.limit_ms, 1)
                  << " ms [" << s.comparison->limit.source << "]: "
                  << (s.comparison->beyond_limit ? "BEYOND the limit" : "within the limit") << "\n";
    } else if (!s.note.empty()) {
        std::cout << "  side to side " << s.note << "\n";
    }
}

void print_fair(const analysis::StudyAnalysis& a) {
    if (a.fair.empty()) return;
    std::cout << "\nFAIR H-wave delay (FAIR minus anatomic H latency)\n";
    for (const auto& f : a.fair) {
        const auto& e = f.estimate;
        std::cout << "  " << label(f.name, f.side) << ": ";
        if (e.status != evoked::FairStatus::ok) {
            std::cout << "insufficient data: " << f.reason << "\n";
            continue;
        }
        std::cout << fixed_text(e.delay_ms) << " ms, 95% CI [" << fixed_text(e.ci95_lo_ms) << ", " << fixed_text(e.ci95_hi_ms) << "], "
                  << (*e.positive ? "POSITIVE" : "negative") << " against " << fixed_text(e.criterion_ms) << " ms"
                  << (*e.criterion_in_ci ? " (borderline)" : "") << ", "
                  << (*e.significant ? "differs from zero" : "not distinguishable from zero");
        if (e.onset_after_fair_s) std::cout << "; appeared " << fixed_text(e.onset_after_fair_s, 1) << " s after the FAIR marker";
        std::cout << " (" << e.n_anatomic << " anatomic, " << e.n_fair << " FAIR sweeps)\n";
    }
    if (a.fair_legs && a.fair_legs->delay_difference_ms) {
        const auto& c = *a.fair_legs;
        std::cout << "  " << c.first_side << " minus " << c.second_side << ": " << fixed_text(c.delay_difference_ms) << " ms, 95% CI ["
                  << fixed_text(c.delay_difference_ci95_lo_ms) << ", " << fixed_text(c.delay_difference_ci95_hi_ms) << "]\n";
    }
}

void print_ncs(const analysis::StudyAnalysis& a) {
    if (a.ncs.empty() && a.f_waves.empty()) return;
    std::cout << "\nnerve conduction\n";
    for (const auto& m : a.ncs) {
        const bool sensory = m.kind == "sensory_ncs";
        std::cout << "  " << (sensory ? "SNAP " : "CMAP ") << m.nerve << (m.side.empty() ? "" : " " + m.side) << ", "
                  << m.stim_site << ": ";
        if (!m.present) {
            std::cout << "absent\n";
            continue;
        }
        std::optional<double> amplitude = m.amplitude_mv;
        if (sensory && amplitude) *amplitude *= 1000.0;
        std::cout << "onset " << fixed_text(m.onset_latency_ms) << " ms, peak " << fixed_text(m.peak_latency_ms) << " ms, amplitude "
                  << fixed_text(amplitude, sensory ? 1 : 2) << (sensory ? " uV" : " mV") << "\n";
    }
    for (const auto& v : a.conduction_velocities) {
        std::cout << "  velocity " << v.nerve << (v.side.empty() ? "" : " " + v.side) << " "
                  << (v.from_site.empty() ? "" : v.from_site + "-") << v.to_site << ": " << fixed_text(v.cv_m_per_s, 1) << " m/s\n";
    }
    for (const auto& f : a.f_waves) {
        std::cout << "  F-waves " << f.nerve << (f.side.empty() ? "" : " " + f.side) << ": minimal " << fixed_text(f.f_min_latency_ms)
                  << " ms, mean " << fixed_text(f.f_mean_latency_ms) << " ms, persistence " << fixed_text(f.persistence ? std::optional<double>(*f.persistence * 100.0) : std::nullopt, 0)
                  << "%, chronodispersion " << fixed_text(f.chronodispersion_ms) << " ms\n";
    }
}

std::string marker(const std::optional<bool>& v, const char* yes = "yes", const char* no = "no") {
    return v ? (*v ? yes : no) : "not examined";
}

void print_markers(const analysis::StudyAnalysis& a) {
    std::cout << "\nelectrodiagnostic markers      left                 right\n";
    const auto left = analysis::edx_markers(a, "left");
    const auto right = analysis::edx_markers(a, "right");
    auto row = [](const char* name, const std::string& l, const std::string& r) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-28s %-20s %s\n", name, l.c_str(), r.c_str());
        std::cout << line;
    };
    auto fair = [](const diagnosis::EdxFindings& f) {
        if (!f.fair_delay) return std::string("not examined");
        return std::string(f.fair_delay->positive ? "POSITIVE " : "negative ") + fixed_text(f.fair_delay->delay_ms) + " ms";
    };
    row("FAIR H-wave delay", fair(left), fair(right));
    row("peroneal-division pattern", marker(left.peroneal_division_denervation_pattern), marker(right.peroneal_division_denervation_pattern));
    row("paraspinal fibrillations", marker(left.paraspinal_spontaneous_activity), marker(right.paraspinal_spontaneous_activity));
    row("gluteal muscles abnormal", marker(left.gluteal_involvement), marker(right.gluteal_involvement));
    row("sural SNAP reduced", marker(left.sural_snap_reduced), marker(right.sural_snap_reduced));
    row("sup. peroneal SNAP reduced", marker(left.superficial_peroneal_snap_reduced), marker(right.superficial_peroneal_snap_reduced));
    row("H later than other side", marker(left.h_side_to_side_abnormal), marker(right.h_side_to_side_abnormal));
}

}  // namespace

int run_analyze(const std::vector<std::string>& args) {
    po::options_description options("options");
    bool json = false;
    analysis::StudyAnalysisOptions settings;
    options.add_options()("file", po::value<std::string>(), "the layout-v1 study file (also accepted as the first argument)")(
        "out", po::value<std::string>(), "write the study with its results document (/results/document) to this file, atomically")(
        "clinical", po::value<std::string>(),
        "a case file (signals/examples/README-case-schema.md): adds the diagnosis of its symptomatic leg; "
        "without it, a case stored in the study's /clinical is used")(
        "criterion-ms", po::value<double>(&settings.fair.criterion_ms)->default_value(settings.fair.criterion_ms),
        "FAIR delay at or above which a leg is positive")(
        "json", po::bool_switch(&json), "print the results document instead of text");
    po::positional_options_description positional;
    positional.add("file", 1);
    const auto vm = parse(args, "edx analyze FILE [--out results.h5] [--clinical CASE.json] [--json]",
                          "Runs every analysis that applies to a study: H-reflex (and the two legs compared), the FAIR\n"
                          "H-wave delay, motor and sensory NCS with velocities, F-waves, needle EMG with the lesion\n"
                          "localisation; derives the electrodiagnostic markers of each leg; with a case file, the\n"
                          "diagnosis. Says which analyses do not apply and why, and which recordings could not be\n"
                          "analysed. --out keeps recordings and results in one file that edx diagnose --results reads.",
                          options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing FILE");
    try {
        settings.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--criterion-ms: ") + e.what());
    }

    const LayoutReader reader(vm->at("file").as<std::string>());
    const std::string path = reader.path().string();
    Study study = reader.read_study();
    std::vector<RecordingHeader> headers;
    for (const auto& name : reader.recording_names()) headers.push_back(reader.header(name));
    const auto plan = analysis::plan_analyses(headers, study.clinical_findings_json.has_value() || vm->count("clinical"));

    // The case: --clinical, else the study's own /clinical; parsed before any work so a bad one stops early.
    const auto& model = diagnosis::EvidenceModel::bundled();
    std::optional<diagnosis::ClinicalCase> clinical;
    if (vm->count("clinical")) {
        clinical = diagnosis::read_case_file(vm->at("clinical").as<std::string>(), model);
    } else if (study.clinical_findings_json) {
        nlohmann::json doc;
        try {
            doc = nlohmann::json::parse(*study.clinical_findings_json);
        } catch (const nlohmann::json::parse_error& e) {
            throw InputError(path, "/clinical", std::string("findings are not valid JSON: ") + e.what());
        }
        clinical = diagnosis::parse_case(doc, path + ":/clinical", model);
    }

    const auto result = analysis::analyse_study(study, settings);
    auto document = analysis::results_document(result);
    document["file"] = path;
    document["analysed_at_utc"] = utc_now_iso8601();
    document["skipped_analyses"] = nlohmann::ordered_json::array();
    for (const auto& s : plan.skipped) {
        document["skipped_analyses"].push_back({{"analysis", analysis::to_string(s.kind)}, {"recordings", s.recordings}, {"reason", s.reason}});
    }
    std::optional<diagnosis::Diagnosis> dx;
    if (clinical) {
        const auto findings = analysis::edx_markers(result, clinical->symptomatic_side);
        dx = diagnosis::diagnose(model, *clinical, findings);
        document["diagnosis"] = diagnosis::to_json(*dx, model);
    } else {
        document["diagnosis"] = nullptr;
    }

    if (vm->count("out")) {
        Study out = std::move(study);
        out.results_json = document.dump();
        write_study(out, vm->at("out").as<std::string>());
    }

    if (json) {
        std::cout << document.dump(2) << "\n";
        return 0;
    }
    std::cout << "edx analyze  " << path << "\n" << kDecisionSupportNotice << "\n\n";
    std::cout << "subject " << (result.subject_id.empty() ? "(no id)" : result.subject_id);
    const auto& subject = reader.study_info().subject;
    if (subject.age_years) std::cout << ", age " << *subject.age_years << " y";
    if (subject.height_cm) std::cout << ", height " << *subject.height_cm << " cm";
    std::cout << "; " << headers.size() << " recordings\n";
    print_h_reflex(result);
    print_fair(result);
    print_ncs(result);
    if (result.emg) {
        std::cout << "\nneedle EMG (edx emg for the detail)\n";
        print_emg_summary(std::cout, *result.emg);
    }
    print_markers(result);
    if (dx) {
        std::cout << "\n" << diagnosis::to_text(*dx, diagnosis::TextDetail::summary);
    } else {
        std::cout << "\nno clinical findings: add --clinical CASE.json for the diagnosis (schema: "
                     "signals/examples/README-case-schema.md)\n";
    }
    if (!plan.skipped.empty()) {
        std::cout << "\nnot applicable\n";
        for (const auto& s : plan.skipped) std::cout << "  " << analysis::to_string(s.kind) << ": " << s.reason << "\n";
    }
    if (!result.not_analysed.empty()) {
        std::cout << "\nnot analysed\n";
        for (const auto& n : result.not_analysed) std::cout << "  " << n.recording << ": " << n.reason << "\n";
    }
    if (vm->count("out")) std::cout << "\nresults written to " << vm->at("out").as<std::string>() << "\n";
    return 0;
}

}  // namespace edx::cli
