// What every simulator returns: a recording in the layout's model, and the
// truth it was built from (every latency, delay, discharge and parameter), in
// the JSON form written to the truth sidecar beside the HDF5 file.
#pragma once

#include <nlohmann/json.hpp>

#include "edx/io/recording.hpp"

namespace edx::sim {

struct SimulatedRecording {
    Recording recording;
    nlohmann::json truth;  // object; keys with units in their names (latency_ms, amplitude_mv)
};

}  // namespace edx::sim
