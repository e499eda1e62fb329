#include "edx/evoked/fair_recording.hpp"

#include <string>

namespace edx::evoked {

FairTimeCourse fair_time_course(const Recording& recording, const HReflexResult& measured) {
    FairTimeCourse c;
    c.name = measured.recording.empty() ? recording.info.name : measured.recording;
    c.side = recording.info.side;
    for (const auto& m : recording.markers) {
        if (const auto position = m.value_of("position")) c.markers.push_back({m.time_s, std::string(*position)});
    }
    for (const auto& s : measured.sweeps) {
        FairSweep f;
        f.sweep_index = s.sweep_index;
        f.time_s = s.time_s;
        f.position = s.position;
        f.excluded = s.excluded;
        f.exclusion_reason = s.exclusion_reason;
        if (!s.excluded) f.h_latency_ms = s.h_onset_ms;
        c.sweeps.push_back(std::move(f));
    }
    return c;
}

bool has_fair_protocol(const Recording& recording, const FairOptions& options) {
    for (const auto& m : recording.markers) {
        if (m.value_of("position") == std::optional<std::string_view>(options.fair_position)) return true;
    }
    return false;
}

FairAnalysis analyze_fair_recording(const Recording& recording, const SubjectMeasures& subject,
                                    const FairOptions& options, const HReflexOptions& h_options) {
    options.validate();
    const HReflexResult measured = measure_h_reflex(recording, subject, h_options);
    return analyze_fair(fair_time_course(recording, measured), options);
}

}  // namespace edx::evoked
