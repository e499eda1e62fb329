// edx fair FILE [--criterion-ms X] [--json]: the dynamic FAIR H-wave delay of
// every H-reflex recording with position markers (measure_h_reflex, then the
// FAIR analysis), and the two legs compared when both were recorded.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/evoked/fair_leg_comparison.hpp"
#include "edx/evoked/fair_recording.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/signals/table.hpp"

namespace edx::cli {

namespace {

void print_text(const evoked::FairAnalysis& a) {
    const evoked::FairEstimate& e = a.estimate;
    std::cout << a.name << (a.side.empty() ? "" : " (" + a.side + ")") << "\n";
    if (e.status != evoked::FairStatus::ok) {
        std::cout << "  insufficient data: " << a.reason << "\n";
    } else {
        std::cout << "  FAIR delay " << fixed_text(e.delay_ms) << " ms, 95% CI [" << fixed_text(e.ci95_lo_ms) << ", "
                  << fixed_text(e.ci95_hi_ms) << "]: " << (*e.positive ? "POSITIVE" : "negative") << " against "
                  << fixed_text(e.criterion_ms) << " ms"
                  << (*e.criterion_in_ci ? " (borderline: the interval holds the criterion)" : "") << "; "
                  << (*e.significant ? "significant" : "not significant") << " (p = " << fixed_text(e.p_value, 3)
                  << ")\n";
        std::cout << "  anatomic " << fixed_text(e.anatomic_latency_ms) << " ms (" << e.n_anatomic << " sweeps), FAIR "
                  << fixed_text(e.fair_latency_ms) << " ms (" << e.n_plateau << " of " << e.n_fair
                  << " FAIR sweeps, from the onset on)";
        if (e.onset_after_fair_s) {
            std::cout << "; delay appeared " << fixed_text(e.onset_after_fair_lo_s, 1) << "-"
                      << fixed_text(e.onset_after_fair_s, 1) << " s after the FAIR marker";
        }
        std::cout << "\n";
    }
    const auto& c = a.counts;
    std::cout << "  sweeps " << c.sweeps << ": anatomic " << c.anatomic << ", FAIR " << c.fair << ", recovery "
              << c.recovery << ", other position " << c.other_position << ", without H " << c.without_h
              << ", excluded " << c.excluded << "\n";
    std::cout << "  sweep   time_s  position       t_pos_s  H_ms     -anat_ms  role\n";
    for (const auto& s : a.time_course) {
        char line[160];
        std::snprintf(line, sizeof line, "  %5zu %8.1f  %-13s %7s  %-8s %8s  %s", s.sweep_index, s.time_s,
                      s.position.empty() ? "(none)" : s.position.c_str(), fixed_text(s.time_in_position_s, 1).c_str(),
                      fixed_text(s.h_latency_ms).c_str(), fixed_text(s.minus_anatomic_ms).c_str(),
                      std::string(evoked::to_string(s.role)).c_str());
        std::cout << line << (s.exclusion_reason.empty() ? "" : " (" + s.exclusion_reason + ")") << "\n";
    }
}

void print_text(const evoked::FairLegComparison& c) {
    std::cout << "legs: " << c.first_side << " minus " << c.second_side << "\n";
    std::cout << "  FAIR delay difference " << fixed_text(c.delay_difference_ms) << " ms, 95% CI ["
              << fixed_text(c.delay_difference_ci95_lo_ms) << ", " << fixed_text(c.delay_difference_ci95_hi_ms) << "]";
    if (c.delay_difference_significant) std::cout << (*c.delay_difference_significant ? ", differs" : ", no difference shown");
    std::cout << "\n  anatomic H latency difference " << fixed_text(c.baseline_difference_ms) << " ms, 95% CI ["
              << fixed_text(c.baseline_difference_ci95_lo_ms) << ", " << fixed_text(c.baseline_difference_ci95_hi_ms)
              << "]\n";
    if (!c.note.empty()) std::cout << "  " << c.note << "\n";
}

}  // namespace

int run_fair(const std::vector<std::string>& args) {
    const double default_criterion = evoked::fair_norm("/criterion_ms");
    po::options_description options("options");
    bool json = false;
    options.add_options()("file", po::value<std::string>(), "the layout-v1 study file")(
        "criterion-ms", po::value<double>()->default_value(default_criterion),
        "FAIR delay at or above which a leg is positive (default: 3 SD beyond the control mean [Fish02b])")(
        "json", po::bool_switch(&json), "print one JSON document instead of text");
    po::positional_options_description positional;
    positional.add("file", 1);
    evoked::FairOptions defaults;
    const auto vm = parse(args, "edx fair FILE [--criterion-ms X] [--json]",
                          "The dynamic FAIR H-wave delay of each H-reflex recording with position=anatomic and\n"
                          "position=fair markers: H onset latencies measured per sweep, the delay FAIR minus\n"
                          "anatomic with its 95% interval, when it appeared after the FAIR marker, and the verdict\n"
                          "against the criterion; left and right compared when both were recorded.\n\n" +
                              evoked::fair_method_description(defaults),
                          options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing FILE");
    evoked::FairOptions fair;
    fair.criterion_ms = vm->at("criterion-ms").as<double>();
    if (!(std::isfinite(fair.criterion_ms) && fair.criterion_ms > 0.0))
        throw UsageError("--criterion-ms must be a positive number of milliseconds");

    const LayoutReader reader(vm->at("file").as<std::string>());
    const Study& study = reader.study_info();
    std::vector<evoked::FairTimeCourse> courses;
    std::vector<evoked::FairAnalysis> analyses;
    for (const auto& name : reader.recording_names()) {
        const RecordingHeader header = reader.header(name);
        if (header.info.kind != RecordingKind::h_reflex) continue;
        const Recording recording = reader.read(name);
        if (!evoked::has_fair_protocol(recording, fair)) continue;
        evoked::HReflexResult measured;
        try {
            measured = evoked::measure_h_reflex(recording, study.measures_for(recording));
        } catch (const std::invalid_argument& e) {
            throw InputError(reader.path().string(), "/recordings/" + name, e.what());
        }
        courses.push_back(evoked::fair_time_course(recording, measured));
        analyses.push_back(evoked::analyze_fair(courses.back(), fair));
    }
    if (analyses.empty()) {
        throw InputError(reader.path().string(), "/recordings",
                         "the FAIR analysis needs an h_reflex recording with a position=" + fair.fair_position +
                             " marker; there is none");
    }
    // Legs compared when exactly one recording per side was analysed.
    std::map<std::string, std::vector<std::size_t>> by_side;
    for (std::size_t i = 0; i < courses.size(); ++i) by_side[courses[i].side].push_back(i);
    std::optional<evoked::FairLegComparison> legs;
    if (by_side["left"].size() == 1 && by_side["right"].size() == 1) {
        legs = evoked::compare_fair_legs(courses[by_side["left"][0]], courses[by_side["right"][0]], fair);
    }

    if (json) {
        nlohmann::ordered_json doc;
        doc["file"] = reader.path().string();
        doc["notice"] = kDecisionSupportNotice;
        doc["criterion_ms"] = fair.criterion_ms;
        doc["criterion_source"] = signals::table("norms/fair_criterion.json").at("sources").at("Fish02b");
        doc["method"] = evoked::fair_method_description(fair);
        doc["recordings"] = nlohmann::ordered_json::array();
        for (const auto& a : analyses) doc["recordings"].push_back(evoked::to_json(a));
        doc["legs"] = legs ? evoked::to_json(*legs) : nlohmann::ordered_json(nullptr);
        std::cout << doc.dump(2) << "\n";
        return 0;
    }
    std::cout << "edx fair  " << reader.path().string() << "\n" << kDecisionSupportNotice << "\n\n";
    for (const auto& a : analyses) {
        print_text(a);
        std::cout << "\n";
    }
    if (legs) print_text(*legs);
    return 0;
}

}  // namespace edx::cli
