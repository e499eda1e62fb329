// How the M-wave and the H-reflex grow with stimulus intensity: Boltzmann
// sigmoids for the fraction of motor axons excited directly (M) and for the
// unoccluded reflex drive (H, lower threshold), with the recorded H occluded by
// antidromic collision as M grows, so H rises, peaks and falls while M plateaus.
#pragma once

#include <nlohmann/json.hpp>

namespace edx::sim {

class StimulusRecruitment {
public:
    // Intensities at half activation and Boltzmann slopes, in mA. Throws
    // std::invalid_argument naming the parameter if one is not positive.
    StimulusRecruitment(double h50_ma, double h_slope_ma, double m50_ma, double m_slope_ma);

    double m_fraction(double intensity_ma) const noexcept;  // M / Mmax, in [0, 1]
    double h_drive(double intensity_ma) const noexcept;     // unoccluded reflex drive, in [0, 1]
    double h_fraction(double intensity_ma) const noexcept;  // H / Hmax, in [0, 1], 1 at h_max_intensity_ma()
    double h_max_intensity_ma() const noexcept { return h_max_intensity_ma_; }
    // The largest occluded drive h(I)*(1-m(I)), which h_fraction divides by.
    // Comparing it between two curves compares their Hmax for the same motoneuron pool.
    double occluded_peak() const noexcept { return h_peak_; }
    // Lowest intensity at which M (or H, on its rising side) reaches `fraction` of its maximum.
    double m_intensity_for(double fraction) const;
    double h_intensity_for(double fraction) const;

    double h50_ma() const noexcept { return h50_; }
    double h_slope_ma() const noexcept { return h_slope_; }
    double m50_ma() const noexcept { return m50_; }
    double m_slope_ma() const noexcept { return m_slope_; }

    nlohmann::json to_json() const;

private:
    double occluded(double intensity_ma) const noexcept;
    double h50_, h_slope_, m50_, m_slope_;
    double h_max_intensity_ma_ = 0.0;
    double h_peak_ = 1.0;  // max of occluded(): normalises h_fraction
};

}  // namespace edx::sim
