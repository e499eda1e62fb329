#include "edx/dsp/resample.hpp"

#include <algorithm>
#include <complex>
#include <stdexcept>

#include "edx/dsp/fft.hpp"

namespace edx::dsp {

std::vector<double> resample_fft(std::span<const double> x, std::size_t num) {
    if (x.empty()) throw std::invalid_argument("resample_fft needs at least one sample");
    if (num == 0) throw std::invalid_argument("resample_fft output length must be at least 1");
    const std::size_t nx = x.size();
    const auto in_plan = FftPlan::of_size(nx);
    const auto out_plan = FftPlan::of_size(num);
    std::vector<std::complex<double>> X(in_plan->spectrum_size());
    in_plan->forward(x, X);

    std::vector<std::complex<double>> Y(out_plan->spectrum_size(), 0.0);
    const std::size_t n = std::min(num, nx);
    const std::size_t keep = n / 2 + 1;  // bins up to and including Nyquist of the shorter length
    for (std::size_t k = 0; k < keep && k < Y.size(); ++k) Y[k] = X[k];
    if (n % 2 == 0) {
        // The shorter length's Nyquist bin stands for +f and -f together:
        // split it when upsampling, fold it when downsampling (as scipy does).
        if (num < nx) Y[n / 2] *= 2.0;
        else if (nx < num) Y[n / 2] *= 0.5;
    }
    std::vector<double> y(num);
    out_plan->inverse(Y, y);
    const double gain = static_cast<double>(num) / static_cast<double>(nx);
    for (double& v : y) v *= gain;
    return y;
}

std::vector<double> upsample_fft(std::span<const double> x, std::size_t factor) {
    if (factor == 0) throw std::invalid_argument("upsample_fft factor must be at least 1");
    return resample_fft(x, x.size() * factor);
}

}  // namespace edx::dsp
