// Test support: the EMGlab record R00108 decomposed by the analysis and
// matched to the expert's decomposition, computed once per test program.
#pragma once

#include <optional>
#include <vector>

#include "edx/emg/muap_decomposition.hpp"
#include "edx/io/recording.hpp"
#include "emg/wfdb_record.hpp"

namespace edx::test {

struct ExpertUnitMatch {
    int expert_unit = 0;
    std::size_t firings = 0;
    int unit = -1;              // index into the decomposition's units, -1 unmatched
    double correlation = 0.0;   // of the waveforms (ours sampled at the record's rate)
    std::size_t found = 0;      // expert firings with one of ours within 0.5 ms (after the offset)
    double offset_ms = 0.0;     // median offset of ours from the expert's firing times
};

struct R00108Run {
    Recording recording;
    ExpertDecomposition expert;
    emg::Decomposition decomposition;
    std::vector<ExpertUnitMatch> matches;  // one per expert unit
};

// nullopt when the record is absent (the caller WARNs r00108_absent_message() and returns).
const std::optional<R00108Run>& r00108_run();

// Expert units matched by template: our unit whose waveform correlates best
// (>= 0.9) with the expert template, each of ours used once, best first.
int matched_by_template(const R00108Run& run);

}  // namespace edx::test
