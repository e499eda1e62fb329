// One response of a recording measured the same way for every wave (M, H,
// CMAP, SNAP): sweeps aligned into a template (alignment.hpp), the template's
// onset by the documented criterion (onset.hpp), its amplitudes and phases
// (response_measures.hpp), and each sweep's amplitude against it with the
// standard error that says whether the sweep holds the wave at all.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "edx/evoked/alignment.hpp"
#include "edx/evoked/evoked_pipeline.hpp"
#include "edx/evoked/onset.hpp"
#include "edx/evoked/response_measures.hpp"
#include "edx/evoked/response_segments.hpp"

namespace edx::evoked {

struct WaveTemplate {
    Alignment alignment;
    OnsetEstimate onset;         // in the template's samples (0 = alignment.begin)
    double onset_index = 0.0;    // in sweep samples
    std::size_t peak_index = 0;  // the template's main peak, in sweep samples
    ResponseMeasures measures;   // of the template
    double detection_noise_sd = 0.0;
    std::vector<double> z;  // per row: amplitude / standard error (see measure_wave)
    // Per row: the standard error of its shift (samples), from the noise's
    // projection on the template's slope (see measure_wave); empty when the
    // noise could not be measured.
    std::vector<double> shift_se;
};

namespace detail {

// What every measurement does after prepare_sweeps: the locked mains found
// (on the mean) and removed from every row, then the artefact's tail (whose
// fit the hum would bend), then the responses located again on the cleaned
// rows. The search returned keeps the mains frequency found first.
SegmentSearch clean_and_locate(PreparedSweeps& sweeps, const PipelineConfig& config);

// Aligns `rows` on [w0, w1), finds the main peak within [seg_begin, seg_end)
// and the onset no earlier than `earliest`, measured from the baseline of
// [earliest, baseline_end) (all sweep samples).
//
// Each row's z is its amplitude against the template's main part (where the
// template stands out of its noise) over that amplitude's standard error,
// measured by projecting the same part on noise: the rows' deviations from
// their mean over [noise_begin, noise_end) and over the pre-stimulus window,
// so the noise's colour (1/f noise lies in the responses' band) is accounted
// for. With too little noise to project on, the white-noise approximation
// from the rows' residuals is used.
//
// With shift_errors, each row's shift_se is the linearised error of a matched-filter delay,
// SD(<noise, s'>) / (amplitude x <s', s'>), with s' the slope of the
// smoothed template (detection_trace) over the same main part and the SD
// from the same noise projections: the coloured noise's share in the
// response's band counts, as for z.
WaveTemplate measure_wave(const PreparedSweeps& sweeps, std::span<const std::size_t> rows, std::size_t w0,
                          std::size_t w1, std::size_t earliest, std::size_t baseline_end, std::size_t seg_begin,
                          std::size_t seg_end, const AlignmentConfig& alignment, const OnsetCriterion& criterion,
                          std::size_t noise_begin = 0, std::size_t noise_end = 0, bool shift_errors = false);

}  // namespace detail
}  // namespace edx::evoked
