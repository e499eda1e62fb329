// The H-reflex recruitment curve: response amplitude against stimulus
// intensity, fitted by small nonlinear least squares (Levenberg-Marquardt):
// a Boltzmann sigmoid for the M-wave, and for the H-wave the reflex drive
// occluded by antidromic collision, h(I) * (1 - m(I)), when M was fitted,
// else a Gaussian in log intensity. Thresholds are read off the fitted curves.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace edx::evoked {

// M(I) = mmax / (1 + exp((i50 - I) / slope)).
struct MRecruitmentFit {
    bool fitted = false;
    std::string reason;  // why not fitted, or empty
    double mmax_mv = 0.0;
    double i50_ma = 0.0;
    double slope_ma = 0.0;
    double threshold_ma = 0.0;  // intensity where the curve reaches threshold_fraction of mmax
    bool plateau_reached = false;  // the highest intensity given reaches plateau_fraction of mmax
    double rms_residual_mv = 0.0;
};

struct HRecruitmentFit {
    bool fitted = false;
    std::string reason;
    std::string model;  // "collision: hscale * h(I) * (1 - m(I))" or "gaussian in log intensity"
    double hmax_mv = 0.0;           // the fitted curve's maximum
    double intensity_at_hmax_ma = 0.0;
    double threshold_ma = 0.0;      // rising side reaches threshold_fraction of hmax
    double i50_ma = 0.0;            // rising side reaches half of hmax
    double rms_residual_mv = 0.0;
};

struct RecruitmentFit {
    std::size_t intensities = 0;  // distinct stimulus intensities in the data
    double threshold_fraction = 0.1;
    double plateau_fraction = 0.95;
    MRecruitmentFit m;
    HRecruitmentFit h;
};

struct RecruitmentFitConfig {
    std::size_t min_intensities = 5;     // fewer distinct intensities: no fit, said in reason
    double threshold_fraction = 0.1;     // threshold = intensity at this fraction of the maximum
    double plateau_fraction = 0.95;      // Mmax is established when the top intensity reaches this
    double intensity_resolution_ma = 0.01;  // intensities closer than this count as one

    // From signals/norms/evoked_measurement.json (/recruitment/...).
    static RecruitmentFitConfig from_signals();
    void validate() const;
};

// One point per sweep; absent responses are given as 0 (not as missing), so
// the curve sees where a response was looked for and not found. NaN intensities
// are ignored. Throws std::invalid_argument if the spans differ in length.
RecruitmentFit fit_recruitment(std::span<const double> intensity_ma, std::span<const double> m_amplitude_mv,
                               std::span<const double> h_amplitude_mv,
                               const RecruitmentFitConfig& config = RecruitmentFitConfig::from_signals());

}  // namespace edx::evoked
