#include "evoked_recording.hpp"

#include <sstream>
#include <stdexcept>

namespace edx::sim::detail {

Recording empty_sweep_recording(RecordingInfo info, double sweep_s, double pre_trigger_s,
                                std::vector<Stimulus> stimuli) {
    Recording r;
    const double fs = info.sample_rate_hz;
    r.info = std::move(info);
    r.form = SampleForm::sweeps;
    r.channels = 1;
    r.frames = static_cast<std::size_t>(std::llround(sweep_s * fs));
    r.pre_trigger_s = static_cast<double>(std::llround(pre_trigger_s * fs)) / fs;
    r.sweep_count = stimuli.size();
    r.stimuli = std::move(stimuli);
    r.samples.assign(r.frames * r.sweep_count, 0.0f);
    return r;
}

nlohmann::json truth_header(std::string_view simulator, const Recording& recording, std::uint64_t seed) {
    nlohmann::json t;
    t["simulator"] = simulator;
    t["truth_version"] = 1;
    t["seed"] = seed;
    t["recording"] = recording.info.name;
    t["kind"] = to_string(recording.info.kind);
    t["side"] = recording.info.side;
    t["sample_rate_hz"] = recording.info.sample_rate_hz;
    t["pre_trigger_s"] = recording.pre_trigger_s;
    t["sweep_s"] = static_cast<double>(recording.frames) / recording.info.sample_rate_hz;
    t["polarity_convention"] = "active minus reference: a negative phase has negative samples";
    t["latency_origin"] = "ms from the stimulus (its time in stimuli / sweep_times)";
    return t;
}

void check_acquisition(double sample_rate_hz, double sweep_s, double pre_trigger_s, const std::string& side) {
    if (!(sample_rate_hz >= 1000.0 && sample_rate_hz <= 200000.0)) {
        throw std::invalid_argument("sample_rate_hz must be in [1000, 200000] Hz");
    }
    if (!(sweep_s > 0.0 && sweep_s <= 10.0)) throw std::invalid_argument("sweep_s must be in (0, 10] s");
    if (!(pre_trigger_s >= 0.0 && pre_trigger_s < sweep_s)) {
        throw std::invalid_argument("pre_trigger_s must be >= 0 and shorter than sweep_s");
    }
    if (!side.empty() && side != "left" && side != "right")
        throw std::invalid_argument("side must be left, right or empty");
}

void check_optional(const std::optional<double>& v, const char* field, double lo, double hi) {
    if (v && !(*v >= lo && *v <= hi)) {
        std::ostringstream out;
        out << field << " must be in [" << lo << ", " << hi << "], not " << *v;
        throw std::invalid_argument(out.str());
    }
}

}  // namespace edx::sim::detail
