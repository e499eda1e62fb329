// How the simulator's truth measures a needle potential (a MUAP, a
// fibrillation, a positive sharp wave): with the needle-EMG analysis's own
// measure (edx/emg/muap_measurement.hpp, criteria of
// signals/norms/muap_norms.json) applied to the noiseless waveform, so the
// truth and the analysis use one criterion in one piece of code.
#pragma once

#include <nlohmann/json.hpp>

#include "edx/emg/muap_measurement.hpp"

namespace edx::sim {

using MuapCriteria = emg::MuapCriteria;
using MuapParameters = emg::MuapParameters;
using emg::measure_muap;

// The parameters as the truth writes them.
nlohmann::json to_json(const MuapParameters& parameters);

}  // namespace edx::sim
