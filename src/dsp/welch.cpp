#include "edx/dsp/welch.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edx/dsp/fft.hpp"

namespace edx::dsp {

namespace {

void remove_trend(std::span<double> seg, Detrend detrend) {
    const auto n = static_cast<double>(seg.size());
    if (detrend == Detrend::constant) {
        double mean = 0;
        for (double v : seg) mean += v;
        mean /= n;
        for (double& v : seg) v -= mean;
    } else if (detrend == Detrend::linear) {
        // Least-squares line over sample index.
        const double t_mean = (n - 1.0) / 2.0;
        double y_mean = 0;
        for (double v : seg) y_mean += v;
        y_mean /= n;
        double sty = 0, stt = 0;
        for (std::size_t i = 0; i < seg.size(); ++i) {
            const double t = static_cast<double>(i) - t_mean;
            sty += t * (seg[i] - y_mean);
            stt += t * t;
        }
        const double slope = stt > 0 ? sty / stt : 0.0;
        for (std::size_t i = 0; i < seg.size(); ++i) seg[i] -= y_mean + slope * (static_cast<double>(i) - t_mean);
    }
}

}  // namespace

PowerSpectrum welch(std::span<const double> x, double sample_rate_hz, const WelchConfig& config) {
    const std::size_t n = config.segment_length;
    const std::size_t overlap = config.overlap.value_or(n / 2);
    if (n < 2) throw std::invalid_argument("welch segment_length must be at least 2");
    if (overlap >= n) {
        throw std::invalid_argument("welch overlap = " + std::to_string(overlap) + " must be below segment_length = " +
                                    std::to_string(n));
    }
    if (!(std::isfinite(sample_rate_hz) && sample_rate_hz > 0)) {
        throw std::invalid_argument("welch sample_rate_hz must be positive and finite");
    }
    if (x.size() < n) {
        throw std::invalid_argument("welch needs at least segment_length = " + std::to_string(n) +
                                    " samples, got " + std::to_string(x.size()));
    }
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!std::isfinite(x[i])) {
            throw std::invalid_argument("welch input sample " + std::to_string(i) + " is not finite");
        }
    }

    // Periodic Hann window (scipy get_window('hann', n), sym=False).
    std::vector<double> window(n);
    double sum_w = 0, sum_w2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
        window[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
        sum_w += window[i];
        sum_w2 += window[i] * window[i];
    }
    const double scale = config.scaling == SpectrumScaling::density ? 1.0 / (sample_rate_hz * sum_w2)
                                                                     : 1.0 / (sum_w * sum_w);

    const auto plan = FftPlan::of_size(n);
    const std::size_t bins = plan->spectrum_size();
    const std::size_t step = n - overlap;
    PowerSpectrum out;
    out.segments = (x.size() - overlap) / step;
    out.power.assign(bins, 0.0);
    std::vector<double> seg(n);
    std::vector<std::complex<double>> spectrum(bins);
    for (std::size_t s = 0; s < out.segments; ++s) {
        std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(s * step), n, seg.begin());
        remove_trend(seg, config.detrend);
        for (std::size_t i = 0; i < n; ++i) seg[i] *= window[i];
        plan->forward(seg, spectrum);
        for (std::size_t k = 0; k < bins; ++k) out.power[k] += std::norm(spectrum[k]) * scale;
    }
    // One-sided: fold the negative frequencies in, except DC and (even n) Nyquist.
    const std::size_t last = n % 2 == 0 ? bins - 1 : bins;
    for (std::size_t k = 0; k < bins; ++k) {
        out.power[k] /= static_cast<double>(out.segments);
        if (k >= 1 && k < last) out.power[k] *= 2.0;
    }
    out.frequencies_hz.resize(bins);
    for (std::size_t k = 0; k < bins; ++k) {
        out.frequencies_hz[k] = static_cast<double>(k) * sample_rate_hz / static_cast<double>(n);
    }
    return out;
}

PowerSpectrum welch(std::span<const float> x, double sample_rate_hz, const WelchConfig& config) {
    const std::vector<double> xd(x.begin(), x.end());
    return welch(std::span<const double>(xd), sample_rate_hz, config);
}

}  // namespace edx::dsp
