// The JSON form of the evoked-response results: the output contract of
// `edx hreflex` and `edx ncs`, and their part of the results document `edx
// analyze` stores. A value that does not exist is null, never NaN.
#pragma once

#include <nlohmann/json.hpp>

#include "edx/evoked/f_wave.hpp"
#include "edx/evoked/h_norms.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/evoked/ncs.hpp"

namespace edx::evoked {

nlohmann::ordered_json to_json(const HReflexResult& result);
nlohmann::ordered_json to_json(const NcsMeasure& measure);
nlohmann::ordered_json to_json(const ConductionVelocity& velocity);
nlohmann::ordered_json to_json(const FWaveResult& result);
// With the recordings the two latencies came from.
nlohmann::ordered_json to_json(const SideToSideComparison& comparison, const std::string& left_recording,
                               const std::string& right_recording);

}  // namespace edx::evoked
