// The HTML report of a FAIR validation study (edx fair-study --html): counts,
// accuracy of the criterion, the ROC curve, the delay of each subject by
// reference diagnosis, and the delay against symptom duration.
#pragma once

#include <string>

#include "edx/study/fair_study.hpp"

namespace edx::report {

std::string study_report_html(const study::FairStudyResult& result, const std::string& generated_utc);

}  // namespace edx::report
