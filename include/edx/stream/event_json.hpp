// The JSON of the events a session emits (spec/stream-protocol-v1.md, section
// 3) and of the results it keeps: one object per line, `null` wherever a value
// does not exist, never NaN or infinity.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "edx/evoked/fair_estimate.hpp"
#include "edx/evoked/f_wave.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/evoked/ncs.hpp"
#include "edx/io/recording.hpp"

namespace edx::stream {

using Json = nlohmann::ordered_json;

// A number, or null when unset or not finite.
Json number_or_null(std::optional<double> value);
Json number_or_null(double value);

// The measurements of one H-reflex sweep as a `sweep` event carries them:
// intensity_ma, position, excluded, exclusion_reason, m_latency_ms,
// m_amplitude_mv, h_latency_ms, h_amplitude_mv (latency = the sweep's onset).
Json h_sweep_fields(const evoked::HSweepMeasure& sweep);
// A whole measurement (what `summary` carries per H-reflex channel), per-sweep list included.
Json h_reflex_json(const evoked::HReflexResult& result);
// One F-wave sweep: excluded, exclusion_reason, f_latency_ms, f_amplitude_mv, f_peak_to_peak_mv.
Json f_sweep_fields(const evoked::FSweepMeasure& sweep);
// A whole F-wave measurement (per-sweep list included).
Json f_wave_json(const evoked::FWaveResult& result);
// An NCS measurement of the aligned response: present, onset_latency_ms,
// peak_latency_ms, amplitude_mv, peak_to_peak_mv, negative_duration_ms,
// negative_area_mv_ms, sweeps_used (what an NCS `sweep` event carries).
Json ncs_fields(const evoked::NcsMeasure& measure);
Json ncs_json(const evoked::NcsMeasure& measure);
// The measurement fields a `sweep` event of this kind carries (null when not measured).
std::vector<std::string> sweep_field_names(RecordingKind kind);

// What a `fair_delay` event carries: status, delay_ms, ci95_ms [lo, hi],
// n_anatomic, n_fair, n_plateau, positive, significant, p_value, medians, onset.
Json fair_delay_fields(const evoked::FairEstimate& estimate);

// Copies every field of `fields` (an object) into `event`, in order.
void merge_fields(Json& event, const Json& fields);

// One line of JSON, no newline.
std::string event_line(const Json& event);

}  // namespace edx::stream
