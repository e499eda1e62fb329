// The clinical case file of a simulated patient whose true condition is known:
// history, examination and imaging results drawn from the published test
// accuracies in signals/physiology/clinical_findings.json (never from the
// diagnosis model's evidence file), written in the case schema the diagnosis
// reads (version 1, signals/examples/README-case-schema.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/sim/study_sim.hpp"

namespace edx::sim {

// Ids as the leaves of the diagnosis evidence model.
enum class ClinicalCondition {
    piriformis,
    gemelli_obturator_internus,
    ischiofemoral_impingement,
    proximal_hamstring,
    pudendal_entrapment,
    other_sciatic_entrapment,
    l5_radiculopathy,
    s1_radiculopathy,
    other,
};

std::string_view to_string(ClinicalCondition condition) noexcept;
std::optional<ClinicalCondition> parse_clinical_condition(std::string_view text) noexcept;
const std::vector<ClinicalCondition>& all_clinical_conditions();

// The lesion the recording simulator gives the condition: a sciatic lesion in
// the deep gluteal space for the sciatic subtypes, a root lesion for L5/S1, and
// none for pudendal entrapment (the sciatic EDX is normal) and for other causes.
LesionSite lesion_site_of(ClinicalCondition condition) noexcept;

struct ClinicalCaseSpec {
    ClinicalCondition condition = ClinicalCondition::other;
    std::string side = "left";                   // symptomatic side
    std::string referral_context = "all_sciatica";
    std::string case_id;
    std::optional<double> age_years;             // unset: drawn
    std::optional<std::string> sex;              // "female" / "male"; unset: drawn
    double examination_done_probability = 1.0;   // each examination test, independently
    double history_known_probability = 1.0;      // each history question
    double lumbar_mri_done_probability = 1.0;
    double pelvic_mri_done_probability = 0.0;
    void validate() const;  // throws std::invalid_argument naming the field
};

struct SimulatedClinicalCase {
    nlohmann::json document;  // the case file, without electrodiagnosis (that comes from the recordings)
    // {"condition", "probabilities": {field: P(positive) this patient had}}
    nlohmann::json truth;
};

// Deterministic: each field draws from its own stream of `seed`, so adding a
// test to the table leaves the other draws unchanged.
SimulatedClinicalCase simulate_clinical_case(const ClinicalCaseSpec& spec, std::uint64_t seed);

}  // namespace edx::sim
