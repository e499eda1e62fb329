// Which analyses a study supports, decided from its recordings' metadata and
// markers alone (no samples), so `edx analyze` can say what it will do, and
// why a measurement is missing, before reading a single sweep.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "edx/io/layout_reader.hpp"

namespace edx::analysis {

enum class AnalysisKind {
    h_reflex,             // M/H identification, H latency, H/M ratio, recruitment
    fair_delay,           // dynamic H-wave delay between anatomic and FAIR positions
    h_side_to_side,       // H latency difference between legs
    motor_ncs,            // CMAP latency, amplitude, duration, area
    conduction_velocity,  // from two stimulation sites of one nerve and muscle
    f_wave,               // minimal/mean latency, persistence, chronodispersion
    sensory_ncs,          // SNAP latency and amplitude
    spontaneous_activity, // fibrillations, positive sharp waves, fasciculations, CRDs at rest
    muap,                 // motor unit potentials and recruitment at minimal effort
    localisation,         // lesion site from the per-muscle pattern and the SNAPs
    diagnosis,            // fusion with the clinical findings
};

std::string_view to_string(AnalysisKind kind) noexcept;

struct PlannedAnalysis {
    AnalysisKind kind;
    std::vector<std::string> recordings;  // the recordings it reads
    std::string reason;                   // why it applies, in words a clinician reads
};

// Analyses that do not apply although their kind of recording is present,
// with the reason (e.g. an H-reflex recording without position markers has no FAIR delay).
struct SkippedAnalysis {
    AnalysisKind kind;
    std::vector<std::string> recordings;
    std::string reason;
};

struct AnalysisPlan {
    std::vector<PlannedAnalysis> planned;
    std::vector<SkippedAnalysis> skipped;
};

AnalysisPlan plan_analyses(const std::vector<RecordingHeader>& recordings, bool has_clinical_findings);

}  // namespace edx::analysis
