// A study is one layout-v1 file: every recording of one subject's work-up,
// with the subject's metadata and, optionally, the clinical findings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edx/io/recording.hpp"

namespace edx {

struct Study {
    std::string subject_id;     // pseudonymous code, never a name; may be empty
    std::string session_start;  // ISO-8601 as written; may be empty
    SubjectMeasures subject;    // root-level anthropometrics
    std::vector<Recording> recordings;
    std::optional<std::string> clinical_findings_json;  // /clinical attr findings, verbatim
    // What `edx analyze` found, as a JSON document in /results/document. A
    // results file is a layout-v1 study with this beside the recordings, so
    // every edx command (and a report) reads waveforms and results from one file.
    std::optional<std::string> results_json;

    const Recording* find(std::string_view name) const noexcept;
    // The recording's anthropometrics, completed from the study's.
    SubjectMeasures measures_for(const Recording& recording) const;
};

}  // namespace edx
