// The needle-EMG section of `edx emg` and `edx analyze` as text, and the
// --snap option both take: what the analysis found, per recording and per
// side, in lines a clinician reads.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "edx/emg/needle_emg_analysis.hpp"

namespace edx::cli {

// Parses NERVE:SIDE:RATIO or NERVE:SIDE:reduced|normal; throws UsageError naming the text.
emg::SnapFinding parse_snap(const std::string& text);

void print_emg_text(std::ostream& out, const emg::StudyEmgResult& result);
// One line per muscle and the three leading sites, for edx analyze.
void print_emg_summary(std::ostream& out, const emg::StudyEmgResult& result);

}  // namespace edx::cli
