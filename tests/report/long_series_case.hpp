// A case with one long H-reflex series (every sweep at rest, no position
// markers), analysed and ready for edx::report::case_report_html: what the
// rendering test and the report benchmark draw. No markers, because the FAIR
// estimate on thousands of sweeps is not what they look at.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "edx/io/study.hpp"
#include "edx/report/case_report.hpp"

namespace edx::test {

struct LongSeriesCase {
    Study study;
    nlohmann::ordered_json document;  // the results document, no diagnosis
    report::CaseReportInput input() const;
};

LongSeriesCase long_series_case(int sweeps, std::uint64_t seed, const std::string& subject);

}  // namespace edx::test
