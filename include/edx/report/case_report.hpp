// The HTML report of one case, from what `edx analyze --out` stores: the
// recordings and the results document. H-reflex waveforms with latency cursors,
// the FAIR latency time course with its markers and the delay, nerve conduction,
// needle EMG per muscle with the localisation, and the diagnosis with its reasons.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "edx/io/study.hpp"

namespace edx::report {

struct CaseReportInput {
    const nlohmann::ordered_json* document = nullptr;  // /results/document (analysis::results_document + file, diagnosis)
    const Study* study = nullptr;                       // its recordings (waveforms, position markers)
    std::string source;                                 // the file, for errors and the header
    std::string generated_utc;                          // when the report was made (ISO-8601), shown in the header
};

// The page. Sections the document lacks say why ("no FAIR recording in this
// study"). Throws edx::InputError(source, "/results/document...", rule) when the
// document is not a version-1 results document or a section has the wrong shape.
std::string case_report_html(const CaseReportInput& input);

}  // namespace edx::report
