// The motor nerve conduction ranges of signals/physiology/ncs.json for one
// nerve (peroneal to EDB, tibial to abductor hallucis), shared by the motor NCS
// and F-wave simulators. Private to the sim module.
#pragma once

#include <string>
#include <string_view>

#include "physiology_table.hpp"

namespace edx::sim::detail {

inline constexpr std::string_view ncs_table = "physiology/ncs.json";

struct MotorNorms {
    std::string nerve;
    std::string muscle;
    std::string distal_site;
    std::string proximal_site;
    double distal_distance_mm = 0.0;
    double proximal_segment_minus_leg_length_mm = 0.0;
    Distribution distal_latency_ms;
    Distribution amplitude_mv;  // for the subject's age
    Distribution cv_m_per_s;
};

// Throws std::invalid_argument naming the nerve if the table has no motor entry for it.
MotorNorms motor_norms(std::string_view nerve, double age_years);

}  // namespace edx::sim::detail
