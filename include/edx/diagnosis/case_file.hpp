// The clinical case file (JSON, schema version 1): patient context, referral
// context, history, examination, imaging and, optionally, electrodiagnostic
// markers entered by the clinician. The schema is documented in
// signals/examples/README-case-schema.md; parse_case enforces it and names the
// field of any violation.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/diagnosis/edx_findings.hpp"
#include "edx/diagnosis/evidence_model.hpp"

namespace edx::diagnosis {

enum class TestResult { not_done, positive, negative };
enum class Answer { unknown, yes, no };

std::string_view to_string(TestResult r) noexcept;  // "not_done", "positive", "negative"
std::string_view to_string(Answer a) noexcept;      // "unknown", "yes", "no"

struct ClinicalCase {
    std::string source;   // file the case was read from (for messages)
    std::string case_id;  // optional pseudonymous id

    // patient
    std::optional<double> age_years;
    std::string sex = "unknown";  // female, male, unknown
    std::string symptomatic_side; // left, right

    // referral: a context of the evidence model, or "custom" with its own priors
    std::string referral_context;
    std::map<std::string, double> custom_priors;  // top-level hypothesis -> prior, only with "custom"

    // history: every history question of the schema (unknown when absent)
    std::optional<double> symptom_duration_weeks;
    std::map<std::string, Answer> history;

    // examination: every test of the schema (not_done when absent)
    std::map<std::string, TestResult> examination;
    std::string tenderness_location = "not_done";  // sciatic_notch, lateral_ischium, medial_ischium, none, not_done

    // imaging: lumbar_mri positive = a compressive lesion corresponding to the symptoms
    std::map<std::string, TestResult> imaging;

    EdxFindings electrodiagnosis;  // entered by the clinician; wins over an analysis

    // The entry for a schema field, with its "absent" value when the map lacks
    // it (a case built in code need not list every field).
    Answer answer(std::string_view question) const;           // history
    TestResult examined(std::string_view test) const;         // examination
    TestResult imaged(std::string_view finding) const;        // imaging
};

// One field of the schema, for documentation and the tests that keep the
// schema, the evidence model and the documentation in step.
struct CaseField {
    std::string path;         // e.g. "examination.seated_piriformis_stretch"
    std::string values;       // e.g. "positive | negative | not_done"
    std::string finding;      // evidence-model finding or red flag it feeds ("" when none)
    std::string description;
};
const std::vector<CaseField>& case_schema();

// Validates and reads a case document. Unknown keys, wrong types and values
// outside an enumeration throw edx::InputError(source, field path, rule), e.g.
// "case.json: examination.seated_piriformis_stretch: must be positive, negative or not_done".
// Referral contexts and hypotheses (for custom priors) are those of `model`.
ClinicalCase parse_case(const nlohmann::json& document, const std::string& source,
                        const EvidenceModel& model = EvidenceModel::bundled());
// Reads and parses a case file; a file that cannot be read or is not JSON throws InputError too.
ClinicalCase read_case_file(const std::filesystem::path& file, const EvidenceModel& model = EvidenceModel::bundled());

// The case as a schema-v1 document (absent fields omitted); parse_case(to_json(c)) gives c back.
nlohmann::ordered_json to_json(const ClinicalCase& c);

}  // namespace edx::diagnosis
