// The potential a concentric needle records from one muscle fibre as its action
// potential propagates past: Rosenfalck's intracellular profile as a line source
// in anisotropic muscle, recorded by the needle's core minus its cannula.
// Fibrillations, MUAPs, fasciculations and complex repetitive discharges are sums of these.
//
// Geometry: fibres run along z, perpendicular to the muscle cross-section (x, y)
// in which the needle lies, its core at the origin and its shaft (the cannula)
// running away from the core at shaft_angle_rad. Polarity: active (core) minus
// reference (cannula), in uV: a fibre potential is positive, then sharply
// negative, then slowly positive as the front approaches, passes and leaves.
#pragma once

#include <span>
#include <utility>

namespace edx::sim {

struct ConcentricNeedle {
    double core_radius_mm = 0.3;      // effective: a fibre at transverse distance r is seen at sqrt(r^2 + core^2)
    double cannula_radius_mm = 0.23;  // same, for the cannula's points
    double cannula_start_mm = 0.4;    // the cannula is the mean over points from start to start + length
    double cannula_length_mm = 4.0;   // along the shaft, behind the core
    int cannula_points = 8;           // 0 records core against a distant reference (monopolar)
    double shaft_angle_rad = 0.0;

    // The defaults of signals/physiology/needle_emg.json ("needle").
    static ConcentricNeedle from_table();
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

struct MuscleFibre {
    double x_mm = 0.0;  // position in the cross-section, needle core at the origin
    double y_mm = 0.0;
    double diameter_um = 55.0;
    double velocity_m_per_s = 3.7;  // conduction velocity; m/s is mm/ms
    double arrival_ms = 0.0;        // when the depolarisation front crosses the core's cross-section
};

// Conduction velocity of a healthy fibre of this diameter (linear relation of the table).
double fibre_velocity_m_per_s(double diameter_um);

// The span of time, relative to arrival_ms, outside which a fibre's potential is
// exactly zero (the model's front runs from front_lead_mm before the needle to
// front_trail_mm past it, tapered to zero at both ends).
std::pair<double, double> fibre_potential_support_ms(double velocity_m_per_s);

// Potential (uV, times the table's potential_scale) at transverse distance r_mm
// (already including any electrode radius) of a fibre of this diameter whose
// front is u_mm past the electrode's cross-section (negative: still
// approaching), against a distant reference.
double line_source_potential_uv(double r_mm, double u_mm, double diameter_um);

// Adds the fibre's potential recorded by `needle` (core minus cannula) to
// `out`, whose sample i lies at t0_ms + 1000 i / sample_rate_hz.
void add_fibre_potential(std::span<double> out, double sample_rate_hz, double t0_ms, const MuscleFibre& fibre,
                         const ConcentricNeedle& needle);

}  // namespace edx::sim
