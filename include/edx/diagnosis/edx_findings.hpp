// The electrodiagnostic input of the diagnosis: the markers the evoked-response
// and needle-EMG analyses report for the symptomatic leg, as plain data (each
// unset = not done or not decidable), read from an `edx analyze` results
// document or entered by the clinician in the case file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::diagnosis {

// The FAIR H-wave delay verdict of one leg (FAIR minus anatomic H latency).
struct FairDelayFinding {
    bool positive = false;               // delay >= the criterion (1.86 ms, Fish02b)
    std::optional<double> delay_ms;      // the estimate, when reported
    std::optional<double> ci95_lo_ms;    // its 95% interval, when reported (both or neither)
    std::optional<double> ci95_hi_ms;
    std::optional<bool> significant;     // the delay differs from zero (rank-sum test)
    std::string side;                    // "left" / "right" / "" when not stated
};

struct EdxFindings {
    std::optional<FairDelayFinding> fair_delay;
    // Denervation confined to peroneal-division muscles, short head of biceps
    // femoris included, with the paraspinal and gluteal muscles spared.
    std::optional<bool> peroneal_division_denervation_pattern;
    std::optional<bool> paraspinal_spontaneous_activity;  // fibrillations / positive sharp waves
    std::optional<bool> gluteal_involvement;              // gluteus medius / maximus / TFL denervated
    std::optional<bool> sural_snap_reduced;               // symptomatic side, reduced or absent
    std::optional<bool> superficial_peroneal_snap_reduced;
    // H on the symptomatic side later than the other beyond the normal limit, or absent.
    std::optional<bool> h_side_to_side_abnormal;

    bool empty() const noexcept;
    // How many markers are known (FAIR counted as one).
    int known_count() const noexcept;
};

// Reads the markers of leg `side` ("left" or "right") from a results document.
// Expected shape (every key of a side optional; null or absent = not done):
//
//   { ...,
//     "edx_findings": {
//       "version": 1,
//       "left":  { "fair_delay": <FAIR analysis of that leg> | null,
//                  "peroneal_division_denervation_pattern": true | false | null,
//                  "paraspinal_spontaneous_activity": ..., "gluteal_involvement": ...,
//                  "sural_snap_reduced": ..., "superficial_peroneal_snap_reduced": ...,
//                  "h_side_to_side_abnormal": ... },
//       "right": { ... } } }
//
// fair_delay is the object edx::evoked::to_json(FairAnalysis) writes; the keys
// read are "status" ("ok" or "insufficient_data": the latter counts as not
// done), "positive", "delay_ms", "delay_ci95_ms" ([lo, hi] or null),
// "significant" and "side"; its other keys are ignored. A document without
// "edx_findings", or without the side, gives empty findings. Unknown keys in
// edx_findings or in a side object, wrong types and a version other than 1
// throw std::invalid_argument naming the key path (e.g.
// "edx_findings.left.gluteal_involvement: must be true, false or null").
EdxFindings edx_findings_from_results(const nlohmann::json& results_document, std::string_view side);

// The document shape above for one leg (what edx_findings_from_results reads).
nlohmann::ordered_json to_results_json(const EdxFindings& findings);

// Both sources for one case: the clinician's entries (case file) win over the
// engine's analysis, and every marker where they differ is listed.
struct MergedEdxFindings {
    EdxFindings findings;
    std::vector<std::string> overridden;  // e.g. "gluteal_involvement: case file says negative, analysis positive"
};
MergedEdxFindings merge_edx_findings(const EdxFindings& clinician, const EdxFindings& analysis);

}  // namespace edx::diagnosis
