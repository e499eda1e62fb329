// The call on one muscle from its motor units: normal, neuropathic,
// myopathic or insufficient data, with the reasons, by the rules of
// signals/norms/muap_analysis_criteria.json. Recruitment (the fastest firing
// rate, Recruit24) is judged at every site; MUAP size is compared with the
// normal limits that apply to the muscle and needle (only tibialis anterior,
// concentric, is sourced: other muscles use them as an assumption, monopolar
// recordings are not compared), and the output names the limits used and
// their status.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edx/emg/motor_unit_analysis.hpp"

namespace edx::emg {

enum class NeedleType { concentric, monopolar };

std::string_view to_string(NeedleType needle) noexcept;
std::optional<NeedleType> parse_needle_type(std::string_view text) noexcept;

enum class MuscleCall { normal, neuropathic, myopathic, insufficient_data };

std::string_view to_string(MuscleCall call) noexcept;
std::optional<MuscleCall> parse_muscle_call(std::string_view text) noexcept;

// The normal limits applied to one muscle and needle.
struct NormalLimits {
    std::string reference_set;  // e.g. "tibialis_anterior_concentric", or "none"
    std::string status;         // of applying them to this muscle: verified, assumption ...
    std::string source;
    std::string note;
    std::optional<double> amplitude_uln_uv, amplitude_lln_uv;
    std::optional<double> duration_uln_ms, duration_lln_ms;
    std::optional<double> polyphasic_uln_percent;
    bool size_limits() const noexcept { return amplitude_uln_uv.has_value(); }
};

NormalLimits normal_limits(const std::string& muscle, NeedleType needle);

struct CallCriteria {
    double fastest_rate_uln_hz = 15.0;
    int early_min_units = 4;
    double early_max_ratio_hz = 2.5;  // recruitment ratio (fastest rate / units) at or below: early
    int size_min_units = 3;

    static CallCriteria from_table();
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct MuscleCallResult {
    MuscleCall call = MuscleCall::insufficient_data;
    std::vector<std::string> reasons;   // the findings the call rests on, with their sources
    std::vector<std::string> notes;     // criteria that could not be applied, and why
    NormalLimits limits;
    bool reduced_recruitment = false;
    bool early_recruitment = false;
};

MuscleCallResult call_muscle(const MotorUnitSummary& summary, const std::string& muscle, NeedleType needle,
                             const CallCriteria& criteria);

}  // namespace edx::emg
