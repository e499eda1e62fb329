#include "motor_norms.hpp"

#include <stdexcept>

namespace edx::sim::detail {

MotorNorms motor_norms(std::string_view nerve, double age_years) {
    const std::string base = "/motor/" + std::string(nerve);
    if (nerve != "peroneal" && nerve != "tibial") {
        throw std::invalid_argument("nerve must be peroneal or tibial, not '" + std::string(nerve) + "'");
    }
    MotorNorms n;
    n.nerve = nerve;
    n.muscle = text(ncs_table, base + "/muscle");
    n.distal_site = text(ncs_table, base + "/distal_site");
    n.proximal_site = text(ncs_table, base + "/proximal_site");
    n.distal_distance_mm = value(ncs_table, base + "/distal_distance_mm");
    n.proximal_segment_minus_leg_length_mm = value(ncs_table, base + "/proximal_segment_minus_leg_length_mm");
    n.distal_latency_ms = distribution(ncs_table, base + "/distal_latency_ms");
    n.cv_m_per_s = distribution(ncs_table, base + "/cv_m_per_s");
    if (nerve == "peroneal") {
        const double split = value(ncs_table, "/motor/common/amplitude_under_40_age_years");
        n.amplitude_mv = distribution(
            ncs_table, base + (age_years < split ? "/amplitude_mv_under_40" : "/amplitude_mv_40_and_over"));
    } else {
        const double middle = value(ncs_table, base + "/middle_age_from_years");
        const double old = value(ncs_table, base + "/old_age_from_years");
        n.amplitude_mv = distribution(ncs_table, base + (age_years < middle ? "/amplitude_mv_young"
                                                         : age_years < old  ? "/amplitude_mv_middle"
                                                                            : "/amplitude_mv_old"));
    }
    return n;
}

}  // namespace edx::sim::detail
