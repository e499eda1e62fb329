// The diagnosis as the CLI and the results file show it: one JSON document
// (the output contract of `edx diagnose --json`) and a text report for people.
// Both open with the decision-support notice and put red flags first.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "edx/diagnosis/evidence_model.hpp"
#include "edx/diagnosis/inference.hpp"

namespace edx::diagnosis {

// {notice, case_id, model, referral_context, probabilities_apply, red_flags,
//  posterior: {hypothesis: {mean, ci95: [lo, hi], point, prior}}, leading,
//  subtypes: {subtype: {given_dgs: {mean, ci95, point, prior}, overall: {mean, ci95, point}}},
//  contributions: [{finding, label, observed, origin, group, favours, against,
//                   likelihood_ratios: {dgs_vs_radiculopathy, dgs_vs_other, radiculopathy_vs_other}, weight_log10}],
//  not_counted: [{finding, origin, reason}], next_steps: [{id, text, sources, why}],
//  assumptions: [{text, sources}], notes, prior_sensitivity: {context: P(DGS)},
//  sources: {key: citation} (those cited), monte_carlo: {samples, seed}}
nlohmann::ordered_json to_json(const Diagnosis& diagnosis, const EvidenceModel& model = EvidenceModel::bundled());

// full: everything, as edx diagnose prints it. summary: without the list of
// assumptions and of findings not counted (their number is given), for edx analyze.
enum class TextDetail { full, summary };
std::string to_text(const Diagnosis& diagnosis, TextDetail detail = TextDetail::full);

// The evidence model as a table for people (`edx diagnose --model`): priors by
// referral context, subtype priors, and for every finding and hypothesis
// P(positive), its 95% interval, the source and the status of the mapping.
std::string model_text(const EvidenceModel& model);

}  // namespace edx::diagnosis
