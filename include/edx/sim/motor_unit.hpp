// Motor units as the needle sees them: a unit's fibres scattered over its
// territory around the needle, each with its diameter, conduction velocity and
// arrival time, summed into the unit's MUAP template. Normal, neuropathic
// (collateral reinnervation: more fibres, clustered, dispersed in time) and
// myopathic (fibre loss, variable diameters) units differ only in the anatomy
// drawn, so their MUAPs differ the way real ones do. Ranges: signals/physiology/needle_emg.json.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/sim/fibre_potential.hpp"
#include "edx/sim/interval.hpp"
#include "edx/sim/potential_template.hpp"
#include "edx/sim/random.hpp"

namespace edx::sim {

enum class MuapClass { normal, neuropathic, myopathic };

std::string_view to_string(MuapClass muap_class) noexcept;
std::optional<MuapClass> parse_muap_class(std::string_view text) noexcept;

// The ranges a unit's anatomy is drawn from.
struct MotorUnitModel {
    MuapClass muap_class = MuapClass::normal;
    double fibre_count_median = 329.0;  // before reinnervation or loss; log-normal
    double fibre_count_log_sd = 0.35;
    Interval fibre_count_limits{40.0, 2000.0};
    Interval territory_radius_mm{3.0, 5.0};
    double needle_position_fraction = 0.8;  // needle within this fraction of the radius from the centre
    double fibre_diameter_mean_um = 55.0;   // normal, truncated to the limits
    double fibre_diameter_sd_um = 6.0;
    Interval fibre_diameter_limits_um{15.0, 120.0};
    Interval endplate_distance_mm{5.0, 25.0};  // needle to the unit's end-plate zone, along the fibres
    double endplate_scatter_sd_mm = 1.2;
    double terminal_delay_sd_ms = 0.1;
    Interval reinnervation_factor{1.0, 1.0};  // fibres after reinnervation per original fibre
    double adopted_cluster_sd_mm = 0.25;
    double sprout_delay_mean_ms = 0.0;
    Interval fibre_loss_fraction{0.0, 0.0};
    ConcentricNeedle needle;  // shaft angle drawn per unit

    // The class's ranges from signals/physiology/needle_emg.json.
    static MotorUnitModel from_table(MuapClass muap_class);
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

// One drawn unit: its fibres relative to the needle and what was drawn.
struct MotorUnit {
    MuapClass muap_class = MuapClass::normal;
    std::vector<MuscleFibre> fibres;
    ConcentricNeedle needle;
    double territory_radius_mm = 0.0;
    double needle_offset_mm = 0.0;      // needle to territory centre
    double endplate_distance_mm = 0.0;
    std::size_t original_fibres = 0;    // before reinnervation and loss
    double reinnervation_factor = 1.0;
    double fibre_loss_fraction = 0.0;

    // The distances and sizes the truth reports (no fibre list).
    nlohmann::json anatomy_json() const;
};

MotorUnit draw_motor_unit(const MotorUnitModel& model, Random& random);

// The unit's MUAP: the sum of its fibre potentials at sample_rate_hz * oversampling.
PotentialTemplate render_muap(const MotorUnit& unit, double sample_rate_hz, int oversampling);

}  // namespace edx::sim
