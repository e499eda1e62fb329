// edx hreflex FILE [--recording NAME] [--json]: the H-reflex measurements of
// every h_reflex recording (or one): M and H latency and amplitude, H/M and
// Hmax/Mmax, the expected latency with its source's status, sweeps used and
// excluded; and the two legs' latencies compared when both were recorded.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/evoked/h_norms.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/evoked/result_json.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"

namespace edx::cli {

namespace {

void print_text(const evoked::HReflexResult& r) {
    std::cout << r.recording << (r.side.empty() ? "" : " (" + r.side + ")") << "\n";
    std::cout << "  M: latency " << fixed_text(r.m_latency_ms) << " ms, amplitude " << fixed_text(r.m_amplitude_mv, 3) << " mV\n";
    if (r.h_present) {
        std::cout << "  H: latency " << fixed_text(r.h_latency_ms) << " ms (shortest " << fixed_text(r.h_latency_min_ms)
                  << ", sweep-to-sweep SD " << fixed_text(r.h_latency_sd_ms) << "), amplitude " << fixed_text(r.h_amplitude_mv, 3)
                  << " mV, in " << r.h_sweeps << " sweeps\n";
    } else {
        std::cout << "  H: absent" << (r.h_presence.tested ? " (presence test p = " + fixed_text(r.h_presence.p_value, 3) + ")" : "")
                  << "\n";
    }
    std::cout << "  H/M " << fixed_text(r.h_m_ratio, 3) << ", Hmax/Mmax " << fixed_text(r.hmax_mmax, 3)
              << (r.hmax_mmax ? "" : " (" + r.mmax_basis + ")") << "\n";
    if (r.expected) {
        std::cout << "  expected H latency " << fixed_text(r.expected->latency_ms) << " ms [" << r.expected->source
                  << "; leg length " << fixed_text(r.expected->leg_length_cm, 1) << " cm from " << r.expected->leg_length_from
                  << ", age " << fixed_text(r.expected->age_years, 0) << "]";
        if (r.h_latency_minus_expected_ms) std::cout << ", measured minus expected " << fixed_text(r.h_latency_minus_expected_ms) << " ms";
        std::cout << "\n";
    }
    if (r.recruitment.h.fitted) {
        std::cout << "  recruitment: H threshold " << fixed_text(r.recruitment.h.threshold_ma) << " mA, Hmax at "
                  << fixed_text(r.recruitment.h.intensity_at_hmax_ma) << " mA";
        if (r.recruitment.m.fitted) std::cout << ", M threshold " << fixed_text(r.recruitment.m.threshold_ma) << " mA";
        std::cout << " (threshold: " << fixed_text(100.0 * r.recruitment.threshold_fraction, 0) << "% of maximum)\n";
    }
    std::cout << "  sweeps used " << r.sweeps_used << ", excluded " << r.sweeps_excluded;
    if (r.sweeps_excluded) {
        std::cout << " (non-finite " << r.excluded_by_reason.non_finite << ", clipping " << r.excluded_by_reason.clipping
                  << ", artefact overload " << r.excluded_by_reason.artefact_overload << ")";
    }
    std::cout << "\n";
    for (const auto& n : r.notes) std::cout << "  note: " << n << "\n";
}

}  // namespace

int run_hreflex(const std::vector<std::string>& args) {
    po::options_description options("options");
    bool json = false;
    options.add_options()("json", po::bool_switch(&json), "print one JSON document instead of text")(
        "recording", po::value<std::string>(), "measure only this recording")(
        "file", po::value<std::string>(), "the layout-v1 study file (also accepted as the first argument)");
    po::positional_options_description positional;
    positional.add("file", 1);
    const auto vm = parse(
        args, "edx hreflex FILE [--recording NAME] [--json]",
        "Measures every H-reflex recording: M- and H-wave found from the data (no fixed windows), the H\n"
        "reported absent unless a test with a 0.1% false-positive rate finds it, onset latencies by\n"
        "the criterion of signals/norms/evoked_measurement.json, H/M, Hmax/Mmax (when the M-wave\n"
        "reached its plateau), the recruitment curve, and the expected latency from leg length and age\n"
        "(Braddom & Johnson 1974: coefficients unverified, and said so). Null where a value does not\n"
        "exist. With both legs, the side-to-side difference against its published limit.",
        options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing FILE");
    const LayoutReader reader(vm->at("file").as<std::string>());
    const std::string path = reader.path().string();
    std::vector<std::string> names;
    if (vm->count("recording")) {
        const std::string name = vm->at("recording").as<std::string>();
        const auto& all = reader.recording_names();
        if (std::find(all.begin(), all.end(), name) == all.end()) {
            throw InputError(path, "/recordings/" + name, "no such recording");
        }
        if (reader.header(name).info.kind != RecordingKind::h_reflex) {
            throw InputError(path, "/recordings/" + name,
                             "is of kind " + std::string(to_string(reader.header(name).info.kind)) + ", not h_reflex");
        }
        names.push_back(name);
    } else {
        for (const auto& name : reader.recording_names()) {
            if (reader.header(name).info.kind == RecordingKind::h_reflex) names.push_back(name);
        }
    }
    const Study& study = reader.study_info();
    std::vector<evoked::HReflexResult> results;
    for (const auto& name : names) {
        const Recording rec = reader.read(name);
        try {
            results.push_back(evoked::measure_h_reflex(rec, study.measures_for(rec)));
        } catch (const std::invalid_argument& e) {
            throw InputError(path, "/recordings/" + name, e.what());
        }
    }
    // The two legs: the first recording of each side with a latency.
    std::optional<evoked::SideToSideComparison> sides;
    const evoked::HReflexResult* left = nullptr;
    const evoked::HReflexResult* right = nullptr;
    for (const auto& r : results) {
        if (r.side == "left" && !left && r.h_latency_ms) left = &r;
        if (r.side == "right" && !right && r.h_latency_ms) right = &r;
    }
    if (left && right) {
        sides = evoked::compare_sides(*left->h_latency_ms, *right->h_latency_ms, study.subject.age_years);
    }
    // Why there is no comparison, when both legs were recorded.
    std::string no_sides;
    {
        bool has_left = false, has_right = false;
        for (const auto& r : results) {
            has_left = has_left || r.side == "left";
            has_right = has_right || r.side == "right";
        }
        if (!sides && has_left && has_right) {
            no_sides = std::string("not computed: no H latency on the ") +
                       (!left && !right ? "left or the right" : (!left ? "left" : "right")) +
                       " (H absent or not measurable)";
        }
    }

    if (json) {
        nlohmann::ordered_json out;
        out["file"] = path;
        out["notice"] = kDecisionSupportNotice;
        out["recordings"] = nlohmann::ordered_json::array();
        for (const auto& r : results) out["recordings"].push_back(evoked::to_json(r));
        if (sides) {
            out["side_to_side"] = evoked::to_json(*sides, left->recording, right->recording);
        } else {
            out["side_to_side"] = nullptr;
            if (!no_sides.empty()) out["side_to_side_note"] = no_sides;
        }
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << kDecisionSupportNotice << "\n\n";
    if (results.empty()) std::cout << "no h_reflex recordings in " << path << "\n";
    for (const auto& r : results) {
        print_text(r);
        std::cout << "\n";
    }
    if (sides) {
        std::cout << "side to side: " << fixed_text(sides->difference_ms) << " ms (" << left->recording << " vs " << right->recording
                  << "), limit " << fixed_text(sides->limit.limit_ms, 1) << " ms [" << sides->limit.source << ", "
                  << sides->limit.rule << "]: " << (sides->beyond_limit ? "BEYOND the limit" : "within the limit")
                  << "; classic 1.5 ms: " << (sides->beyond_classic_limit ? "beyond" : "within") << "\n";
    } else if (!no_sides.empty()) {
        std::cout << "side to side: " << no_sides << "\n";
    }
    return 0;
}

}  // namespace edx::cli
