// The FAIR delay of each manifest row, measured exactly as `edx fair` measures
// a recording (measure_h_reflex with the study's anthropometrics, the time
// course, analyze_fair), on a pool of worker threads. Each worker opens its
// row's file, analyses the recording and keeps only the small estimate, so
// memory does not grow with the recordings' size or number.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/study/fair_manifest.hpp"

namespace edx::study {

enum class RowOutcome {
    measured,       // a FAIR delay with its interval
    indeterminate,  // analysed, but the FAIR analysis had too few sweeps for a delay (estimate says which)
    rejected,       // the row could not be analysed (file, recording, protocol): `reason`
};
std::string_view to_string(RowOutcome outcome) noexcept;

struct RowMeasurement {
    RowOutcome outcome = RowOutcome::rejected;
    std::string reason;     // rejected or indeterminate: why, in words
    std::string recording;  // the recording analysed (named in the manifest or found)
    std::string side;
    evoked::FairEstimate estimate;  // measured and indeterminate rows
};

// One row: opens row.path, picks the recording (the one named, or the file's
// only h_reflex recording with a position=<fair> marker), analyses it. Never
// throws for bad input: a missing or unreadable file, a missing recording, a
// recording that is not an H-reflex or has no FAIR marker, or a measurement
// that refuses the data give a rejected row with the reason.
RowMeasurement measure_row(const ManifestRow& row, const evoked::FairOptions& options);

struct MeasurementProgress {
    std::size_t done = 0;
    std::size_t total = 0;
    std::size_t rejected = 0;
    std::size_t indeterminate = 0;
};

// Every row, on `threads` threads (0: one per core; never more than rows).
// Results in row order. `progress` (may be empty) is called after each row,
// from the worker threads but never from two at once; it must not throw.
std::vector<RowMeasurement> measure_rows(const std::vector<ManifestRow>& rows, const evoked::FairOptions& options,
                                         int threads = 0,
                                         const std::function<void(const MeasurementProgress&)>& progress = {});

}  // namespace edx::study
