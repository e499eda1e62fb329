#include "edx/sim/muap_parameters.hpp"

namespace edx::sim {

nlohmann::json to_json(const MuapParameters& p) {
    return {{"amplitude_uv", p.amplitude_uv}, {"peak_uv", p.peak_uv},       {"duration_ms", p.duration_ms},
            {"onset_ms", p.onset_ms},         {"offset_ms", p.offset_ms},   {"phases", p.phases},
            {"turns", p.turns},               {"area_uv_ms", p.area_uv_ms}, {"rise_time_ms", p.rise_time_ms},
            {"first_phase_positive", p.first_phase_positive}};
}

}  // namespace edx::sim
