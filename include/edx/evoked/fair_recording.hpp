// The FAIR analysis of a recorded H-reflex series: the per-sweep H onset
// latencies measured by measure_h_reflex (h_reflex.hpp) and the recording's
// position=<value> markers, turned into the time course fair_analysis.hpp takes.
#pragma once

#include "edx/evoked/fair_analysis.hpp"
#include "edx/evoked/fair_time_course.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/io/recording.hpp"

namespace edx::evoked {

// Every sweep of `measured` (excluded ones included, with their reason; a
// sweep without an H-wave has no latency) and every position marker of `recording`.
FairTimeCourse fair_time_course(const Recording& recording, const HReflexResult& measured);

// True when the recording has a position=<options.fair_position> marker: the FAIR analysis applies.
bool has_fair_protocol(const Recording& recording, const FairOptions& options = {});

// measure_h_reflex, then analyze_fair. Throws std::invalid_argument as they do.
FairAnalysis analyze_fair_recording(const Recording& recording, const SubjectMeasures& subject,
                                    const FairOptions& options = {}, const HReflexOptions& h_options = {});

}  // namespace edx::evoked
